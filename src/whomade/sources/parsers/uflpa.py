"""The UFLPA Entity List (DHS), published as HTML tables at https://www.dhs.gov/uflpa-entity-list.

Documented layout: one table per statutory basis (Section 2(d)(2)(B)(i), (ii), (iv), (v)...), each
introduced by a paragraph or heading naming the basis; header cells "Name of Entity" (or "Entity
Name") and "Effective Date". A name cell may carry aliases and named subsidiaries::

    NAME (including one alias: ALIAS)
    NAME (including three aliases: A; B; and C) and its subordinate and affiliated entities
    NAME and its subsidiary SUB
    NAME and its four Xinjiang-based subsidiaries, which include A, B, C, and D

Each named subsidiary is listed too, so it becomes an entry of its own (``details.listed_with``).
No copy of the official page was available to test against; the tests use a layout fixture.
"""

from __future__ import annotations

import re

from whomade.sources.errors import ListFormatError
from whomade.sources.model import Citation, ListEntry, Value, clean_text, key_text, unique_keys
from whomade.sources.parsers.common import ParsedList, SourceFile, decode_text, long_dates
from whomade.sources.parsers.html_tree import Node, build_tree, table_rows

LIST_ID = "uflpa"
NAME_HEADERS = ("name of entity", "entity name", "entity")
DATE_HEADER = "effective date"
EXPECTED_LAYOUT = "tables with the columns 'Name of Entity' and 'Effective Date'"

_ALIASES = re.compile(
    r"\s*\((?:(?:and|including) [a-z]+ alias(?:es)?:?|(?:also|formerly) known as:?)"
    r"\s*(?P<list>[^)]*)\)",
    re.IGNORECASE,
)
_SUBSIDIARIES = re.compile(
    r",?\s+and its (?:[\w-]+ )*?(?:subsidiary|subsidiaries)(?:, which include)?\s+(?P<list>.+)$",
    re.IGNORECASE,
)
_SCOPE = re.compile(
    r",?\s+(?:and (?:its )?(?:subordinate and affiliated entities|subsidiaries))\.?$",
    re.IGNORECASE,
)
_SPLIT = re.compile(r";\s*(?:and\s+)?|,\s*(?:and\s+)?(?=[A-Z])|\s+and\s+(?=[A-Z])")


def split_names(text: str) -> list[str]:
    """``A; B; and C`` or ``A, B, and C`` → ``[A, B, C]`` (company commas like "Co., Ltd." kept)."""
    protected = re.sub(r",\s*(Ltd|Inc|LLC|Limited)\b", r"<<\1", text)
    parts = [p.replace("<<", ", ") for p in _SPLIT.split(protected)]
    return [clean_text(p).strip(" ;,") for p in parts if clean_text(p).strip(" ;,")]


def parse_name_cell(text: str) -> tuple[str, list[str], list[str], str | None]:
    """(main name, aliases, named subsidiaries, scope note) of one name cell."""
    text = clean_text(text)
    scope = None
    subsidiaries: list[str] = []
    match = _SUBSIDIARIES.search(text)
    if match and "subordinate" not in match.group(0).lower():
        subsidiaries = split_names(match.group("list"))
        text = text[: match.start()]
    scope_match = _SCOPE.search(text)
    if scope_match:
        scope = clean_text(scope_match.group(0)).strip(" ,")
        text = text[: scope_match.start()]
    aliases: list[str] = []
    for alias_match in _ALIASES.finditer(text):
        aliases.extend(split_names(alias_match.group("list")))
    main = clean_text(_ALIASES.sub("", text)).strip(" ,")
    return main, aliases, subsidiaries, scope


def _basis(table: Node) -> str:
    for element in table.previous_elements():
        text = element.text()
        if text:
            return text[:300]
    return ""


def _columns(cells: list[Node]) -> tuple[int, int] | None:
    headers = [c.text().casefold() for c in cells]
    name_col = next((i for i, h in enumerate(headers) if h in NAME_HEADERS), None)
    date_col = next((i for i, h in enumerate(headers) if DATE_HEADER in h), None)
    if name_col is None or date_col is None:
        return None
    return name_col, date_col


def parse_html(file: SourceFile) -> ParsedList:
    """Parse the UFLPA Entity List page."""
    root = build_tree(decode_text(file))
    entries: list[ListEntry] = []
    tables = 0
    for table in root.iter("table"):
        rows = table_rows(table)
        if not rows or rows[0][0] != "thead":
            continue
        columns = _columns(rows[0][1])
        if columns is None:
            continue
        tables += 1
        basis = _basis(table)
        for _section, cells in rows[1:]:
            if not cells:
                continue
            if len(cells) <= max(columns):
                raise ListFormatError(
                    file.name,
                    f"a table row has {len(cells)} cells",
                    line=cells[0].line,
                    expected=EXPECTED_LAYOUT,
                )
            entries.extend(_entries(file, cells[columns[0]], cells[columns[1]], basis))
    if not tables:
        raise ListFormatError(file.name, "the page layout changed", expected=EXPECTED_LAYOUT)
    if not entries:
        raise ListFormatError(file.name, "the tables have no rows", expected=EXPECTED_LAYOUT)
    return ParsedList(entries=unique_keys(entries), format="uflpa-html")


def _entries(file: SourceFile, name_cell: Node, date_cell: Node, basis: str) -> list[ListEntry]:
    main, aliases, subsidiaries, scope = parse_name_cell(name_cell.text())
    dates = long_dates(date_cell.text())
    if not main:
        raise ListFormatError(file.name, "a row has no entity name", line=name_cell.line)
    start = dates[0] if dates else None
    citation = Citation(file.name, f"table row (line {name_cell.line})")
    details: dict[str, Value] = {"as_printed": name_cell.text()}
    if scope:
        details["scope"] = scope
    if subsidiaries:
        details["subsidiaries"] = tuple(subsidiaries)
    programs = (basis,) if basis else ()
    out = [
        ListEntry(
            list_id=LIST_ID,
            key=key_text(main),
            name=main,
            aliases=tuple(aliases),
            source="UFLPA",
            entity_type="entity",
            countries=("CN",),
            programs=programs,
            start_date=start,
            details=details,
            citation=citation,
        )
    ]
    for subsidiary in subsidiaries:
        out.append(
            ListEntry(
                list_id=LIST_ID,
                key=key_text(subsidiary),
                name=subsidiary,
                source="UFLPA",
                entity_type="entity",
                countries=("CN",),
                programs=programs,
                start_date=start,
                details={"listed_with": main},
                citation=citation,
            )
        )
    return out
