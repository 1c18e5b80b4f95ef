"""`whomade screen` and `whomade explain` end to end: outputs, bad rows, columns, resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from whomade.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "catalog.csv"
runner = CliRunner()


def screen(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["screen", *args, "-q"])
    return result.exit_code, result.output


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_demo_catalog_every_tier(tmp_path: Path) -> None:
    out = tmp_path / "f.jsonl"
    code, output = screen(str(DEMO), "-o", str(out))
    assert code == 0, output
    findings = {f["id"]: f for f in read_jsonl(out)}
    assert len(findings) == 45
    verdicts = {f["verdict"] for f in findings.values()}
    assert verdicts == {"restricted", "linked", "review", "clear"}
    assert findings["DEMO-0003"]["verdict"] == "linked"  # EZVIZ baby monitor
    assert findings["DEMO-0005"]["verdict"] == "linked"  # Lorex, dated 2020
    assert findings["DEMO-0006"]["verdict"] == "review"  # Lorex, dated 2024: allegation only
    assert findings["DEMO-0010"]["verdict"] == "review"  # mount "compatible with Hikvision"
    assert findings["DEMO-0013"]["verdict"] == "clear"  # Axis


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_other_output_formats(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"f{suffix}"
    code, output = screen(str(DEMO), "-o", str(out))
    assert code == 0, output
    frame = pl.read_csv(out) if suffix == ".csv" else pl.read_parquet(out)
    assert frame.height == 45
    assert {"id", "verdict", "families", "risk_level", "warning", "evidence"} <= set(frame.columns)


def test_broken_rows_go_to_the_errors_file(tmp_path: Path) -> None:
    source = tmp_path / "broken.csv"
    huge = "x" * 5_000_000
    source.write_bytes(
        b"sku,title,brand,description\n"
        b"1,Hikvision DS-2CD2143G2-I camera,Hikvision,ok\n"
        b'2,"unbalanced quote,Acme,bad\n'
        b"3,Axis camera,Axis,too,many,fields\n"
        + b"4,Bad bytes \xff\xfe here,Acme,x\n"
        + f"5,Huge field,Acme,{huge}\n".encode()
        + b'6,Reolink camera,Reolink,"<script>alert(1)</script><b>nice</b>"\n'
    )
    out, errors = tmp_path / "f.jsonl", tmp_path / "errors.jsonl"
    code, output = screen(str(source), "-o", str(out), "--errors", str(errors))
    assert code == 0, output
    ids = [f["id"] for f in read_jsonl(out)]
    assert "1" in ids and "6" in ids
    reported = read_jsonl(errors)
    assert reported and all({"file", "line", "reason"} <= set(e) for e in reported)
    assert next(f for f in read_jsonl(out) if f["id"] == "1")["verdict"] == "restricted"


def test_missing_required_column_stops_with_the_columns_found(tmp_path: Path) -> None:
    source = tmp_path / "nocol.csv"
    source.write_text("sku,price\n1,10\n", encoding="utf-8")
    code, output = screen(str(source), "-o", str(tmp_path / "f.jsonl"))
    assert code == 2
    assert "title" in output and "price" in output


def test_unknown_mapped_column_names_it(tmp_path: Path) -> None:
    code, output = screen(str(DEMO), "-o", str(tmp_path / "f.jsonl"), "--map", "title=Nope")
    assert code == 2
    assert "Nope" in output


def test_resume_keeps_what_was_written(tmp_path: Path) -> None:
    out = tmp_path / "f.jsonl"
    code, _ = screen(str(DEMO), "-o", str(out), "--batch-size", "10")
    assert code == 0
    full = out.read_bytes().splitlines(keepends=True)
    # A killed run: 17 whole findings and half of the 18th.
    out.write_bytes(b"".join(full[:17]) + full[17][:40])
    code, output = screen(str(DEMO), "-o", str(out), "--resume", "--batch-size", "10")
    assert code == 0, output
    resumed = read_jsonl(out)
    assert [f["id"] for f in resumed] == [json.loads(line)["id"] for line in full]
    assert resumed[:17] == [json.loads(line) for line in full[:17]]


def test_killed_process_then_resume(tmp_path: Path) -> None:
    """A real interruption: the process is killed mid-run, then resumed without loss."""
    source = tmp_path / "big.csv"
    rows = ["sku,title,brand"] + [
        f"{i},Hikvision DS-2CD2143G2-I camera {i},Hikvision" for i in range(60_000)
    ]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "f.jsonl"
    command = [sys.executable, "-m", "whomade.cli", "screen", str(source), "-o", str(out), "-q"]
    process = subprocess.Popen([*command, "--batch-size", "2000"])
    import time

    deadline = time.time() + 60
    while time.time() < deadline and (not out.exists() or out.stat().st_size < 60_000):
        time.sleep(0.05)
    process.kill()
    process.wait()
    partial = sum(1 for _ in out.open("rb"))
    assert partial < 60_000
    done = subprocess.run([*command, "--resume"], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    ids = [json.loads(line)["id"] for line in out.open(encoding="utf-8")]
    assert len(ids) == 60_000 and len(set(ids)) == 60_000


def test_explain_prints_the_chain(tmp_path: Path) -> None:
    result = runner.invoke(app, ["explain", str(DEMO), "--id", "DEMO-0003"])
    assert result.exit_code == 0, result.output
    assert "EZVIZ" in result.output and "brand_of" in result.output
    assert "Entity List" in result.output or "us_entity_list" in result.output
    missing = runner.invoke(app, ["explain", str(DEMO), "--id", "NOPE"])
    assert missing.exit_code == 1


def test_workers_give_the_same_findings(tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert screen(str(DEMO), "-o", str(one), "--batch-size", "7")[0] == 0
    assert screen(str(DEMO), "-o", str(two), "--batch-size", "7", "--workers", "2")[0] == 0
    assert one.read_bytes() == two.read_bytes()
