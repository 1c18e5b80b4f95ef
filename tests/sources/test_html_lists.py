"""The HTML-only lists: FCC Covered List and UFLPA Entity List.

No copy of either official page exists in ../shared. The parsers are tested on fixtures written
from the documented layouts; the FCC transcriptions in ../shared/lists/fcc-covered-list (CC BY-NC,
OpenSanctions) are used only as oracles: a page is rebuilt from each transcription's cells and the
parser must give back exactly the transcribed rows.
"""

from __future__ import annotations

import csv
import html
import itertools
import re
from pathlib import Path

import pytest

from whomade.sources.diff import DiffItem, diff_versions
from whomade.sources.errors import ListFormatError
from whomade.sources.parsers import fcc, uflpa
from whomade.sources.parsers.common import ParsedList, SourceFile

FIXTURES = Path(__file__).parent / "fixtures"
FCC_VERSIONS = ("2026-05-21", "2026-06-23", "2026-07-20", "2026-07-21", "2026-08-20")


def fixture(name: str) -> SourceFile:
    return SourceFile(name, (FIXTURES / name).read_bytes())


def oracle_rows(lists_dir: Path, version: str) -> list[list[str]]:
    path = lists_dir / "fcc-covered-list" / version / "table.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["covered_equipment_or_services", "date_of_inclusion_on_covered_list"]
    return rows[1:]


def page_from_oracle(rows: list[list[str]]) -> bytes:
    """The documented page layout around the transcribed cells (no <strong>: names must then be
    read from the "produced by ..." phrase)."""
    body = "".join(
        f"<tr><td>{html.escape(what)}</td><td><p>{html.escape(when)}</p></td></tr>"
        for what, when in rows
    )
    page = (
        "<html><body><div class='page-body'><table><thead><tr>"
        "<th><p><strong>Covered Equipment or Services*</strong></p></th>"
        "<th><p><strong>Date of Inclusion on Covered List</strong></p></th>"
        f"</tr></thead><tbody>{body}</tbody></table></div></body></html>"
    )
    return page.encode("utf-8")


def test_fcc_fixture_page() -> None:
    parsed = fcc.parse_html(fixture("fcc_coveredlist.html"))
    assert parsed.format == "fcc-html"
    got = [(e.name, e.aliases, e.start_date, e.entity_type) for e in parsed.entries]
    assert got == [
        ("Huawei Technologies Company", (), "2021-03-12", "company"),
        ("Hangzhou Hikvision Digital Technology Company", (), "2021-03-12", "company"),
        ("Dahua Technology Company", (), "2021-03-12", "company"),
        ("Pacific Networks Corp", ("ComNet (USA) LLC",), "2022-09-20", "company"),
        (
            "Uncrewed aircraft systems (UAS) and UAS critical components",
            (),
            "2025-12-22",
            "category",
        ),
        ("Routers", (), "2026-03-23", "category"),
    ]
    uas = parsed.entries[4]
    assert uas.details["updated"] == ("2026-01-07", "2026-03-18")
    assert "Blue UAS Cleared List" in str(uas.details["description"])
    assert parsed.entries[1].citation.locator.startswith("table row 2 (line ")


@pytest.mark.parametrize("version", FCC_VERSIONS)
def test_fcc_parser_against_transcription_oracle(lists_dir: Path, version: str) -> None:
    rows = oracle_rows(lists_dir, version)
    parsed = fcc.parse_html(SourceFile(f"{version}.html", page_from_oracle(rows)))
    assert len(parsed.entries) == len(rows)
    for entry, (what, when) in zip(parsed.entries, rows, strict=True):
        # footnote glyphs are joined to the word before them ("Routers ^" / "Routers^")
        assert (
            re.sub(r"\s+([†‡^£³#])", r"\1", " ".join(what.split()))
            == (entry.details["description"])
        )
        assert entry.start_date == fcc.long_dates(when)[0]
    names = {e.name for e in parsed.entries}
    assert {
        "Huawei Technologies Company",
        "ZTE Corporation",
        "Hytera Communications Corporation",
        "Hangzhou Hikvision Digital Technology Company",
        "Dahua Technology Company",
    } <= names
    assert all(
        e.start_date == "2021-03-12"
        for e in parsed.entries
        if e.name in names and "Company" in e.name
    )


def test_fcc_names_agree_with_the_hand_made_sheet(lists_dir: Path) -> None:
    """The 2024 OpenSanctions sheet names the entity of each row: the phrase reader agrees."""
    sheet = lists_dir / "fcc-covered-list/2024-04-19/data.csv"
    with sheet.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert len(rows) == 10
    for row in rows:
        names = fcc.entity_names(" ".join(row["Covered Equipment or Services"].split()))
        expected = [row["Entity Name"], *[s for s in row["Subsidiary Names"].split(";") if s]]
        assert [n.rstrip(".") for n in names] == [n.strip().rstrip(".") for n in expected]


def fcc_versions(lists_dir: Path) -> dict[str, ParsedList]:
    return {
        v: fcc.parse_html(SourceFile(v, page_from_oracle(oracle_rows(lists_dir, v))))
        for v in FCC_VERSIONS
    }


def test_fcc_real_diffs(lists_dir: Path) -> None:
    """README §5 counts +1/-1, +3/-2, +1/-1, +4/-2 keying rows on their full text; keyed on the
    inclusion date and covered entity, a reworded row is one change."""
    parsed = fcc_versions(lists_dir)
    counts = []
    for old, new in itertools.pairwise(FCC_VERSIONS):
        result = diff_versions(_items(parsed[old]), _items(parsed[new]))
        counts.append((result.counts["added"], result.counts["removed"], result.counts["changed"]))
        if new == "2026-07-20":
            assert [i.name for i in result.added] == ["Digitalsystem Technology Inc."]
    assert counts == [(0, 0, 1), (1, 0, 2), (0, 0, 1), (2, 0, 1)]


def _items(parsed: ParsedList) -> list[DiffItem]:
    return [DiffItem(e.key, e.name, e.content(), e.content_hash()) for e in parsed.entries]


def test_fcc_layout_changed() -> None:
    page = b"<html><body><table><tr><th>Equipment</th><th>Date</th></tr></table></body></html>"
    with pytest.raises(ListFormatError) as caught:
        fcc.parse_html(SourceFile("coveredlist.html", page))
    assert str(caught.value) == (
        "coveredlist.html: the page layout changed (expected a table with the columns "
        "'Covered Equipment or Services' and 'Date of Inclusion on Covered List')"
    )
    three = fixture("fcc_coveredlist.html").data.replace(
        b'<td><p class="rtecenter">March 12, 2021</p></td>',
        b"<td><p>March 12, 2021</p></td><td>extra</td>",
        1,
    )
    with pytest.raises(ListFormatError, match=r"a table row has 3 cells"):
        fcc.parse_html(SourceFile("coveredlist.html", three))
    undated = fixture("fcc_coveredlist.html").data.replace(b"March 23, 2026", b"soon", 1)
    with pytest.raises(ListFormatError, match="row 6 has no date of inclusion"):
        fcc.parse_html(SourceFile("coveredlist.html", undated))


def test_uflpa_fixture_page() -> None:
    parsed = uflpa.parse_html(fixture("uflpa_entity_list.html"))
    by_name = {e.name: e for e in parsed.entries}
    assert list(by_name) == [
        "Example Cotton Co., Ltd.",
        "Example Group Co., Ltd.",
        "Example Metals Co., Ltd.",
        "Alpha Mining Co., Ltd.",
        "Beta Smelting Co., Ltd.",
        "Gamma Ltd.",
        "Delta Co., Ltd.",
        "Example Silicon Industry Co., Ltd.",
    ]
    assert by_name["Example Cotton Co., Ltd."].aliases == ("Example Fibre",)
    assert by_name["Example Cotton Co., Ltd."].start_date == "2022-06-21"
    assert by_name["Example Group Co., Ltd."].aliases == ("Alpha Co.", "Beta Ltd.", "Gamma")
    assert by_name["Example Group Co., Ltd."].details["scope"] == (
        "and its subordinate and affiliated entities"
    )
    assert by_name["Gamma Ltd."].details["listed_with"] == "Example Metals Co., Ltd."
    assert "Section 2(d)(2)(B)(ii)" in by_name["Gamma Ltd."].programs[0]
    assert by_name["Example Silicon Industry Co., Ltd."].details["scope"] == "and Subsidiaries"


def test_uflpa_layout_changed() -> None:
    page = b"<html><body><table><tr><th>Company</th><th>Added</th></tr></table></body></html>"
    with pytest.raises(ListFormatError, match="the page layout changed"):
        uflpa.parse_html(SourceFile("uflpa.html", page))
