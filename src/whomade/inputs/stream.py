"""open_records: a user's file as a stream of canonical record batches."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from whomade.inputs.clean import finalize
from whomade.inputs.columns import check_kind, check_required, extend_mapping, resolve_mapping
from whomade.inputs.delimited import DelimitedSource, read_head
from whomade.inputs.errors import ErrorSink, InputError, ListErrorSink
from whomade.inputs.json_source import JsonArraySource, JsonLinesSource, frame_from_objects
from whomade.inputs.sniff import (
    FORMATS,
    GZIP_MAGIC,
    check_encoding_name,
    format_from_magic,
    format_from_name,
    guess_text_format,
)
from whomade.inputs.tabular import ParquetSource, XlsxSource


@dataclass
class NmapSource:
    """An nmap XML scan (``nmap -oX``), read by :mod:`whomade.inputs.nmap` host by host."""

    path: Path
    columns: list[str]
    fmt: str = "nmap"

    @classmethod
    def open(cls, path: Path, *, kind: str) -> NmapSource:
        from whomade.inputs.nmap import DEVICE_FIELDS

        if kind != "devices":
            raise InputError(f"{path}: an nmap scan holds devices, not {kind} records")
        return cls(path=path, columns=list(DEVICE_FIELDS))

    def raw_batches(
        self, mapping: dict[str, str], *, sink: ErrorSink, batch_rows: int
    ) -> Iterator[pl.DataFrame]:
        from whomade.inputs.nmap import read_nmap_xml

        for records in read_nmap_xml(self.path, errors=sink, batch_size=batch_rows):
            yield frame_from_objects(records, [r["_line"] for r in records], mapping)


Source = (
    DelimitedSource | JsonLinesSource | JsonArraySource | ParquetSource | XlsxSource | NmapSource
)


@dataclass
class RecordStream:
    """Batches of canonical records from one file; iterate it (more than once if you like).

    Each batch is a polars DataFrame holding every canonical field of the kind as text ("" when
    missing) plus ``_line`` (Int64): the 1-based line of the record in CSV/TSV/JSONL files, the
    row number in Parquet and XLSX (the sheet's row), the element number in JSON arrays.
    ``id`` is the file's id column, or ``row-<_line>``. Row problems go to ``errors``.
    For JSON sources, ``columns_found`` and ``mapping`` grow when later records bring new keys.
    """

    path: Path
    kind: str
    fmt: str
    encoding: str | None
    delimiter: str | None
    mapping: dict[str, str]
    errors: ErrorSink
    batch_size: int
    max_field_chars: int
    _source: Source = field(repr=False)
    sheet: str | None = None
    records: int = 0  # records yielded by the last (or current) iteration

    @property
    def columns_found(self) -> list[str]:
        """The source's columns (keys for JSON), as written."""
        return self._source.columns

    def __iter__(self) -> Iterator[pl.DataFrame]:
        file = str(self.path)
        self.records = 0
        for raw in self._guarded(self._raw_batches()):
            batch = finalize(
                raw,
                kind=self.kind,
                mapping=self.mapping,
                file=file,
                sink=self.errors,
                max_field_chars=self.max_field_chars,
                encoding=self.encoding,
            )
            if len(batch):
                self.records += len(batch)
                yield batch

    def _guarded(self, batches: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
        """I/O failures while reading (a truncated gzip stream, a vanished file) as InputError."""
        try:
            yield from batches
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise InputError(
                f"{self.path}: reading stopped after {self.records:,} records: {exc}"
            ) from None

    def _raw_batches(self) -> Iterator[pl.DataFrame]:
        source = self._source
        if isinstance(source, DelimitedSource):
            selection = {c: source.columns.index(name) for c, name in self.mapping.items()}
            yield from source.raw_batches(
                selection,
                sink=self.errors,
                batch_rows=self.batch_size,
                id_column=selection.get("id"),
            )
        elif isinstance(source, JsonLinesSource | JsonArraySource):
            yield from source.raw_batches(
                self.mapping,
                sink=self.errors,
                batch_rows=self.batch_size,
                on_new_keys=self._on_new_keys,
            )
        else:
            yield from source.raw_batches(
                self.mapping, sink=self.errors, batch_rows=self.batch_size
            )

    def _on_new_keys(self, keys: list[str]) -> None:
        extend_mapping(self.kind, self.mapping, keys, excluded=getattr(self._source, "nested", ()))


def _resolve_format(path: Path, fmt: str | None) -> tuple[str, bool]:
    """(format, gzip-compressed) from the explicit format, the name or the first bytes."""
    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        if fmt == "ndjson":
            fmt = "jsonl"
        if fmt not in FORMATS:
            raise InputError(
                f"{path}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}"
            )
    named, gz = format_from_name(path)
    if not gz and read_head(path, False, 2) == GZIP_MAGIC:
        gz = True
    if fmt is None:
        fmt = named
    if fmt is None:
        head = read_head(path, gz, 1 << 12)
        fmt = format_from_magic(head) or guess_text_format(head)
    if gz and fmt in ("parquet", "xlsx", "nmap"):
        raise InputError(f"{path}: a gzip-compressed {fmt} file; decompress it first")
    return fmt, gz


def open_records(
    path: str | Path,
    kind: str = "catalog",
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    fmt: str | None = None,
    batch_size: int = 50_000,
    errors: ErrorSink | None = None,
    max_field_chars: int = 100_000,
    sheet: str | None = None,
) -> RecordStream:
    """Open a catalog, device or vendor file for screening.

    Format comes from ``fmt``, else the extension (.csv .tsv .txt .jsonl .ndjson .json .parquet
    .xlsx, .xml for nmap scans; .gz for the text formats), else the first bytes. Encoding and
    delimiter of text files are detected unless given. ``mapping`` (canonical field -> column,
    as from ``--map title="Product Name"``) overrides recognition by column name. Everything
    that can be checked before reading is checked here: InputError for a missing, empty,
    undecodable or mislabelled file; ColumnError for an unknown mapped column or a missing
    required one.
    """
    check_kind(kind)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if max_field_chars < 1:
        raise ValueError("max_field_chars must be at least 1")
    path = Path(path)
    display = str(path)
    if not path.exists():
        raise InputError(f"{display}: no such file")
    if not path.is_file():
        raise InputError(f"{display}: not a file")
    if encoding is not None:
        encoding = check_encoding_name(display, encoding)
    if delimiter is not None and delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    resolved, gz = _resolve_format(path, fmt)
    source: Source
    if resolved in ("csv", "tsv"):
        source = DelimitedSource.open(
            path, display=display, gz=gz, encoding=encoding, delimiter=delimiter, fmt=resolved
        )
    elif resolved == "jsonl":
        source = JsonLinesSource.open(path, display=display, gz=gz)
    elif resolved == "json":
        source = JsonArraySource.open(path, display=display, gz=gz)
    elif resolved == "parquet":
        source = ParquetSource.open(path, display=display)
    elif resolved == "nmap":
        source = NmapSource.open(path, kind=kind)
    else:
        source = XlsxSource.open(path, display=display, kind=kind, sheet=sheet)
    columns = source.columns
    resolved_mapping = resolve_mapping(
        kind, columns, mapping, file=display, excluded=getattr(source, "nested", set())
    )
    check_required(kind, resolved_mapping, columns, file=display)
    delimited = source if isinstance(source, DelimitedSource) else None
    return RecordStream(
        path=path,
        kind=kind,
        fmt=source.fmt,
        encoding=delimited.encoding if delimited else None,
        delimiter=delimited.delimiter if delimited else None,
        mapping=resolved_mapping,
        errors=errors if errors is not None else ListErrorSink(),
        batch_size=batch_size,
        max_field_chars=max_field_chars,
        sheet=source.sheet if isinstance(source, XlsxSource) else None,
        _source=source,
    )
