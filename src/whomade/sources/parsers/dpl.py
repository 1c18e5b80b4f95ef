"""BIS Denied Persons List, the official ``dpl.txt``: tab-separated, every field quoted, a header.

The list has no identifiers, so entries are keyed on content: normalised name, street address and
effective date. ``Last_Update`` holds impossible years (3017, 3033) in the official file; they are
kept as printed, never "corrected".
"""

from __future__ import annotations

from whomade.sources.errors import ListFormatError
from whomade.sources.model import Citation, ListEntry, Value, clean_text, key_text, unique_keys
from whomade.sources.parsers.common import (
    ParsedList,
    SourceFile,
    check_header,
    decode_text,
    iter_csv,
    us_date,
)

LIST_ID = "dpl"
COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)


def parse(file: SourceFile) -> ParsedList:
    """Parse ``dpl.txt``."""
    text = decode_text(file)
    records = iter_csv(file, text, delimiter="\t")
    first = next(records, None)
    if first is None:
        raise ListFormatError(file.name, "the file is empty", expected="a header row")
    check_header(file, first.fields, COLUMNS)
    entries = []
    for record in records:
        if len(record.fields) != len(COLUMNS):
            raise ListFormatError(
                file.name,
                f"{len(record.fields)} fields",
                line=record.line,
                expected=f"{len(COLUMNS)} tab-separated fields",
            )
        row = dict(zip(COLUMNS, (clean_text(f) for f in record.fields), strict=True))
        entries.append(_entry(file, row, record.line))
    if not entries:
        raise ListFormatError(file.name, "no data rows", expected="at least one entry")
    return ParsedList(entries=unique_keys(entries), format="bis-dpl")


def _entry(file: SourceFile, row: dict[str, str], line: int) -> ListEntry:
    effective = us_date(row["Effective_Date"])
    address = ", ".join(
        p
        for p in (
            row["Street_Address"],
            row["City"],
            row["State"],
            row["Postal_Code"],
            row["Country"],
        )
        if p
    )
    details: dict[str, Value] = {
        k.lower(): row[k] for k in ("Standard_Order", "Last_Update", "Action") if row[k]
    }
    return ListEntry(
        list_id=LIST_ID,
        key="|".join((key_text(row["Name"]), key_text(row["Street_Address"]), effective or "")),
        name=row["Name"],
        source="DPL",
        addresses=(address,) if address else (),
        countries=(row["Country"],) if len(row["Country"]) == 2 else (),
        start_date=effective,
        end_date=us_date(row["Expiration_Date"]),
        notice=row["FR_Citation"] or None,
        details=details,
        citation=Citation(file.name, f"line {line}"),
    )
