"""OFAC SDN and non-SDN consolidated files (CSV sets and XML) from ../shared/lists."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from whomade.sources.errors import ListFormatError, ListImportError
from whomade.sources.importer import load_files
from whomade.sources.parsers import ofac_csv, ofac_xml
from whomade.sources.parsers.common import ParsedList, SourceFile


def parse_set(lists_dir: Path, list_id: str, relative: str) -> ParsedList:
    fmt, files = load_files(list_id, lists_dir / relative)
    assert fmt == "ofac-csv"
    return ofac_csv.parse_set(list_id, files)


@pytest.fixture(scope="module")
def sdn_2021(lists_dir: Path) -> ParsedList:
    return parse_set(lists_dir, "sdn", "ofac-sdn/2021-07-07")


def test_sdn_sets_row_counts(lists_dir: Path, sdn_2021: ParsedList) -> None:
    sdn_2019 = parse_set(lists_dir, "sdn", "ofac-sdn/2019-01-15/sdn.csv")
    assert len(sdn_2019.entries) == 7379
    assert len(sdn_2021.entries) == 8976
    assert sum(len(e.aliases) for e in sdn_2019.entries) == 9682
    # 13,837 add.csv rows, of which 11,440 carry an address (the rest are all "-0-")
    assert sum(len(e.addresses) for e in sdn_2021.entries) == 11440
    assert max(int(e.key) for e in sdn_2019.entries) == 26235
    assert max(int(e.key) for e in sdn_2021.entries) == 32391
    assert sdn_2021.uncompared == ()


def test_crlf_eof_marker_nulls_and_program_separators(sdn_2021: ParsedList) -> None:
    first = sdn_2021.entries[0]
    assert (first.key, first.name, first.entity_type, first.programs) == (
        "36",
        "AEROCARIBBEAN AIRLINES",
        "entity",
        ("CUBA",),
    )
    assert first.aliases == ("AERO-CARIBBEAN",)
    assert first.addresses == ("Havana, Cuba",) and first.countries == ("CU",)
    assert first.remarks is None
    multi = [e for e in sdn_2021.entries if len(e.programs) > 1]
    assert multi and all("]" not in p and "[" not in p for e in multi for p in e.programs)
    assert sdn_2021.entries[-1].key != ""  # the 0x1A line is not a row
    # the sdn_comments.csv stub continues the remarks of ent_num 12300
    assert "remarks_continued" in next(e for e in sdn_2021.entries if e.key == "12300").details


def test_no_sdn_entry_for_the_five_families(sdn_2021: ParsedList) -> None:
    names = [n.lower() for e in sdn_2021.entries for n in e.names]
    for word in ("hikvision", "dahua", "huawei", "hytera"):
        assert not any(word in n for n in names)


def test_non_sdn_2025_carries_ns_cmic_and_hikvision(lists_dir: Path) -> None:
    parsed = parse_set(lists_dir, "cons", "ofac-consolidated/2025-12-19")
    assert len(parsed.entries) == 442
    programs = Counter(p for e in parsed.entries for p in e.programs)
    assert programs["CMIC-EO13959"] == 68
    hik = next(e for e in parsed.entries if e.key == "30946")
    assert hik.name == "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD."
    assert set(hik.aliases) == {"HIKVISION", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY"}
    assert hik.start_date == "2021-06-03"  # Listing Date (CMIC) 03 Jun 2021
    assert hik.details["effective_date"] == "2021-08-02"
    assert hik.citation.locator == "line 386 (ent_num 30946)"
    huawei = {e.key for e in parsed.entries if "HUAWEI" in e.name}
    assert {"30947", "32087"} <= huawei


def test_partial_sets_mark_missing_fields_uncompared(lists_dir: Path) -> None:
    only_primary = parse_set(lists_dir, "cons", "ofac-consolidated/2025-03-26")
    assert len(only_primary.entries) == 443
    assert set(only_primary.uncompared) >= {"aliases", "addresses", "countries"}
    assert "cons_alt.csv" in only_primary.notes[0]
    lf = parse_set(lists_dir, "cons", "ofac-consolidated/2025-04-21")  # LF endings, 0x1A kept
    assert len(lf.entries) == 443
    assert "addresses" not in lf.uncompared and "aliases" in lf.uncompared


def test_pre_cmic_2018_csv_and_xml_agree(lists_dir: Path) -> None:
    csv_set = parse_set(lists_dir, "cons", "ofac-consolidated/2018-04-06")
    xml = ofac_xml.parse_sdn_list(
        "cons",
        SourceFile(
            "consolidated.xml",
            (lists_dir / "ofac-consolidated/2018-04-06/consolidated.xml").read_bytes(),
        ),
    )
    assert len(csv_set.entries) == len(xml.entries) == 639
    assert str(xml.published_on) == "2018-04-06"
    by_key = {e.key: e for e in csv_set.entries}
    assert {e.key for e in xml.entries} == set(by_key)
    assert all(by_key[e.key].name == e.name for e in xml.entries)
    assert all(set(by_key[e.key].programs) == set(e.programs) for e in xml.entries)
    assert Counter(p for e in xml.entries for p in e.programs)["UKRAINE-EO13662"] == 290


def test_advanced_xml(lists_dir: Path) -> None:
    data = (lists_dir / "ofac-consolidated/2020-03-17/cons_advanced.xml").read_bytes()
    parsed = ofac_xml.parse_advanced("cons", SourceFile("cons_advanced.xml", data))
    assert len(parsed.entries) == 375
    assert str(parsed.published_on) == "2020-03-17"
    first = next(e for e in parsed.entries if e.key == "9639")
    assert first.name == "HANIYA, Ismail Abdul Salah"
    assert first.programs == ("NS-PLC",)
    assert first.entity_type == "individual"
    assert first.start_date == "2006-04-12"
    assert sum(1 for e in parsed.entries if e.addresses) > 100


def test_truncated_xml_names_file_and_line(lists_dir: Path) -> None:
    data = (lists_dir / "ofac-consolidated/2018-04-06/consolidated.xml").read_bytes()
    with pytest.raises(ListFormatError) as caught:
        ofac_xml.parse_sdn_list("cons", SourceFile("consolidated.xml", data[: len(data) // 2]))
    message = str(caught.value)
    assert message.startswith("consolidated.xml:")
    assert "malformed or truncated XML" in message
    assert caught.value.line is not None and caught.value.line > 1000


def test_xml_with_fewer_entries_than_record_count(lists_dir: Path) -> None:
    text = (lists_dir / "ofac-consolidated/2018-04-06/consolidated.xml").read_text()
    cut = text[: text.index("<sdnEntry>", 10_000)] + "</sdnList>\n"
    with pytest.raises(ListFormatError, match="Record_Count says 639 entries but the file holds"):
        ofac_xml.parse_sdn_list("cons", SourceFile("consolidated.xml", cut.encode()))


def test_wrong_xml_schema_is_named(lists_dir: Path) -> None:
    data = (lists_dir / "ofac-consolidated/2020-03-17/cons_advanced.xml").read_bytes()
    with pytest.raises(
        ListFormatError, match=r"document element is <Sanctions> \(expected <sdnList>\)"
    ):
        ofac_xml.parse_sdn_list("cons", SourceFile("cons_advanced.xml", data))


def test_truncated_and_changed_csv(lists_dir: Path) -> None:
    data = (lists_dir / "ofac-sdn/2021-07-07/sdn.csv").read_bytes()
    cut = data[: data.index(b"\n", 100_000) + 40]
    with pytest.raises(ListFormatError) as caught:
        ofac_csv.parse_set("sdn", {"primary": SourceFile("sdn.csv", cut)})
    assert "sdn.csv:" in str(caught.value)
    assert "cut off" in str(caught.value)
    wider = data.replace(b'"CUBA",-0- ,', b'"CUBA","extra",-0- ,', 1)
    with pytest.raises(ListFormatError, match=r"sdn\.csv:1: 13 fields \(expected 12 fields"):
        ofac_csv.parse_set("sdn", {"primary": SourceFile("sdn.csv", wider)})
    with_header = b"ent_num,SDN_Name\r\n" + data
    with pytest.raises(ListFormatError, match="is not an entity number"):
        ofac_csv.parse_set("sdn", {"primary": SourceFile("sdn.csv", with_header)})


def test_companion_file_given_instead_of_primary(lists_dir: Path) -> None:
    with pytest.raises(ListImportError, match=r"give the primary file sdn\.csv"):
        load_files("sdn", lists_dir / "ofac-sdn/2021-07-07/add.csv")
