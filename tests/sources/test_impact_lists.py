"""`whomade lists impact` end to end: a real list update changes saved verdicts.

The pair is two real Consolidated Screening List files: the 2019-12-03 sample (115 real rows, none
naming a graph entity) as version 1, then the full 2022-05-16 list as version 2. Version 2 carries
the official Entity List rows "Hangzhou Hikmicro Sensing Technology Co." and "Huawei Technologies
Co., Ltd. (Huawei). Affiliated Entity: Huawei Marine Networks Co., Ltd.", which no curated listing
of the knowledge graph names. The catalog is three product rows written for this test.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from whomade.cli import app

runner = CliRunner()
CATALOG = (
    "sku,title,brand\n"
    "T-1,HIKMICRO E1L thermal imaging camera,HIKMICRO\n"
    "T-2,Huawei Marine submarine cable repeater,Huawei Marine\n"
    "T-3,USB-C charging cable 2 m,Anker\n"
)


def whomade(db: Path, *args: str) -> str:
    result = runner.invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_real_list_update_changes_saved_verdicts(tmp_path: Path, lists_dir: Path) -> None:
    db = tmp_path / "impact.sqlite"
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(CATALOG, encoding="utf-8")
    csl = lists_dir / "csl"
    output = whomade(db, "lists", "import", "csl", str(csl / "2019-12-03-sample/csl.csv"))
    assert "linked 0 of 115 entries" in output
    out = tmp_path / "findings.jsonl"
    whomade(db, "screen", str(catalog), "-o", str(out), "--save", "-q", "--as-of", "2026-11-25")
    before = {f["id"]: f for f in map(json.loads, out.read_text().splitlines())}
    assert (before["T-1"]["verdict"], before["T-2"]["verdict"]) == ("linked", "clear")

    output = whomade(db, "lists", "import", "csl", str(csl / "2022-05-16/consolidated.csv"))
    assert "imported 14160 entries as csl v2" in output
    report = json.loads(whomade(db, "lists", "impact", "--json"))
    (scope,) = report["scopes"]
    assert (scope["list"], scope["from"], scope["to"]) == ("csl", 1, 2)
    assert {"hikmicro", "huawei_marine"} <= set(scope["entities"])
    assert report["findings_checked"] == 3
    changes = {c["record_id"]: c for c in report["changes"]}
    assert set(changes) == {"T-1", "T-2"}
    assert (changes["T-1"]["old_verdict"], changes["T-1"]["new_verdict"]) == (
        "linked",
        "restricted",
    )
    assert changes["T-1"]["new_families"] == ["hikmicro"]
    assert (changes["T-2"]["old_verdict"], changes["T-2"]["new_verdict"]) == ("clear", "restricted")
    assert changes["T-2"]["new_families"] == ["huawei_marine"]
    text = whomade(db, "lists", "impact")
    assert "2 verdict(s) changed" in text and "T-2: clear [] → restricted" in text
