"""CSV/TSV reading: polars on whole blocks when they are clean, Python's csv module where not.

The file is read in blocks of up to MAX_BLOCK_BYTES that end at a newline. Polars parses a block
(all columns as text); line numbers come from the newlines inside quoted fields, and rows short
of fields are caught by counting delimiters. If the block ended inside a quoted field, polars
fails on the unterminated quote and the block is cut again where quote parity says a record
ends. A block polars cannot parse (a row with too many fields, broken quoting, bytes the
encoding cannot decode, short rows) is parsed again with the csv module line by line, which
reports each bad row with its line and resynchronises on the next line after an unbalanced
quote. Memory holds about one block (plus the batch being screened) whatever the file's size.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import polars as pl

from whomade.inputs.clean import LINE, REPLACEMENT_CHAR, UNDECODABLE
from whomade.inputs.errors import ErrorSink, InputError, RowError
from whomade.inputs.sniff import (
    UTF8_BOM,
    check_text,
    detect_encoding,
    read_samples,
    sniff_delimiter,
)

MIN_BLOCK_BYTES = 1 << 20
MAX_BLOCK_BYTES = 8 << 20
# A record longer than this is taken for an unbalanced quote that swallowed the rest of the file.
MAX_RECORD_BYTES = 64 << 20
_HEAD_BYTES = 1 << 20
_BOUNDARY_SEARCH_LINES = 10_000
_UTF8 = ("utf-8", "utf-8-sig")


def open_binary(path: Path, gz: bool) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    if gz:
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def read_head(path: Path, gz: bool, size: int = _HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of the (decompressed) file; InputError for a broken gzip file."""
    try:
        with open_binary(path, gz) as handle:
            return handle.read(size)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read as {'gzip' if gz else 'a file'}: {exc}") from None


def find_boundary(block: bytes, search_lines: int = _BOUNDARY_SEARCH_LINES) -> int | None:
    """Offset just after the last newline of ``block`` that lies outside quotes, or None.

    ``block`` must start at a record boundary. Quote parity is counted from its start, which is
    exact for files that quote fields with doubled quotes (RFC 4180).
    """
    pos = block.rfind(b"\n")
    if pos < 0:
        return None
    parity = block.count(b'"', 0, pos) % 2
    for _ in range(search_lines):
        if parity == 0:
            return pos + 1
        previous = block.rfind(b"\n", 0, pos)
        if previous < 0:
            return None
        parity ^= block.count(b'"', previous, pos) % 2
        pos = previous
    return None


class _LineFeeder:
    """Feeds lines (with their newline) to csv.reader and tells how many it has taken."""

    def __init__(self, lines: list[str], start: int, stop: int, last_has_newline: bool) -> None:
        self.lines = lines
        self.pos = start
        self.stop = stop
        self.last_has_newline = last_has_newline

    def __iter__(self) -> _LineFeeder:
        return self

    def __next__(self) -> str:
        if self.pos >= self.stop:
            raise StopIteration
        line = self.lines[self.pos]
        self.pos += 1
        if self.pos < len(self.lines) or self.last_has_newline:
            return line + "\n"
        return line


@dataclass
class _Parsed:
    """Rows of one block: a frame of the wanted raw columns (c0, c1, ...) and _line."""

    frame: pl.DataFrame
    newlines: int  # newlines consumed (to advance the line counter)
    leftover: int = 0  # bytes at the end of the block not parsed (an unfinished record)


@dataclass
class DelimitedSource:
    """A CSV/TSV file whose encoding, delimiter and header are known."""

    path: Path
    display: str
    gz: bool
    encoding: str
    delimiter: str
    columns: list[str]
    data_offset: int
    first_line: int
    avg_row_bytes: float
    cr_only: bool = False
    fmt: str = "csv"

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        display: str,
        gz: bool,
        encoding: str | None,
        delimiter: str | None,
        fmt: str,
    ) -> DelimitedSource:
        """Sniff encoding, delimiter and header; InputError when the file is empty or not text."""
        head = read_head(path, gz)
        if not head.strip():
            raise InputError(f"{display}: the file is empty (no header row)")
        check_text(display, head, fmt)
        cr_only = b"\r" in head and b"\n" not in head
        if cr_only:
            head = head.replace(b"\r", b"\n")
        if encoding is None:
            sample = head if gz or cr_only else read_samples(path, _HEAD_BYTES)
            encoding = detect_encoding(sample)
        offset = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
        line = 1
        # Leading blank lines, and Excel's "sep=;" hint line, come before the header.
        while True:
            end = head.find(b"\n", offset)
            text = head[offset : end if end >= 0 else len(head)].decode(encoding, "replace").strip()
            if end >= 0 and not text:
                offset, line = end + 1, line + 1
                continue
            if end >= 0 and text.lower().startswith("sep=") and len(text) == 5:
                delimiter = delimiter or text[4]
                offset, line = end + 1, line + 1
                continue
            break
        header_bytes = head[offset:]
        header_end = _first_record_end(header_bytes)
        if header_end is None:
            if len(head) >= _HEAD_BYTES or header_bytes.count(b'"') % 2:
                raise InputError(
                    f"{display}:{line}: the header row is not complete "
                    "(an unbalanced quote in the header?)"
                )
            header_end = len(header_bytes)
        header_text = header_bytes[:header_end].decode(encoding, "replace")
        sample_text = header_bytes[: 1 << 16].decode(encoding, "replace")
        if delimiter is None:
            delimiter = (
                "\t" if fmt == "tsv" else sniff_delimiter(sample_text.splitlines(True)[:200])
            )
        if len(delimiter) != 1:
            raise InputError(f"{display}: the delimiter must be one character, got {delimiter!r}")
        header = next(csv.reader(io.StringIO(header_text, newline=""), delimiter=delimiter), [])
        columns = [name.strip() for name in header]
        data = header_bytes[header_end:]
        data_lines = max(1, data.count(b"\n"))
        return cls(
            path=path,
            display=display,
            gz=gz,
            encoding=encoding,
            delimiter=delimiter,
            columns=columns,
            data_offset=offset + header_end,
            first_line=line + header_bytes[:header_end].count(b"\n"),
            avg_row_bytes=max(16.0, len(data) / data_lines) if data else 256.0,
            cr_only=cr_only,
            fmt="tsv" if delimiter == "\t" else "csv",
        )

    # -- reading ---------------------------------------------------------------------------

    def raw_batches(
        self,
        selection: dict[str, int],
        *,
        sink: ErrorSink,
        batch_rows: int,
        id_column: int | None,
    ) -> Iterator[pl.DataFrame]:
        """Frames of at most ``batch_rows`` rows: the selected columns (canonical -> index), _line,
        and ``_undecodable`` (rows where the encoding replaced bytes) when there are such rows."""
        block_size = int(
            min(MAX_BLOCK_BYTES, max(MIN_BLOCK_BYTES, self.avg_row_bytes * batch_rows))
        )
        wanted = sorted(set(selection.values()))
        line = self.first_line
        carry = b""
        eof = False
        with open_binary(self.path, self.gz) as handle:
            self._skip(handle, self.data_offset)
            while True:
                block = carry
                if not eof:
                    data = handle.read(block_size)
                    eof = not data
                    if self.cr_only:
                        data = data.replace(b"\r", b"\n")
                    block = carry + data if carry else data
                    del data  # only one copy of the block stays alive while it is parsed
                if not block:
                    return
                parsed = None
                if eof:
                    chunk, carry = block, b""
                    del block
                    parsed = self._parse(chunk, line, wanted, sink, id_column, final=True)
                else:
                    # Optimistic: the last newline usually ends a record. If it falls inside a
                    # quoted field, polars fails on the unterminated quote, and the boundary is
                    # then found by counting quotes.
                    optimistic = block.rfind(b"\n") + 1
                    if optimistic:
                        if optimistic < len(block):
                            chunk, carry = block[:optimistic], block[optimistic:]
                        else:
                            chunk, carry = block, b""
                        del block  # during the parse only the chunk is kept
                        parsed = self._parse_fast(chunk, line, wanted)
                        if parsed is None:
                            block = chunk + carry
                    if parsed is None:
                        boundary, force = find_boundary(block), False
                        if boundary is None:
                            if len(block) < MAX_RECORD_BYTES:
                                carry = block  # a long record, or an unbalanced quote: read on
                                continue
                            # Too long for a record: the first one has an unbalanced quote.
                            boundary, force = (block.rfind(b"\n") + 1) or len(block), True
                        chunk, carry = block[:boundary], block[boundary:]
                        del block
                        parsed = (
                            self._parse_slow(
                                chunk, line, wanted, sink, id_column, broken_first=force
                            )
                            if boundary == optimistic
                            else self._parse(
                                chunk, line, wanted, sink, id_column, broken_first=force
                            )
                        )
                assert parsed is not None
                if parsed.leftover:
                    carry = chunk[len(chunk) - parsed.leftover :] + carry
                del chunk
                line += parsed.newlines
                if len(parsed.frame):
                    frame = parsed.frame.select(
                        [pl.col(f"c{index}").alias(name) for name, index in selection.items()]
                        + [c for c in (LINE, UNDECODABLE) if c in parsed.frame.columns]
                    )
                    del parsed
                    for start in range(0, len(frame), batch_rows):
                        yield frame.slice(start, batch_rows)
                    del frame
                if eof and not carry:
                    return

    @staticmethod
    def _skip(handle: IO[bytes], offset: int) -> None:
        if handle.seekable():
            handle.seek(offset)
            return
        while offset > 0:
            got = handle.read(min(offset, 1 << 20))
            if not got:
                return
            offset -= len(got)

    def _parse(
        self,
        chunk: bytes,
        first_line: int,
        wanted: list[int],
        sink: ErrorSink,
        id_column: int | None,
        *,
        final: bool = False,
        broken_first: bool = False,
    ) -> _Parsed:
        fast = self._parse_fast(chunk, first_line, wanted)
        if fast is not None:
            return fast
        return self._parse_slow(
            chunk, first_line, wanted, sink, id_column, final=final, broken_first=broken_first
        )

    def _report(self, sink: ErrorSink, line: int, reason: str, raw_id: str | None) -> None:
        record_id = (raw_id or "").strip() or f"row-{line}"
        sink.add(RowError(file=self.display, line=line, reason=reason, record_id=record_id))

    def _had_decode_errors(self, chunk: bytes) -> bool:
        try:
            chunk.decode(self.encoding)
        except UnicodeDecodeError:
            return True
        return False

    # -- polars path -------------------------------------------------------------------------

    def _parse_fast(self, chunk: bytes, first_line: int, wanted: list[int]) -> _Parsed | None:
        """Parse a block with polars; None when the block needs the careful path.

        The careful path takes blocks that polars cannot parse (a row with too many fields,
        broken quoting), blocks with bytes the encoding cannot decode, and blocks with rows
        short of fields: a short row leaves its last field empty, and when some last fields are
        empty the delimiters are counted (fields - 1 per row, plus those inside values).
        """
        width = len(self.columns)
        if self.encoding in _UTF8:
            data = chunk
        else:
            try:
                data = chunk.decode(self.encoding).encode()
            except UnicodeDecodeError:
                return None
        names = [f"c{i}" for i in range(width)]
        try:
            frame = pl.read_csv(
                data,
                has_header=False,
                schema={name: pl.Utf8 for name in names},
                separator=self.delimiter,
                quote_char='"',
                empty_string_is_null=False,
                raise_if_empty=False,
            )
        except (pl.exceptions.PolarsError, ValueError):
            return None
        rows = len(frame)
        if not rows:
            return None
        stats = frame.select(
            pl.sum_horizontal(pl.col(names).str.count_matches("\n", literal=True)).alias("nl"),
            pl.all_horizontal([pl.col(n) == "" for n in names]).alias("blank"),
            (pl.col(names[-1]) == "").alias("last_empty"),
        )
        per_row_newlines = stats["nl"]
        inner_newlines = int(per_row_newlines.sum())
        blank_rows = int(stats["blank"].sum())
        if width > 1 and stats["last_empty"].any():
            inner_delimiters = frame.select(
                pl.sum_horizontal(
                    pl.col(names).str.count_matches(self.delimiter, literal=True)
                ).sum()
            ).item()
            deficit = rows * (width - 1) + inner_delimiters - data.count(self.delimiter.encode())
            blank_lines, remainder = divmod(deficit, width - 1)
            if deficit < 0 or remainder or blank_lines > blank_rows:
                return None  # rows short of fields: the careful path reports them
        if inner_newlines:
            offsets = (per_row_newlines + 1).cum_sum().shift(1, fill_value=0)
        else:
            offsets = pl.int_range(0, rows, eager=True)
        frame = frame.with_columns((offsets + first_line).cast(pl.Int64).alias(LINE))
        maybe_blank = frame[names[0]].str.strip_chars() == ""
        if maybe_blank.any():  # drop rows whose every field is empty or whitespace
            blank = maybe_blank
            if width > 1:
                blank = (
                    blank
                    & frame.select(
                        pl.all_horizontal([pl.col(n).str.strip_chars() == "" for n in names[1:]])
                    ).to_series()
                )
            frame = frame.filter(~blank)
        frame = frame.select([*(pl.col(f"c{i}") for i in wanted), pl.col(LINE)])
        newlines = rows + inner_newlines - (0 if data.endswith(b"\n") else 1)
        return _Parsed(frame=frame, newlines=newlines)

    def _mark_undecodable(self, frame: pl.DataFrame, chunk: bytes) -> pl.DataFrame:
        """Add _undecodable when the encoding had to replace bytes in this block."""
        text_columns = [c for c in frame.columns if c != LINE]
        if not text_columns:
            return frame
        has_replacement = pl.any_horizontal(
            [pl.col(c).str.contains(REPLACEMENT_CHAR, literal=True) for c in text_columns]
        )
        if not frame.select(has_replacement.any()).item() or not self._had_decode_errors(chunk):
            return frame
        return frame.with_columns(has_replacement.alias(UNDECODABLE))

    # -- csv module path ---------------------------------------------------------------------

    def _parse_slow(
        self,
        chunk: bytes,
        first_line: int,
        wanted: list[int],
        sink: ErrorSink,
        id_column: int | None,
        *,
        final: bool = False,
        broken_first: bool = False,
    ) -> _Parsed:
        """Parse a block with the csv module, reporting bad rows and resynchronising after them.

        A record still open at the end of the block is left for the next block, unless the
        block is the last one (``final``) or the record is the block's first and is known to
        be too long (``broken_first``): then it is reported and reading resumes on its next line.
        """
        csv.field_size_limit(max(csv.field_size_limit(), (1 << 31) - 1))
        width = len(self.columns)
        text = chunk.decode(self.encoding, "replace")
        lines = text.split("\n")
        last_has_newline = text.endswith("\n")
        if last_has_newline:
            lines.pop()
        total = len(lines)
        rows: list[list[str]] = []
        row_lines: list[int] = []
        unfinished_at: int | None = None

        def raw_id(row: list[str]) -> str | None:
            return row[id_column] if id_column is not None and id_column < len(row) else None

        def keep(row: list[str], start: int) -> None:
            rows.append(row + [""] * (width - len(row)) if len(row) < width else row)
            row_lines.append(first_line + start)

        i = 0
        while i < total:
            feeder = _LineFeeder(lines, i, total, last_has_newline)
            reader = csv.reader(feeder, delimiter=self.delimiter, strict=True)
            while i < total:
                start = i
                try:
                    row = next(reader)
                except StopIteration:
                    i = total
                    break
                except csv.Error as exc:
                    unfinished = feeder.pos >= total and "unexpected end of data" in str(exc)
                    if unfinished and not final and not (broken_first and start == 0):
                        unfinished_at = start  # the record goes on in the next block
                        i = total
                        break
                    lenient = self._lenient_row(lines, start, total, last_has_newline)
                    if lenient is not None:
                        self._report(sink, first_line + start,
                                     f"malformed quoting ({exc}); the row was read leniently",
                                     raw_id(lenient))  # fmt: skip
                        keep(lenient, start)
                    else:
                        self._report(sink, first_line + start,
                                     f"malformed row ({exc}); row skipped, reading goes on at "
                                     "the next line", None)  # fmt: skip
                    i = start + 1
                    break  # a new strict reader from line i
                i = feeder.pos
                if not row or all(not value.strip() for value in row):
                    continue
                if len(row) > width and not any(value.strip() for value in row[width:]):
                    row = row[:width]  # empty trailing fields (a trailing delimiter) are harmless
                if len(row) == width:
                    keep(row, start)
                elif i - start > 1:
                    self._report(sink, first_line + start,
                                 f"row has {len(row)} fields, the header has {width}, and runs "
                                 f"over lines {first_line + start}-{first_line + i - 1}: an "
                                 "unbalanced quote? Row skipped; reading goes on at the next line",
                                 raw_id(row))  # fmt: skip
                    i = start + 1
                    break
                elif len(row) > width:
                    self._report(sink, first_line + start,
                                 f"row has {len(row)} fields, the header has {width} (an "
                                 "unquoted delimiter?); row skipped", raw_id(row))  # fmt: skip
                else:
                    self._report(sink, first_line + start,
                                 f"row has {len(row)} fields, the header has {width}; the "
                                 "missing fields were left empty", raw_id(row))  # fmt: skip
                    keep(row, start)
        leftover = 0
        newlines = chunk.count(b"\n")
        if unfinished_at is not None:
            pos = 0
            for _ in range(unfinished_at):
                pos = chunk.index(b"\n", pos) + 1
            leftover = len(chunk) - pos
            newlines = unfinished_at
        frame = pl.DataFrame(
            {f"c{index}": [row[index] for row in rows] for index in wanted} | {LINE: row_lines},
            schema={f"c{index}": pl.Utf8 for index in wanted} | {LINE: pl.Int64},
        )
        if "\ufffd" in text:
            frame = self._mark_undecodable(frame, chunk)
        return _Parsed(frame=frame, newlines=newlines, leftover=leftover)

    def _lenient_row(
        self, lines: list[str], start: int, total: int, last_has_newline: bool
    ) -> list[str] | None:
        """The line at ``start`` parsed leniently, if that gives a row of the header's width."""
        feeder = _LineFeeder(lines, start, min(total, start + 1), last_has_newline)
        row = next(csv.reader(feeder, delimiter=self.delimiter, strict=False), [])
        return row if len(row) == len(self.columns) else None


def _first_record_end(data: bytes) -> int | None:
    """Offset just after the first newline outside quotes, or None."""
    cut = data.find(b"\n")
    parity = data.count(b'"', 0, cut) % 2 if cut >= 0 else 0
    while cut >= 0 and parity:
        following = data.find(b"\n", cut + 1)
        if following < 0:
            return None
        parity ^= data.count(b'"', cut, following) % 2
        cut = following
    return cut + 1 if cut >= 0 else None
