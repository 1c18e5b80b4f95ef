"""The `whomade lists` commands end to end (each test has its own database)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from whomade.cli import app

runner = CliRunner()


def run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), "lists", *args])
    return result.exit_code, result.output


def test_import_versions_diff_show_find(tmp_path: Path, lists_dir: Path) -> None:
    db = tmp_path / "cli.sqlite"
    dpl = lists_dir / "bis-denied-persons"
    code, output = run(
        db, "import", "dpl", str(dpl / "2022-09-07/dpl.txt"), "--published", "2022-09-07"
    )
    assert code == 0, output
    assert "imported 581 entries as dpl v1 (2022-09-07)" in output
    code, output = run(db, "import", "dpl", str(dpl / "2022-09-07/dpl.txt"))
    assert code == 0 and "nothing added" in output
    code, output = run(db, "import", "dpl", str(dpl / "2023-11-30/dpl.txt"), "--no-link")
    assert code == 0 and "dpl v2" in output and "linked" not in output

    code, output = run(db, "versions", "--json")
    assert code == 0
    rows = json.loads(output)
    assert [(r["list"], r["seq"], r["entries"]) for r in rows] == [("dpl", 1, 581), ("dpl", 2, 665)]
    assert rows[0]["published_on"] == "2022-09-07"

    code, output = run(db, "diff", "dpl")
    assert code == 0, output
    assert "dpl: v1 → v2: +230 added, -146 removed, 18 changed" in output
    assert "Changed" in output

    code, output = run(db, "diff", "dpl", "--from", "1", "--to", "2", "--json")
    assert code == 0
    data = json.loads(output)
    assert data["counts"] == {"added": 230, "removed": 146, "changed": 18}
    assert len(data["added"]) == 230 and len(data["removed"]) == 146
    assert all({"key", "name", "fields"} <= set(c) for c in data["changed"])
    assert not any("url" in f["field"] for c in data["changed"] for f in c["fields"])

    code, output = run(db, "show", "dpl", "--name", "dahua", "--json")
    assert code == 0
    (entry,) = json.loads(output)
    assert entry["name"] == "DAHUA ELECTRONICS CORPORATION"
    assert entry["start_date"] == "2017-09-28" and entry["notice"] == "82 F.R. 46480 10/5/2017"

    code, output = run(db, "find", "Dahua Electronics Corp", "--json")
    assert code == 0
    assert [e["name"] for e in json.loads(output)] == ["DAHUA ELECTRONICS CORPORATION"]


def test_errors_are_messages_not_tracebacks(tmp_path: Path, lists_dir: Path) -> None:
    db = tmp_path / "cli.sqlite"
    code, output = run(db, "import", "csl", str(lists_dir / "csl/2023-11-30-truncated/csl.csv"))
    assert code == 1
    assert "damaged file" in output and "previous version stays in use" in output
    assert "Traceback" not in output
    code, output = run(db, "import", "nope", str(lists_dir / "README.md"))
    assert code == 1 and "unknown list 'nope'" in output
    code, output = run(db, "import", "dpl", str(tmp_path / "missing.txt"))
    assert code == 1 and "no such file" in output
    code, output = run(db, "diff", "dpl")
    assert code == 1 and "a diff needs two" in output
    code, output = run(
        db, "import", "dpl", str(lists_dir / "csl/2025-06-25-sample/consolidated.csv")
    )
    assert code == 1 and "the columns changed" in output


def test_partial_import_and_impact_without_findings(tmp_path: Path, lists_dir: Path) -> None:
    db = tmp_path / "cli.sqlite"
    code, output = run(
        db,
        "import",
        "csl",
        str(lists_dir / "csl/2023-11-30-truncated/csl.csv"),
        "--allow-partial",
        "--no-link",
    )
    assert code == 0, output
    assert "imported only the whole rows (4226)" in output
    assert "not used as the current version" in output
    code, output = run(db, "impact")
    assert code == 0
    assert "no list has two complete versions yet" in output
