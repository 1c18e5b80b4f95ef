"""What every parser shares: the input file set, the parse result, decoding and CSV reading."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from whomade.sources.errors import ListFormatError
from whomade.sources.model import ListEntry

csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True)
class SourceFile:
    """One downloaded or local file: the name used in citations and errors, and its bytes."""

    name: str
    data: bytes


@dataclass
class ParsedList:
    """What a parser returns for one version of a list.

    ``uncompared`` names entry fields this version could not supply (an OFAC set without its
    ``alt.csv`` has no aliases), so a diff does not report them as removed. ``partial`` explains
    why only whole rows of a damaged file were kept (only ever set when the caller allowed it).
    """

    entries: list[ListEntry]
    format: str
    published_on: dt.date | None = None
    uncompared: tuple[str, ...] = ()
    partial: str | None = None
    notes: list[str] = field(default_factory=list)


def decode_text(file: SourceFile, *, encoding: str = "utf-8") -> str:
    """The file's text; a byte-order mark is dropped, undecodable bytes are a format error."""
    data = file.data
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ListFormatError(
            file.name,
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid {encoding}",
            line=line,
            expected=f"{encoding} text",
        ) from None


def strip_eof_marker(text: str) -> str:
    """OFAC files end with a Ctrl-Z (0x1A) byte on its own line; it is not data."""
    return text.rstrip("\r\n").removesuffix("\x1a").rstrip("\r\n") + "\n" if text else text


@dataclass(frozen=True)
class CsvRecord:
    """A parsed CSV record and the physical line it starts on."""

    line: int
    fields: list[str]


def iter_csv(
    file: SourceFile, text: str, *, delimiter: str = ",", strict_eof: bool = True
) -> Iterator[CsvRecord]:
    """CSV records with their starting line numbers.

    A quoted field left open at the end of the file (a cut-off download) is yielded as it stands
    when ``strict_eof`` is false, so callers can report it as a truncated last row; otherwise it
    is a format error.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc) or "EOF" in str(exc):
                if strict_eof:
                    raise ListFormatError(
                        file.name,
                        "the file ends inside a quoted field: it is cut off",
                        line=start,
                        expected="a complete CSV file",
                    ) from None
                tail = _reparse_tail(text, start, delimiter)
                yield CsvRecord(start, tail)
                return
            raise ListFormatError(
                file.name, f"malformed CSV: {exc}", line=reader.line_num
            ) from None
        if row:
            yield CsvRecord(start, row)
        start = reader.line_num + 1


def _reparse_tail(text: str, line: int, delimiter: str) -> list[str]:
    lines = text.splitlines(keepends=True)[line - 1 :]
    reader = csv.reader(io.StringIO("".join(lines), newline=""), delimiter=delimiter, strict=False)
    try:
        return next(reader)
    except (StopIteration, csv.Error):
        return []


def check_header(file: SourceFile, header: Sequence[str], expected: Sequence[str]) -> None:
    """Raise a clear error when a CSV header is not the documented one."""
    got = [h.strip() for h in header]
    if got == list(expected):
        return
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected]
    parts = []
    if missing:
        parts.append(f"missing columns {missing}")
    if extra:
        parts.append(f"unexpected columns {extra}")
    if not parts:
        parts.append("columns in a different order")
    raise ListFormatError(
        file.name,
        "the columns changed: " + "; ".join(parts),
        line=1,
        expected=f"the header {','.join(expected)}",
    )


_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_LONG_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+(\d{1,2}),\s*(\d{4})",
    re.IGNORECASE,
)
_SHORT_DATE = re.compile(r"\b(\d{1,2}) ([A-Za-z]{3}) (\d{4})\b")


def long_dates(text: str) -> list[str]:
    """ISO forms of every ``Month D, YYYY`` date in the text, in order."""
    out = []
    for month, day, year in _LONG_DATE.findall(text):
        out.append(dt.date(int(year), _MONTHS[month.lower()], int(day)).isoformat())
    return out


def short_date(text: str) -> str | None:
    """The ISO form of a ``DD Mon YYYY`` date (as in OFAC remarks), if valid."""
    match = _SHORT_DATE.search(text)
    if not match:
        return None
    try:
        return dt.datetime.strptime(" ".join(match.groups()), "%d %b %Y").date().isoformat()
    except ValueError:
        return None


def us_date(value: str) -> str | None:
    """``MM/DD/YYYY`` as ISO; ``None`` for empty; kept as printed when it is not a real date."""
    value = value.strip()
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%m/%d/%Y").date().isoformat()
    except ValueError:
        return value


@lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """ISO 3166 alpha-2 code, upper case (as the CSL writes it), for a country name or code."""
    from rigour.territories import lookup_territory

    text = name.strip()
    if not text:
        return None
    territory = lookup_territory(text)
    return territory.code.upper() if territory is not None else None
