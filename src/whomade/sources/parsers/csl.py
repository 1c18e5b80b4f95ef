"""The Consolidated Screening List (trade.gov): ``consolidated.csv`` and ``consolidated.json``.

Quirks handled (see ../shared/lists/README.md): the pre-2020 CSV has no ``_id`` column; ``_id`` of
Commerce and State rows is a content hash that changes between releases, so those rows are keyed
on (source, normalised name, start date or Federal Register notice); Treasury rows are keyed on the
OFAC entity number; URL columns are kept as links, outside the compared content; the parts of each
``ids`` item change order between releases, so each item is stored as its sorted parts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from whomade.sources.errors import ListFormatError, PartialFileError
from whomade.sources.model import (
    Citation,
    ListEntry,
    Value,
    clean_text,
    key_text,
    split_multi,
    unique_keys,
)
from whomade.sources.parsers.common import (
    ParsedList,
    SourceFile,
    check_header,
    decode_text,
    iter_csv,
    short_date,
)

LIST_ID = "csl"

COLUMNS = [
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
]
COLUMNS_2019 = COLUMNS[1:]
URL_COLUMNS = ("source_list_url", "source_information_url")
DETAIL_COLUMNS = (
    "title",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
)
MULTI_DETAIL_COLUMNS = ("citizenships", "dates_of_birth", "nationalities", "places_of_birth")

_SOURCE_CODE = re.compile(r"\(([A-Z][A-Z-]*)(?: List)?\)")
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_SHORT_DATE_ONLY = re.compile(r"^\d{1,2} [A-Za-z]{3} \d{4}$")


def source_code(source: str) -> str:
    """The short code of a CSL source, e.g. ``EL`` for "Entity List (EL) - Bureau of ..."."""
    match = _SOURCE_CODE.search(source)
    return match.group(1) if match else clean_text(source)


def is_treasury(row: Mapping[str, str]) -> bool:
    """Treasury (OFAC) rows carry a stable entity number; Commerce and State rows do not."""
    return bool(row.get("entity_number", "").strip())


def row_key(row: Mapping[str, str], code: str) -> str:
    """The content key of a CSL row (never the unstable ``_id`` of Commerce/State rows)."""
    if is_treasury(row):
        return f"{code}:{row['entity_number'].strip()}"
    anchor = row.get("start_date", "").strip() or key_text(row.get("federal_register_notice"))
    return f"{code}:{key_text(row.get('name'))}:{anchor}"


def _id_item(text: str) -> str:
    """An ``ids`` item as its sorted parts, dates in ISO form: the 2023 releases reversed the parts
    and wrote "28 Oct 1998" where earlier ones wrote "1998-10-28"."""
    parts = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            parts.append((short_date(part) or part) if _SHORT_DATE_ONLY.match(part) else part)
    return ", ".join(sorted(parts))


def _countries(addresses: Iterable[str]) -> tuple[str, ...]:
    out = []
    for address in addresses:
        last = address.rsplit(",", 1)[-1].strip()
        if _COUNTRY_CODE.match(last):
            out.append(last)
    return tuple(dict.fromkeys(out))


def entry_from_row(row: Mapping[str, str], citation: Citation) -> ListEntry:
    """One normalised entry from a CSL row given as column → text (CSV form)."""
    source = clean_text(row.get("source"))
    code = source_code(source)
    addresses = split_multi(row.get("addresses"))
    details: dict[str, Value] = {}
    for column in DETAIL_COLUMNS:
        value = clean_text(row.get(column))
        if value:
            details[column] = value
    for column in MULTI_DETAIL_COLUMNS:
        values = split_multi(row.get(column))
        if values:
            details[column] = values
    ids = tuple(_id_item(i) for i in split_multi(row.get("ids")))
    if ids:
        details["ids"] = ids
    details["source_name"] = source
    links = tuple(u for u in (clean_text(row.get(c)) for c in URL_COLUMNS) if u)
    return ListEntry(
        list_id=LIST_ID,
        key=row_key(row, code),
        native_id=clean_text(row.get("_id")) or clean_text(row.get("entity_number")) or None,
        source=code,
        name=clean_text(row.get("name")),
        aliases=split_multi(row.get("alt_names")),
        entity_type=clean_text(row.get("type")) or None,
        addresses=addresses,
        countries=_countries(addresses),
        programs=split_multi(row.get("programs")),
        start_date=clean_text(row.get("start_date")) or None,
        end_date=clean_text(row.get("end_date")) or None,
        notice=clean_text(row.get("federal_register_notice")) or None,
        remarks=clean_text(row.get("remarks")) or None,
        details=details,
        links=links,
        citation=citation,
    )


def parse_csv(file: SourceFile, *, allow_partial: bool = False) -> ParsedList:
    """Parse ``consolidated.csv`` (current 29-column or pre-2020 28-column form).

    A repeated header row or a cut-off last row makes the file damaged: that is an error, unless
    ``allow_partial`` is set, in which case only the whole rows are kept and the result says so.
    """
    text = decode_text(file)
    records = iter_csv(file, text, strict_eof=False)
    first = next(records, None)
    if first is None:
        raise ListFormatError(file.name, "the file is empty", expected="a CSV header row")
    header = [h.strip() for h in first.fields]
    if header == COLUMNS:
        columns = COLUMNS
    elif header == COLUMNS_2019:
        columns = COLUMNS_2019
    else:
        check_header(file, header, COLUMNS)
        raise ListFormatError(file.name, "unknown header", line=1)  # pragma: no cover
    width = len(columns)
    entries: list[ListEntry] = []
    problems: list[str] = []
    last_line = 0
    for record in records:
        last_line = record.line
        if [f.strip() for f in record.fields] == header:
            problems.append(f"line {record.line} repeats the header row")
            continue
        if len(record.fields) != width:
            problems.append(
                f"line {record.line} has {len(record.fields)} of {width} fields"
                + (" (the row is cut off)" if len(record.fields) < width else "")
            )
            continue
        row = dict(zip(columns, record.fields, strict=True))
        citation = Citation(file.name, f"row {len(entries) + 1} (line {record.line})")
        entries.append(entry_from_row(row, citation))
    partial = None
    if problems:
        summary = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        if not allow_partial:
            raise PartialFileError(
                file.name,
                f"damaged file: {summary}. {len(entries)} whole rows could be imported "
                "with --allow-partial",
                whole_rows=len(entries),
                line=last_line or None,
            )
        partial = f"kept {len(entries)} whole rows; skipped: {summary}"
    if not entries:
        raise ListFormatError(file.name, "no data rows", expected="at least one list entry")
    return ParsedList(
        entries=unique_keys(entries),
        format="csl-csv" if columns is COLUMNS else "csl-csv-2019",
        partial=partial,
    )


def _json_address(item: Any) -> str:
    if isinstance(item, str):
        return item
    if not isinstance(item, Mapping):
        return ""
    parts = [
        clean_text(str(item.get(k) or ""))
        for k in ("address", "city", "state", "postal_code", "country")
    ]
    return ", ".join(p for p in parts if p)


def _json_id(item: Any) -> str:
    if isinstance(item, str):
        return item
    if not isinstance(item, Mapping):
        return ""
    parts = [clean_text(str(item.get(k) or "")) for k in ("type", "number", "country")]
    return ", ".join(p for p in parts if p)


def _joined(value: Any, convert: Any = str) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(s for s in (convert(v) for v in value) if s)
    return str(value)


def parse_json(file: SourceFile) -> ParsedList:
    """Parse ``consolidated.json``: ``{"results": [...]}`` (or a bare array) of CSL records.

    Multi-value fields are arrays there; addresses and ids are objects. Each record is turned into
    the CSV row form first, so the CSV and JSON of one release yield identical entries.
    """
    text = decode_text(file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ListFormatError(
            file.name, f"not valid JSON: {exc.msg}", line=exc.lineno, expected="a JSON document"
        ) from None
    results = data.get("results") if isinstance(data, dict) else data
    if not isinstance(results, list):
        raise ListFormatError(
            file.name, "no 'results' array", expected='{"results": [...]} or an array of records'
        )
    entries = []
    for index, record in enumerate(results):
        if not isinstance(record, dict) or "name" not in record or "source" not in record:
            raise ListFormatError(
                file.name,
                f"record {index} is not a CSL record",
                field="results",
                expected="objects with at least 'source' and 'name'",
            )
        row = {
            column: _joined(record.get(column))
            for column in COLUMNS
            if column not in ("addresses", "ids")
        }
        row["_id"] = str(record.get("_id") or record.get("id") or "")
        row["addresses"] = _joined(record.get("addresses"), _json_address)
        row["ids"] = _joined(record.get("ids"), _json_id)
        citation = Citation(file.name, f"results[{index}]")
        entries.append(entry_from_row(row, citation))
    if not entries:
        raise ListFormatError(file.name, "no records", expected="at least one list entry")
    return ParsedList(entries=unique_keys(entries), format="csl-json")
