"""BIS's legacy Entity List CSV (``el.csv``), on the real 2015 sample in ../shared/lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from whomade.cli import app
from whomade.sources.errors import ListFormatError
from whomade.sources.parsers import bis_el
from whomade.sources.parsers.common import SourceFile
from whomade.sources.update import update_list

SAMPLE = "bis-entity-list/2015-09-19-sample/el.csv"
runner = CliRunner()


def sample(lists_dir: Path) -> SourceFile:
    path = lists_dir / SAMPLE
    return SourceFile(str(path), path.read_bytes())


def test_rows_fold_into_listings(lists_dir: Path) -> None:
    manifest = json.loads((lists_dir / "MANIFEST.json").read_text())
    (facts,) = [m for m in manifest if m["file"] == SAMPLE]
    data_rows = facts["csv_records_parsed"] - 1  # the manifest counts the header
    assert data_rows == 18
    parsed = bis_el.parse(sample(lists_dir))
    assert parsed.format == "bis-el-csv"
    # one entry per (name, title, notice, effective date); every row cited exactly once
    cited = 0
    for entry in parsed.entries:
        locator = entry.citation.locator
        if locator.startswith("rows ") and "-" in locator.split(" (")[0]:
            first, last = locator.split(" ")[1].split("-")
            cited += int(last) - int(first) + 1
        else:
            cited += 1
    assert (len(parsed.entries), cited) == (7, data_rows)
    by_name = {(e.name, e.details.get("title")): e for e in parsed.entries}
    farid = by_name[("Fazal Rahim Farid", None)]
    assert farid.aliases == ("Fazel Rahim Farid", "Farid", "Engineer Idris")
    assert farid.addresses == (
        "Microrayan 3rd Apt. 45, block #21, Kabul, Afghanistan",
        "A2 Ground Floor, City Computer Plaza, Shar-e-Naw, Kabul, Afghanistan",
    )
    assert (farid.countries, farid.start_date, farid.notice) == (
        ("AF",),
        "2011-11-21",
        "76 FR 71867",
    )
    assert farid.citation.locator == "rows 1-6 (lines 2-7)"
    assert farid.citation.file.endswith("el.csv")
    assert farid.details["license_policy"] == "Presumption of denial."
    assert farid.links == ("http://www.bis.doc.gov/entities/default.htm",)
    assert len(by_name[("Zurmat Construction Company offices", None)].addresses) == 7
    peker = by_name[("Murat Peker", None)]
    assert (peker.notice, peker.countries, peker.start_date) == (
        "78 FR 75485",
        ("TR",),
        "2013-12-12",
    )
    # The sample's three "Qazi Abdallah" rows differ in title, notice or date: three listings.
    qazi = [e for e in parsed.entries if e.name == "Qazi Abdallah"]
    assert sorted((e.details.get("title") or "", e.notice, e.start_date) for e in qazi) == [
        ("", "76 FR 71867", "2011-11-21"),
        ("Title 1", "76 FR 10001", "2011-11-21"),
        ("Title 2", "76 FR 71867", "2011-11-22"),
    ]
    # the file holds U+0092/U+0091 (Windows-1252 quotes read as Latin-1): restored
    assert qazi[0].aliases == ("Jawid, Sa\u2019id Jan \u2018Abd-al-Salam",)
    assert len({e.key for e in parsed.entries}) == 7


def test_changed_columns_and_stray_fields_are_named(lists_dir: Path) -> None:
    original = sample(lists_dir).data
    renamed = SourceFile("el.csv", original.replace(b"Federal Register Notice", b"FR Notice", 1))
    with pytest.raises(ListFormatError, match=r"el.csv:1: the columns changed"):
        bis_el.parse(renamed)
    lines = original.split(b"\n")
    lines[3] = lines[3] + b",surprise"
    with pytest.raises(ListFormatError, match=r"el.csv:4: 32 fields"):
        bis_el.parse(SourceFile("el.csv", b"\n".join(lines)))


def test_import_command_keeps_the_sample_note(tmp_path: Path, lists_dir: Path) -> None:
    db = str(tmp_path / "el.sqlite")
    note = (
        "a sample of the official BIS el.csv (GovWizely test fixture of 2015-09-19, 18 rows), "
        "not a full release"
    )
    args = ["--db", db, "lists", "import", "el", str(lists_dir / SAMPLE), "--note", note]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "imported 7 entries as el v1" in result.output
    result = runner.invoke(app, ["--db", db, "lists", "versions", "--json"])
    (version,) = json.loads(result.output)
    assert (version["format"], version["entries"]) == ("bis-el-csv", 7)
    assert version["notes"][0] == note
    assert "no longer publishes" in version["notes"][1]
    result = runner.invoke(app, ["--db", db, "lists", "show", "el", "--name", "zurmat", "--json"])
    (zurmat,) = json.loads(result.output)
    assert zurmat["citation"]["locator"] == "rows 8-14 (lines 9-15)"


def test_no_download_exists(engine: Engine) -> None:
    result = update_list(engine, "el")
    assert result.status == "failed"
    assert "no official download exists" in result.message
