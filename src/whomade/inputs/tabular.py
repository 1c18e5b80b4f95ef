"""Parquet (pyarrow, batch by batch) and XLSX (openpyxl in read-only mode, row by row)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from whomade.inputs.clean import LINE
from whomade.inputs.columns import recognise
from whomade.inputs.convert import column_as_text, is_nested_dtype, value_to_text
from whomade.inputs.errors import ErrorSink, InputError

_HEADER_SEARCH_ROWS = 20
# Parquet is read in batches of about this many decoded bytes (as CSV is read in blocks).
MAX_BATCH_BYTES = 8 << 20


def _drop_blank(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    if not columns or frame.is_empty():
        return frame
    blank = pl.all_horizontal([pl.col(c).fill_null("").str.strip_chars() == "" for c in columns])
    return frame.filter(~blank)


@dataclass
class ParquetSource:
    """A Parquet file, read in record batches of the mapped columns only."""

    path: Path
    display: str
    columns: list[str]
    nested: set[str]
    fmt: str = "parquet"

    @classmethod
    def open(cls, path: Path, *, display: str) -> ParquetSource:
        """Read the schema; InputError when the file is not Parquet."""
        try:
            schema = pq.ParquetFile(path).schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{display}: not a readable Parquet file: {exc}") from None
        columns = list(schema.names)
        nested = {
            f.name
            for f in schema
            if pa.types.is_struct(f.type)
            or pa.types.is_map(f.type)
            or (pa.types.is_list(f.type) and pa.types.is_struct(f.type.value_type))
        }
        if not columns:
            raise InputError(f"{display}: the Parquet file has no columns")
        return cls(path=path, display=display, columns=columns, nested=nested)

    def raw_batches(
        self, mapping: dict[str, str], *, sink: ErrorSink, batch_rows: int
    ) -> Iterator[pl.DataFrame]:
        """Frames of at most ``batch_rows`` rows; ``_line`` is the 1-based row number."""
        wanted = list(dict.fromkeys(mapping.values()))
        offset = 0
        try:
            parquet = pq.ParquetFile(self.path, pre_buffer=False, buffer_size=1 << 20)
            read_rows = min(batch_rows, _rows_per_batch(parquet, wanted))
            for batch in parquet.iter_batches(batch_size=read_rows, columns=wanted):
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                rows = len(frame)
                exprs = [
                    pl.lit(None, dtype=pl.Utf8).alias(canonical)
                    if is_nested_dtype(frame.schema[name])
                    else column_as_text(name, frame.schema[name], canonical)
                    for canonical, name in mapping.items()
                ]
                frame = frame.select(
                    [*exprs, (pl.int_range(0, pl.len()) + offset + 1).cast(pl.Int64).alias(LINE)]
                )
                offset += rows
                frame = _drop_blank(frame, list(mapping))
                if len(frame):
                    yield frame
        except (pa.ArrowException, OSError) as exc:
            raise InputError(
                f"{self.display}: Parquet read failed after row {offset}: {exc}"
            ) from None


def _rows_per_batch(parquet: pq.ParquetFile, columns: list[str]) -> int:
    """Rows whose selected columns take about MAX_BATCH_BYTES once decoded."""
    meta = parquet.metadata
    if not meta.num_rows:
        return 1
    names = parquet.schema_arrow.names
    indices = [names.index(c) for c in columns if c in names]
    size = sum(
        meta.row_group(g).column(i).total_uncompressed_size
        for g in range(meta.num_row_groups)
        for i in indices
        if i < meta.row_group(g).num_columns
    )
    row_bytes = max(1.0, size / meta.num_rows)
    return max(1, int(MAX_BATCH_BYTES / row_bytes))


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def _merged_ranges(path: Path, sheet_xml: str) -> list[tuple[int, int, int, int]]:
    """Merged cell ranges (min_col, min_row, max_col, max_row), 1-based, of one sheet.

    Read-only openpyxl does not expose them; they sit after the cell data in the sheet XML, so
    the XML is streamed (decompressed, not parsed) and scanned for <mergeCell ref="..."/>.
    """
    found: dict[int, tuple[int, int, int, int]] = {}  # absolute offset -> range
    base = 0
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(sheet_xml) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            for match in _MERGE_REF.finditer(data):
                c1, r1, c2, r2 = match.groups()
                found[base + match.start()] = (
                    _column_number(c1),
                    int(r1),
                    _column_number(c2),
                    int(r2),
                )
            keep = min(len(data), 256)  # a tag cut between two reads is matched next time
            tail = data[-keep:]
            base += len(data) - keep
    return list(found.values())


@dataclass
class XlsxSource:
    """The first sheet (or a named one) of an XLSX workbook."""

    path: Path
    display: str
    sheet: str
    sheet_xml: str
    header_row: int
    columns: list[str]
    nested: set[str] = field(default_factory=set)
    fmt: str = "xlsx"
    # The workbook loaded at open time, reused by the first read (loading parses a lot).
    _workbook: Any = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path, *, display: str, kind: str, sheet: str | None) -> XlsxSource:
        """Find the sheet and its header row: among the first non-blank rows, the one naming
        the most recognised columns (a title row above the header is skipped)."""
        workbook = _load(path, display)
        try:
            worksheet = _sheet(workbook, sheet, display)
        except InputError:
            workbook.close()
            raise
        candidates: list[tuple[int, list[str]]] = []
        for number, row in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [value_to_text(v).strip() for v in row]
            if any(cells):
                candidates.append((number, cells))
            if len(candidates) >= _HEADER_SEARCH_ROWS:
                break
        title = worksheet.title
        sheet_xml = worksheet._worksheet_path
        if not candidates:
            workbook.close()
            raise InputError(f"{display}: sheet {title!r} is empty (no header row)")

        def recognised(cells: list[str]) -> int:
            return sum(1 for c in cells if c and recognise(kind, c) is not None)

        best = max(candidates, key=lambda item: (recognised(item[1]), -item[0]))
        if recognised(best[1]) == 0:
            best = candidates[0]
        header_row, header = best
        while header and not header[-1]:
            header.pop()
        return cls(
            path=path,
            display=display,
            sheet=title,
            sheet_xml=sheet_xml,
            header_row=header_row,
            columns=header,
            _workbook=workbook,
        )

    def raw_batches(
        self, mapping: dict[str, str], *, sink: ErrorSink, batch_rows: int
    ) -> Iterator[pl.DataFrame]:
        """Frames of at most ``batch_rows`` rows; ``_line`` is the sheet's row number.

        A value merged over several rows fills each of them in its own column; blank rows are
        skipped.
        """
        selection = {canonical: self.columns.index(name) for canonical, name in mapping.items()}
        fills = self._fills()
        workbook, self._workbook = self._workbook or _load(self.path, self.display), None
        try:
            worksheet = _sheet(workbook, self.sheet, self.display)
            columns: dict[str, list[str]] = {c: [] for c in selection}
            lines: list[int] = []
            active: dict[int, tuple[Any, int]] = {}  # column index -> (value, last row)
            for number, row in enumerate(worksheet.iter_rows(min_row=1, values_only=True), start=1):
                if number <= self.header_row:
                    continue
                cells = list(row)
                for col_index, last_row in fills.get(number, ()):
                    if col_index < len(cells):
                        active[col_index] = (cells[col_index], last_row)
                for col_index, (value, last_row) in list(active.items()):
                    if number > last_row:
                        del active[col_index]
                    elif col_index < len(cells) and cells[col_index] is None:
                        cells[col_index] = value
                texts = [value_to_text(v) for v in cells]
                if not any(t.strip() for t in texts):
                    continue
                for canonical, index in selection.items():
                    columns[canonical].append(texts[index] if index < len(texts) else "")
                lines.append(number)
                if len(lines) >= batch_rows:
                    yield _frame(columns, lines)
                    columns = {c: [] for c in selection}
                    lines = []
            if lines:
                yield _frame(columns, lines)
        finally:
            workbook.close()

    def _fills(self) -> dict[int, list[tuple[int, int]]]:
        """Anchor row -> [(0-based column, last row)] for ranges merged over several rows."""
        try:
            ranges = _merged_ranges(self.path, self.sheet_xml)
        except (KeyError, zipfile.BadZipFile, OSError):
            return {}
        fills: dict[int, list[tuple[int, int]]] = {}
        for min_col, min_row, _max_col, max_row in ranges:
            if max_row > min_row and min_row > self.header_row:
                fills.setdefault(min_row, []).append((min_col - 1, max_row))
        return fills


def _frame(columns: dict[str, list[str]], lines: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        columns | {LINE: lines}, schema={c: pl.Utf8 for c in columns} | {LINE: pl.Int64}
    )


def _load(path: Path, display: str) -> Any:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{display}: not a readable XLSX workbook: {exc}") from None


def _sheet(workbook: Any, name: str | None, display: str) -> Any:
    if name is None:
        return workbook.worksheets[0]
    if name not in workbook.sheetnames:
        raise InputError(
            f"{display}: no sheet {name!r}; sheets: {', '.join(map(repr, workbook.sheetnames))}"
        )
    return workbook[name]
