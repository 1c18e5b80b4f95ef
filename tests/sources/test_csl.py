"""The Consolidated Screening List importers on the real copies in ../shared/lists/csl."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from whomade.sources.diff import DiffItem, diff_versions
from whomade.sources.errors import ListFormatError, PartialFileError
from whomade.sources.model import ListEntry
from whomade.sources.parsers import csl
from whomade.sources.parsers.common import SourceFile

FULL = "csl/2022-05-16/consolidated.csv"


def load(lists_dir: Path, relative: str) -> SourceFile:
    return SourceFile(relative, (lists_dir / relative).read_bytes())


@pytest.fixture(scope="module")
def full(lists_dir: Path) -> list[ListEntry]:
    return csl.parse_csv(load(lists_dir, FULL)).entries


def items(entries: list[ListEntry]) -> list[DiffItem]:
    return [DiffItem(e.key, e.name, e.content(), e.content_hash()) for e in entries]


def test_full_list_rows_and_sources(full: list[ListEntry]) -> None:
    assert len(full) == 14160
    assert len({e.key for e in full}) == 14160
    by_source = Counter(e.source for e in full)
    assert by_source == {
        "SDN": 10026,
        "EL": 2001,
        "DTC": 727,
        "DPL": 462,
        "SSI": 290,
        "UVL": 201,
        "ISN": 163,
        "PLC": 78,
        "MEU": 71,
        "CMIC": 68,
        "CAP": 53,
        "NS-MBS": 17,
        "FSE": 3,
    }
    assert sum(1 for e in full if "84 FR 54002" in (e.notice or "")) == 27


def test_hikvision_and_dahua_entries(full: list[ListEntry]) -> None:
    hik = {(e.source, e.name) for e in full if any("hikvision" in n.lower() for n in e.names)}
    assert hik == {
        ("EL", "Hangzhou Hikvision Digital Technology Co., Ltd."),
        ("CMIC", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD."),
    }
    el = next(e for e in full if e.source == "EL" and e.name.startswith("Hangzhou Hikvision"))
    assert el.start_date == "2019-10-09"
    assert el.notice == "84 FR 54002; 85 FR 44159"
    assert el.aliases == ("Hikvision",)
    assert "CN" in el.countries
    assert el.key == "EL:hangzhou hikvision digital technology co ltd:2019-10-09"
    assert el.citation.file == FULL and "row " in el.citation.locator
    dahua = {(e.source, e.name) for e in full if any("dahua" in n.lower() for n in e.names)}
    assert dahua == {("EL", "Dahua Technology"), ("DPL", "DAHUA ELECTRONICS CORPORATION")}
    # three more rows mention Dahua only in an address: they are not Dahua entries
    in_address = {e.name for e in full if any("Dahua" in a for a in e.addresses)}
    assert in_address == {
        "Beijing Huanjia Telecommunication Co., Ltd.",
        "SHANGHAI GANG QUAN TRADE CO.",
        "SHANGHAI NORTH TRANSWAY INTERNATIONAL TRADING CO.",
    }


def test_treasury_rows_keyed_on_entity_number_others_on_content(full: list[ListEntry]) -> None:
    cmic = next(e for e in full if e.source == "CMIC" and "HIKVISION" in e.name)
    assert cmic.key == "CMIC:30946"
    assert cmic.programs == ("CMIC-EO13959",)
    for entry in full:
        if entry.source in ("EL", "DPL", "UVL", "MEU", "ISN", "DTC"):
            assert entry.native_id and entry.native_id not in entry.key


def test_old_2019_format_without_id_column(lists_dir: Path) -> None:
    parsed = csl.parse_csv(load(lists_dir, "csl/2019-12-03-sample/csl.csv"))
    assert parsed.format == "csl-csv-2019"
    assert len(parsed.entries) == 115
    assert Counter(e.source for e in parsed.entries)["EL"] == 22
    assert sum(1 for e in parsed.entries if "huawei" in e.name.lower()) == 1


def test_2025_sample(lists_dir: Path) -> None:
    parsed = csl.parse_csv(load(lists_dir, "csl/2025-06-25-sample/consolidated.csv"))
    assert len(parsed.entries) == 13
    assert any(e.name.startswith("China Electronics Technology Group") for e in parsed.entries)


def test_truncated_copy_fails_clearly(lists_dir: Path) -> None:
    file = load(lists_dir, "csl/2023-11-30-truncated/csl.csv")
    with pytest.raises(PartialFileError) as caught:
        csl.parse_csv(file)
    message = str(caught.value)
    assert "csl/2023-11-30-truncated/csl.csv" in message
    assert "line 2 repeats the header row" in message
    assert "8 of 29 fields (the row is cut off)" in message
    assert caught.value.whole_rows == 4226


def test_truncated_copy_whole_rows_on_request(lists_dir: Path) -> None:
    parsed = csl.parse_csv(load(lists_dir, "csl/2023-11-30-truncated/csl.csv"), allow_partial=True)
    assert len(parsed.entries) == 4226
    assert parsed.partial and "4226 whole rows" in parsed.partial
    assert sum(1 for e in parsed.entries if e.source == "EL") == 919


def test_url_columns_id_order_and_ids_do_not_make_a_change(
    lists_dir: Path, full: list[ListEntry]
) -> None:
    """What changed between the 2022 and 2023 releases without meaning: every URL, the ``_id`` of
    Commerce/State rows, the order of the parts of each ``ids`` item, trailing full stops."""
    with (lists_dir / FULL).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    url_cols = [header.index(c) for c in ("source_list_url", "source_information_url")]
    ids_col, id_col = header.index("ids"), header.index("_id")
    policy_col = header.index("license_policy")
    for row in rows[1:]:
        for col in url_cols:
            row[col] = "https://example.invalid/new-url" if row[col] else ""
        row[ids_col] = "; ".join(
            ", ".join(reversed(item.split(", "))) for item in row[ids_col].split("; ") if item
        )
        if not row[header.index("entity_number")]:
            row[id_col] = "regenerated-" + row[id_col][:8]
        row[policy_col] = row[policy_col].rstrip(".")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    changed = csl.parse_csv(SourceFile("rewritten.csv", buffer.getvalue().encode())).entries
    result = diff_versions(items(full), items(changed))
    assert result.counts == {"added": 0, "removed": 0, "changed": 0}


def test_real_2022_to_2023_diff_reports_no_url_or_order_change(
    lists_dir: Path, full: list[ListEntry]
) -> None:
    later = csl.parse_csv(
        load(lists_dir, "csl/2023-11-30-truncated/csl.csv"), allow_partial=True
    ).entries
    result = diff_versions(items(full), items(later))
    fields = result.field_counts()
    # README §6: all 2,179 rows sharing an _id differ in their raw text, mostly in URLs and in the
    # order of ids parts; what is left are real edits (names re-ordered, aliases, addresses).
    assert len(later) - len(result.added) == 3933
    assert len(result.changed) == 538
    assert not any("url" in name for name in fields)
    assert fields["aliases"] == 209 and fields["name"] == 141
    for change in result.changed:
        for field in change.fields:
            if field.field == "d.ids":
                assert set(field.added) != set(field.removed)


def test_json_form_yields_the_same_entries(
    lists_dir: Path, full: list[ListEntry], tmp_path: Path
) -> None:
    """No real consolidated.json copy exists; this builds one in the documented JSON shape
    (arrays for multi-value fields, objects for addresses and ids) from the real CSV rows."""
    with (lists_dir / FULL).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    results = []
    for row in rows[:3000]:
        record: dict[str, object] = {k: v for k, v in row.items() if v}
        record["id"] = record.pop("_id", "")
        for key in ("alt_names", "programs", "citizenships", "dates_of_birth", "nationalities"):
            record[key] = [p for p in row[key].split("; ") if p]
        record["addresses"] = [
            dict(zip(("address", "city", "state", "postal_code", "country"), _pad(a), strict=True))
            for a in row["addresses"].split("; ")
            if a
        ]
        record["ids"] = [
            dict(zip(("type", "number", "country"), _pad(i, 3), strict=True))
            for i in row["ids"].split("; ")
            if i
        ]
        results.append(record)
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps({"total": len(results), "results": results}), encoding="utf-8")
    parsed = csl.parse_json(SourceFile("consolidated.json", path.read_bytes()))
    assert parsed.format == "csl-json"
    from_csv = {e.key: e.content_hash() for e in full[:3000]}
    from_json = {e.key: e.content_hash() for e in parsed.entries}
    assert from_json == from_csv


def _pad(text: str, width: int = 5) -> list[str]:
    """Address parts as documented (street, city, state, postal, CC); the CSV drops empty ones,
    so they are put back in order from the right (the country is always last)."""
    parts = text.split(", ")
    if len(parts) >= width:
        return [", ".join(parts[: len(parts) - width + 1]), *parts[len(parts) - width + 1 :]]
    return ["", *[""] * (width - len(parts) - 1), *parts][:width] if len(parts) < width else parts


def test_changed_columns_are_a_clear_error(lists_dir: Path) -> None:
    data = (lists_dir / "csl/2025-06-25-sample/consolidated.csv").read_bytes()
    renamed = data.replace(b"alt_names", b"alternate_names", 1)
    with pytest.raises(ListFormatError) as caught:
        csl.parse_csv(SourceFile("renamed.csv", renamed))
    message = str(caught.value)
    assert message.startswith("renamed.csv:1:")
    assert "missing columns ['alt_names']" in message
    assert "unexpected columns ['alternate_names']" in message


def test_wrong_encoding_is_a_clear_error(lists_dir: Path) -> None:
    data = (lists_dir / "csl/2025-06-25-sample/consolidated.csv").read_text(encoding="utf-8")
    latin = (data + '"x","Entity List (EL)",,,,"Société Générale",,,,,,,,,,,,,,,,,,,,,,,\n').encode(
        "latin-1", errors="replace"
    )
    with pytest.raises(ListFormatError) as caught:
        csl.parse_csv(SourceFile("latin1.csv", latin))
    # the sample's "§" (line 4) is the first byte that Latin-1 writes differently from UTF-8
    assert "latin1.csv:4: byte 0xa7 at offset 1814" in str(caught.value)
    assert "not valid utf-8" in str(caught.value)
    assert "expected utf-8 text" in str(caught.value)


def test_malformed_json_is_a_clear_error() -> None:
    with pytest.raises(ListFormatError, match=r"cut\.json:1: not valid JSON"):
        csl.parse_json(SourceFile("cut.json", b'{"results": [{"name": "A", "sou'))
    with pytest.raises(ListFormatError, match="no 'results' array"):
        csl.parse_json(SourceFile("other.json", b'{"items": []}'))
