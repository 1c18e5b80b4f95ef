"""BIS's own legacy Entity List CSV (``el.csv``), served until about 2016 from
``https://www.bis.doc.gov/index.php/documents/consolidated-entity-list/1072-el-2/file``.

The file has one row per (address, alias) pair of a listing, in the 31 columns of the old
consolidated-list layout (plus empty trailing columns). Rows of one listing share its name, title,
Federal Register notice and effective date; they are folded into one entry holding every address
and alias, cited by all its rows. Windows-1252 quotes stored as C1 control characters are
restored (U+0092 becomes ’). Country names ("Afghanistan") become ISO codes for
``countries``; addresses keep the country as printed. BIS no longer publishes this file: current
Entity List data comes from the Consolidated Screening List (``whomade lists import csl``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whomade.sources.errors import ListFormatError
from whomade.sources.model import Citation, ListEntry, Value, clean_text, key_text, unique_keys
from whomade.sources.parsers.common import (
    ParsedList,
    SourceFile,
    check_header,
    country_code,
    decode_text,
    iter_csv,
    us_date,
)

LIST_ID = "el"
FORMAT = "bis-el-csv"
COLUMNS = (
    "Source List",
    "Entity Number",
    "SDN Type",
    "Programs",
    "Name",
    "Title",
    "Address",
    "City",
    "State/Province",
    "Postal Code",
    "Country",
    "Federal Register Notice",
    "Effective Date",
    "Date Lifted/Waived/Expired",
    "Standard Order",
    "License Requirement",
    "License Policy",
    "Call Sign",
    "Vessel Type",
    "Gross Tonnage",
    "Gross Register Tonnage",
    "Vessel Flag",
    "Vessel Owner",
    "Remarks/Notes",
    "Address Number",
    "Address Remarks",
    "Alternate Number",
    "Alternate Type",
    "Alternate Name",
    "Alternate Remarks",
    "Web Link",
)
DETAIL_COLUMNS = {
    "Title": "title",
    "Standard Order": "standard_order",
    "License Requirement": "license_requirement",
    "License Policy": "license_policy",
}
ADDRESS_COLUMNS = ("Address", "City", "State/Province", "Postal Code", "Country")
NOTE = (
    "BIS legacy Entity List CSV (one row per address and alias, folded into one entry per "
    "listing); BIS no longer publishes it: use the CSL for current Entity List data"
)


@dataclass
class _Listing:
    """The rows of one listing, gathered in file order."""

    row: dict[str, str]
    rows: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


_C1 = re.compile("[\x80-\x9f]")


def _undo_c1(text: str) -> str:
    """Windows-1252 punctuation that reached the file as C1 control characters (U+0091 for
    ‘, U+0092 for ’) back to the characters meant; other text is left alone."""

    def fix(match: re.Match[str]) -> str:
        try:
            return match.group().encode("latin-1").decode("cp1252")
        except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d have no cp1252 meaning
            return match.group()

    return _C1.sub(fix, text) if _C1.search(text) else text


def parse(file: SourceFile) -> ParsedList:
    """Parse a legacy ``el.csv``; one entry per listing (name, title, notice, effective date)."""
    text = _undo_c1(decode_text(file))
    records = iter_csv(file, text)
    first = next(records, None)
    if first is None:
        raise ListFormatError(file.name, "the file is empty", expected="a CSV header row")
    header = [h.strip() for h in first.fields]
    width = len(header)
    # The official file pads the header with empty columns; only the named ones must match.
    while header and not header[-1]:
        header.pop()
    check_header(file, header, COLUMNS)
    listings: dict[tuple[str, ...], _Listing] = {}
    for row_number, record in enumerate(records, start=1):
        extra = record.fields[len(COLUMNS) :]
        if not len(COLUMNS) <= len(record.fields) <= width or any(f.strip() for f in extra):
            raise ListFormatError(
                file.name,
                f"{len(record.fields)} fields",
                line=record.line,
                expected=f"{len(COLUMNS)} fields (up to {width} with empty padding)",
            )
        row = dict(zip(COLUMNS, (clean_text(f) for f in record.fields), strict=False))
        if not row["Name"]:
            raise ListFormatError(file.name, "empty", line=record.line, field="Name")
        group = (row["Name"], row["Title"], row["Federal Register Notice"], row["Effective Date"])
        listing = listings.setdefault(group, _Listing(row))
        _add_row(listing, row, row_number, record.line)
    if not listings:
        raise ListFormatError(file.name, "no data rows", expected="at least one list entry")
    entries = [_entry(file, listing) for listing in listings.values()]
    return ParsedList(entries=unique_keys(entries), format=FORMAT, notes=[NOTE])


def _add_row(listing: _Listing, row: dict[str, str], number: int, line: int) -> None:
    listing.rows.append(number)
    listing.lines.append(line)
    address = ", ".join(row[c] for c in ADDRESS_COLUMNS if row[c])
    if address and address not in listing.addresses:
        listing.addresses.append(address)
    alias = row["Alternate Name"]
    if alias and alias != row["Name"] and alias not in listing.aliases:
        listing.aliases.append(alias)
    code = country_code(row["Country"]) if row["Country"] else None
    if code and code not in listing.countries:
        listing.countries.append(code)
    for column in ("Remarks/Notes", "Address Remarks", "Alternate Remarks"):
        if row[column] and row[column] not in listing.remarks:
            listing.remarks.append(row[column])


def _rows_text(listing: _Listing) -> str:
    if len(listing.rows) == 1:
        return f"row {listing.rows[0]} (line {listing.lines[0]})"
    first, last = listing.rows[0], listing.rows[-1]
    if listing.rows == list(range(first, last + 1)):
        return f"rows {first}-{last} (lines {listing.lines[0]}-{listing.lines[-1]})"
    return "rows " + ", ".join(str(n) for n in listing.rows)


def _entry(file: SourceFile, listing: _Listing) -> ListEntry:
    row = listing.row
    start = us_date(row["Effective Date"])
    notice = row["Federal Register Notice"] or None
    details: dict[str, Value] = {
        name: row[column] for column, name in DETAIL_COLUMNS.items() if row[column]
    }
    anchor = f"{start or ''}:{key_text(notice)}"
    return ListEntry(
        list_id=LIST_ID,
        key=f"EL:{key_text(row['Name'])}:{anchor}:{key_text(row['Title'])}",
        name=row["Name"],
        source=row["Source List"] or "EL",
        native_id=row["Entity Number"] or None,
        aliases=tuple(listing.aliases),
        entity_type=row["SDN Type"] or None,
        addresses=tuple(listing.addresses),
        countries=tuple(listing.countries),
        programs=tuple(p for p in (clean_text(x) for x in row["Programs"].split(";")) if p),
        start_date=start,
        end_date=us_date(row["Date Lifted/Waived/Expired"]),
        notice=notice,
        remarks="; ".join(listing.remarks) or None,
        details=details,
        links=(row["Web Link"],) if row["Web Link"] else (),
        citation=Citation(file.name, _rows_text(listing)),
    )
