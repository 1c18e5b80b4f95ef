"""The FCC Covered List, published only as an HTML table at https://www.fcc.gov/supplychain/coveredlist.

Documented layout: a table whose header cells read "Covered Equipment or Services" and "Date of
Inclusion on Covered List"; each body row has the description (covered entities in ``<strong>``)
and a date cell holding the inclusion date, possibly followed by "Updated:" dates. Rows that name
no entity (foreign-produced drones, routers, inverters) are category entries. Entries are keyed on
the inclusion date and the first named entity (or the category's opening words), so a reworded
row is a change, not a removal plus an addition.
"""

from __future__ import annotations

import re

from whomade.sources.errors import ListFormatError
from whomade.sources.model import Citation, ListEntry, Value, clean_text, key_text, unique_keys
from whomade.sources.parsers.common import ParsedList, SourceFile, decode_text, long_dates
from whomade.sources.parsers.html_tree import Node, build_tree, table_rows

LIST_ID = "fcc"
DESCRIPTION_HEADER = "covered equipment or services"
DATE_HEADER = "date of inclusion"
EXPECTED_LAYOUT = (
    "a table with the columns 'Covered Equipment or Services' and "
    "'Date of Inclusion on Covered List'"
)

_BY_ENTITY = re.compile(
    r"\b(?:produced|provided|supplied)(?:,? (?:directly or indirectly|or provided),?)? by "
    r"(?P<name>.+?)(?=,? (?:including|to the extent|subject to|or any|and its)\b|[,.]?\s*$)"
)
_SUBSIDIARY = re.compile(r"\band its (?:wholly-owned )?subsidiary (?P<name>.+?)(?= subject to\b|$)")
_CATEGORY_LABEL = re.compile(r"^(?P<label>.+?)(?=\s*[\^†#£³*]|\s+produced\b|\s+provided\b|,|$)")
_GLYPHS = "†‡^£³#*"
_NO_GLYPHS = str.maketrans("", "", _GLYPHS)
_GLYPH_SPACE = re.compile(r"\s+([†‡^£³#])")


def _strong_names(cell: Node) -> list[str]:
    names = []
    for strong in (*cell.iter("strong"), *cell.iter("b")):
        text = clean_text(strong.text()).strip(_GLYPHS + " ,")
        if len(text) > 2 and text not in names:
            names.append(text)
    return names


def entity_names(description: str, cell: Node | None = None) -> list[str]:
    """Covered entities named by a row: its ``<strong>`` texts, else the "produced by X" phrase."""
    if cell is not None:
        strong = _strong_names(cell)
        if strong:
            return strong
    names = []
    match = _BY_ENTITY.search(description)
    if match:
        names.append(match.group("name").strip(" ,"))
        subsidiary = _SUBSIDIARY.search(description)
        if subsidiary:
            main, _, _ = names[0].partition(" and its ")
            names = [main.strip(), subsidiary.group("name").strip(" ,")]
    return names


def _category_label(description: str) -> str:
    match = _CATEGORY_LABEL.match(description)
    label = match.group("label") if match else description
    return clean_text(label)[:120]


def find_tables(root: Node) -> list[Node]:
    """Tables whose header has the two documented columns."""
    found = []
    for table in root.iter("table"):
        for section, cells in table_rows(table):
            if section != "thead":
                continue
            header = " | ".join(c.text().casefold() for c in cells)
            if DESCRIPTION_HEADER in header and DATE_HEADER in header:
                found.append(table)
                break
    return found


def parse_html(file: SourceFile) -> ParsedList:
    """Parse the Covered List page."""
    root = build_tree(decode_text(file))
    tables = find_tables(root)
    if not tables:
        raise ListFormatError(file.name, "the page layout changed", expected=EXPECTED_LAYOUT)
    entries: list[ListEntry] = []
    for table in tables:
        for section, cells in table_rows(table):
            if section == "thead" or not cells:
                continue
            if len(cells) != 2:
                raise ListFormatError(
                    file.name,
                    f"a table row has {len(cells)} cells",
                    line=cells[0].line,
                    expected=f"2 cells per row in {EXPECTED_LAYOUT}",
                )
            entries.append(_entry(file, cells[0], cells[1], len(entries) + 1))
    if not entries:
        raise ListFormatError(file.name, "the table has no rows", expected=EXPECTED_LAYOUT)
    return ParsedList(entries=unique_keys(entries, tie_breaker="aliases"), format="fcc-html")


def _entry(file: SourceFile, what: Node, when: Node, index: int) -> ListEntry:
    # Footnote glyphs drift between "Routers ^" and "Routers^" across releases: not a change.
    description = _GLYPH_SPACE.sub(r"\1", what.text())
    dates = long_dates(when.text())
    if not dates:
        raise ListFormatError(
            file.name,
            f"row {index} has no date of inclusion: {when.text()[:60]!r}",
            line=when.line,
            expected="a date such as 'March 12, 2021'",
        )
    names = entity_names(description, what)
    details: dict[str, Value] = {"description": description}
    if len(dates) > 1:
        details["updated"] = tuple(dates[1:])
    label = names[0] if names else _category_label(description)
    anchor = key_text(label.translate(_NO_GLYPHS))
    return ListEntry(
        list_id=LIST_ID,
        key=f"{dates[0]}|{anchor}",
        name=label,
        aliases=tuple(names[1:]),
        source="FCC",
        entity_type="company" if names else "category",
        start_date=dates[0],
        details=details,
        citation=Citation(file.name, f"table row {index} (line {what.line})"),
    )
