"""OFAC's legacy CSV sets: ``sdn.csv`` + ``add.csv`` + ``alt.csv`` + ``sdn_comments.csv`` (SDN list)
and ``cons_prim.csv`` + ``cons_add.csv`` + ``cons_alt.csv`` + ``cons_comments.csv`` (non-SDN
consolidated list, which carries NS-CMIC).

The files have no header, use CRLF or LF, end with a 0x1A byte, write null as ``-0-`` and join
programs with ``] [``. Entries are keyed on ``ent_num``, which is stable across releases. A set may
lack companion files (many published copies hold only the primary file); the fields they would
supply are then marked as not compared rather than reported as removed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from whomade.sources.errors import ListFormatError
from whomade.sources.model import Citation, ListEntry, Value, clean_text
from whomade.sources.parsers.common import (
    ParsedList,
    SourceFile,
    country_code,
    decode_text,
    iter_csv,
    short_date,
    strip_eof_marker,
)

PRIMARY_COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
ADDRESS_COLUMNS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")
ALIAS_COLUMNS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
COMMENT_COLUMNS = ("ent_num", "remarks_continued")

ROLES = ("primary", "addresses", "aliases", "comments")
FILE_NAMES = {
    "sdn": {
        "primary": "sdn.csv",
        "addresses": "add.csv",
        "aliases": "alt.csv",
        "comments": "sdn_comments.csv",
    },
    "cons": {
        "primary": "cons_prim.csv",
        "addresses": "cons_add.csv",
        "aliases": "cons_alt.csv",
        "comments": "cons_comments.csv",
    },
}
UNCOMPARED_WITHOUT = {
    "addresses": ("addresses", "countries"),
    "aliases": ("aliases",),
    # Listing and effective dates are read from the remarks including their continuation.
    "comments": ("d.remarks_continued", "start_date", "d.effective_date"),
}
_DETAIL_NAMES = {
    "Title": "title",
    "Call_Sign": "call_sign",
    "Vess_type": "vessel_type",
    "Tonnage": "tonnage",
    "GRT": "gross_registered_tonnage",
    "Vess_flag": "vessel_flag",
    "Vess_owner": "vessel_owner",
}
_LISTING_DATE = re.compile(r"Listing Date \([^)]*\):? (\d{1,2} [A-Za-z]{3} \d{4})")
_EFFECTIVE_DATE = re.compile(r"Effective Date \([^)]*\):? (\d{1,2} [A-Za-z]{3} \d{4})")


def null(value: str) -> str:
    """OFAC writes an empty value as ``-0-`` (with a trailing space)."""
    text = value.strip()
    return "" if text == "-0-" else clean_text(text)


def split_programs(value: str) -> tuple[str, ...]:
    """``SDGT] [IRGC`` → ``("SDGT", "IRGC")``."""
    text = null(value).strip("[] ")
    return tuple(p.strip() for p in text.split("] [") if p.strip())


def ofac_rows(file: SourceFile, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, column → value) for each record of a headerless OFAC CSV; checks the width."""
    text = strip_eof_marker(decode_text(file))
    for record in iter_csv(file, text):
        ent_num = record.fields[0].strip()
        if not ent_num.isdigit():
            raise ListFormatError(
                file.name,
                f"{ent_num[:40]!r} is not an entity number",
                line=record.line,
                field="ent_num",
                expected="a headerless OFAC CSV whose first column is a number",
            )
        if len(record.fields) != len(columns):
            cut = " (the row is cut off)" if len(record.fields) < len(columns) else ""
            raise ListFormatError(
                file.name,
                f"{len(record.fields)} fields{cut}",
                line=record.line,
                expected=f"{len(columns)} fields: {', '.join(columns)}",
            )
        yield record.line, dict(zip(columns, record.fields, strict=True))


@dataclass(frozen=True)
class _Address:
    text: str
    country: str | None


def _addresses(file: SourceFile) -> dict[str, list[_Address]]:
    out: dict[str, list[_Address]] = defaultdict(list)
    for _line, row in ofac_rows(file, ADDRESS_COLUMNS):
        parts = [null(row["address"]), null(row["city_state_postal"]), null(row["country"])]
        text = ", ".join(p for p in parts if p)
        if text:
            out[row["ent_num"].strip()].append(_Address(text, country_code(null(row["country"]))))
    return out


def _aliases(file: SourceFile) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for _line, row in ofac_rows(file, ALIAS_COLUMNS):
        name = null(row["alt_name"])
        if name:
            out[row["ent_num"].strip()].append(name)
    return out


def _comments(file: SourceFile) -> dict[str, str]:
    out: dict[str, str] = {}
    for _line, row in ofac_rows(file, COMMENT_COLUMNS):
        text = null(row["remarks_continued"])
        if text:
            key = row["ent_num"].strip()
            out[key] = (out.get(key, "") + " " + text).strip()
    return out


def remark_dates(remarks: str) -> tuple[str | None, str | None]:
    """The earliest listing date and earliest effective date stated in OFAC remarks."""
    listing = sorted(d for d in (short_date(m) for m in _LISTING_DATE.findall(remarks)) if d)
    effective = sorted(d for d in (short_date(m) for m in _EFFECTIVE_DATE.findall(remarks)) if d)
    return (listing[0] if listing else None, effective[0] if effective else None)


def parse_set(list_id: str, files: Mapping[str, SourceFile]) -> ParsedList:
    """Parse one OFAC CSV set; ``files`` maps a role in :data:`ROLES` to its file."""
    if "primary" not in files:
        raise ListFormatError(
            "(file set)", "no primary file", expected=FILE_NAMES[list_id]["primary"]
        )
    primary = files["primary"]
    addresses = _addresses(files["addresses"]) if "addresses" in files else {}
    aliases = _aliases(files["aliases"]) if "aliases" in files else {}
    comments = _comments(files["comments"]) if "comments" in files else {}
    entries = []
    seen: set[str] = set()
    for line, row in ofac_rows(primary, PRIMARY_COLUMNS):
        ent_num = row["ent_num"].strip()
        if ent_num in seen:
            raise ListFormatError(
                primary.name, f"entity number {ent_num} appears twice", line=line, field="ent_num"
            )
        seen.add(ent_num)
        remarks = null(row["Remarks"])
        details: dict[str, Value] = {
            _DETAIL_NAMES[c]: null(row[c]) for c in _DETAIL_NAMES if null(row[c])
        }
        if ent_num in comments:
            details["remarks_continued"] = comments[ent_num]
        full_remarks = " ".join(p for p in (remarks, comments.get(ent_num, "")) if p)
        listed, effective = remark_dates(full_remarks)
        if effective:
            details["effective_date"] = effective
        own_addresses = addresses.get(ent_num, [])
        entries.append(
            ListEntry(
                list_id=list_id,
                key=ent_num,
                native_id=ent_num,
                source=list_id.upper(),
                name=null(row["SDN_Name"]),
                aliases=tuple(aliases.get(ent_num, ())),
                entity_type=null(row["SDN_Type"]) or "entity",
                addresses=tuple(a.text for a in own_addresses),
                countries=tuple(dict.fromkeys(a.country for a in own_addresses if a.country)),
                programs=split_programs(row["Program"]),
                start_date=listed,
                remarks=remarks or None,
                details=details,
                citation=Citation(primary.name, f"line {line} (ent_num {ent_num})"),
            )
        )
    if not entries:
        raise ListFormatError(primary.name, "no rows", expected="at least one list entry")
    uncompared = tuple(
        field
        for role, fields in UNCOMPARED_WITHOUT.items()
        if role not in files
        for field in fields
    )
    missing = [FILE_NAMES[list_id][r] for r in ROLES if r not in files]
    notes = [f"companion files not supplied: {', '.join(missing)}"] if missing else []
    return ParsedList(
        entries=entries, format=f"ofac-csv-{list_id}", uncompared=uncompared, notes=notes
    )
