"""The DoD Section 1260H list, read from its Federal Register notice (XML) or plain text.

No official notice is in ../shared. The fixture reproduces the Federal Register XML layout of
FR Doc 2025-00070 with 24 of the 2025-01-07 edition's names as printed; the OpenSanctions
transcription in ../shared/lists/dod-1260h (CC BY-NC 4.0) is used only as the oracle: the whole
edition is laid out in memory in both official forms and must parse back to its names.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pytest
from typer.testing import CliRunner

from whomade.cli import app
from whomade.sources.errors import ListFormatError
from whomade.sources.lists import detect_format, spec
from whomade.sources.parsers import dod1260h
from whomade.sources.parsers.common import SourceFile
from whomade.sources.screening import graph_list_for

FIXTURE = Path(__file__).parent / "fixtures" / "dod1260h_fr_2025-00070.xml"
EDITION = "2025-01-07"
# Rows where the transcription's clean columns edit the printed text, so the parser (which keeps
# what is printed) cannot give them back: a comma dropped, and a "]" typo left unsplit.
TRANSCRIPTION_EDITS = {
    "Addsino Co., Ltd.",
    "Semiconductor Manufacturing International (Tianjin) Corporation (SMIC Tianjin]",
}


def oracle(lists_dir: Path) -> list[dict[str, str]]:
    path = lists_dir / "dod-1260h" / "2026-08-20" / "sanctions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["Start date"] == EDITION]


def expected(row: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    return row["Clean Name"], (row["Alias"],) if row["Alias"] else ()


def agrees(got: tuple[str, tuple[str, ...]], row: dict[str, str]) -> bool:
    """The parse equals the transcription's name and alias, or (for the rows where it left the
    short name inside its clean name) their printed form."""
    if got == expected(row):
        return True
    name, aliases = got
    return not row["Alias"] and len(aliases) == 1 and f"{name} ({aliases[0]})" == row["Clean Name"]


def fr_xml(printed: list[str]) -> bytes:
    paragraphs = "".join(f"<P>{html.escape(name, quote=False)}</P>" for name in printed)
    return (
        "<NOTICE><PREAMB><SUBJECT>Notice of Availability of Designation of Chinese Military "
        "Companies</SUBJECT></PREAMB><SUPLINF><HD SOURCE='HED'>SUPPLEMENTARY INFORMATION:</HD>"
        "<P>The Deputy Secretary of Defense has determined that the following entities qualify "
        f"as &#8220;Chinese military companies&#8221;:</P>{paragraphs}</SUPLINF>"
        "<FRDOC>[FR Doc. 2025-00070 Filed 1-6-25; 8:45 am]</FRDOC></NOTICE>"
    ).encode()


def test_fixture_notice() -> None:
    parsed = dod1260h.parse_fr_xml(SourceFile(FIXTURE.name, FIXTURE.read_bytes()))
    assert parsed.format == "dod1260h-fr-xml"
    assert len(parsed.entries) == 24
    by_name = {e.name: e for e in parsed.entries}
    hik = by_name["Hangzhou Hikvision Digital Technology Co., Ltd."]
    assert hik.aliases == ("Hikvision",)
    assert hik.notice == "FR Doc. 2025-00070"
    assert hik.citation.locator.startswith("SUPPLEMENTARY INFORMATION paragraph ")
    assert by_name["Zhejiang Dahua Technology Co., Ltd."].aliases == ("Dahua",)
    assert by_name["Chengdu Dahua Wisdom Information Technology Co., Ltd."].aliases == ()
    assert by_name["China Unicom (Hong Kong) Limited"].aliases == ("China Unicom HK",)
    assert by_name["AVIC Airborne Systems Co., Ltd."].aliases == (
        "China Avionics Systems Co., Ltd.",
    )
    assert by_name["360 Security Technology Inc."].aliases == ("Qihoo 360",)
    # the removals section is not listed; it is reported
    assert "China Telecommunications Corporation" not in by_name
    assert "removed by this notice: China Telecommunications Corporation" in parsed.notes
    assert len(parsed.notes) == 6


def test_fixture_names_are_the_oracles(lists_dir: Path) -> None:
    rows = {row["Name"]: row for row in oracle(lists_dir)}
    parsed = dod1260h.parse_fr_xml(SourceFile(FIXTURE.name, FIXTURE.read_bytes()))
    for entry in parsed.entries:
        printed = str(entry.details["as_printed"])
        assert printed in rows, printed
        assert agrees((entry.name, entry.aliases), rows[printed]), printed


@pytest.mark.parametrize("form", ["fr-xml", "numbered-text", "fr-raw-text"])
def test_whole_edition_against_transcription_oracle(lists_dir: Path, form: str) -> None:
    rows = oracle(lists_dir)
    printed = [row["Name"] for row in rows]
    if form == "fr-xml":
        parsed = dod1260h.parse_fr_xml(SourceFile("notice.xml", fr_xml(printed)))
    elif form == "numbered-text":
        text = "ENTITIES IDENTIFIED AS CHINESE MILITARY COMPANIES\n" + "\n".join(
            f"{n}. {name}" for n, name in enumerate(printed, start=1)
        )
        parsed = dod1260h.parse_text(SourceFile("list.txt", text.encode()))
    else:
        text = (
            "SUPPLEMENTARY INFORMATION:\n\n    The Deputy Secretary of Defense has determined "
            "that the following\nentities qualify as ``Chinese military companies'':\n\n"
            + "\n\n".join(f"    {name}" for name in printed)
            + "\n\n    Dated: January 3, 2025.\n\n[FR Doc. 2025-00070 Filed 1-6-25; 8:45 am]\n"
        )
        parsed = dod1260h.parse_text(SourceFile("notice.txt", text.encode()))
    assert len(parsed.entries) == len(rows) == 133
    got = [(e.name, e.aliases) for e in parsed.entries]
    mismatched = {row["Name"] for row, g in zip(rows, got, strict=True) if not agrees(g, row)}
    assert mismatched == TRANSCRIPTION_EDITS
    hits = [e.name for e in parsed.entries if "Hikvision" in e.name or "Dahua" in e.name]
    assert len(hits) == 3


def test_justification_paragraphs_stay_with_their_entity() -> None:
    text = (
        "The Deputy Secretary of Defense has determined that the following entities qualify:\n\n"
        "Example One Co., Ltd. (Example One)\n\nExample One is a placeholder for this test.\n\n"
        "Example Two Limited\n\nDated: June 1, 2026.\n"
    )
    parsed = dod1260h.parse_text(SourceFile("t.txt", text.encode()))
    assert [e.name for e in parsed.entries] == ["Example One Co., Ltd.", "Example Two Limited"]
    assert (
        parsed.entries[0].details["justification"] == "Example One is a placeholder for this test."
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"<NOTICE><SUPLINF><P>x</P>", "not well-formed XML"),
        (b"<NOTICE><PREAMB/></NOTICE>", "no <SUPLINF>"),
        (b"<NOTICE><SUPLINF><P>Nothing listed.</P></SUPLINF></NOTICE>", "no 'the following"),
    ],
)
def test_bad_notice_is_a_clear_error(data: bytes, problem: str) -> None:
    with pytest.raises(ListFormatError, match=problem) as info:
        dod1260h.parse_fr_xml(SourceFile("bad.xml", data))
    assert str(info.value).startswith("bad.xml")


def test_registration_and_graph_list(tmp_path: Path) -> None:
    the_spec = spec("1260h")
    assert detect_format(the_spec, FIXTURE) == "dod1260h-fr-xml"
    assert detect_format(the_spec, tmp_path / "list.txt") == "dod1260h-text"
    assert graph_list_for("1260h", "DOD-1260H") == "dod_1260h"


def test_cli_import(tmp_path: Path) -> None:
    db = tmp_path / "w.sqlite"
    result = CliRunner().invoke(app, ["--db", str(db), "lists", "import", "1260h", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "24" in result.output
