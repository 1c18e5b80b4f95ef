"""JSON Lines and JSON arrays of records.

JSON Lines are read in blocks of whole lines; polars parses a block when every line in it is a
JSON object, else each line is parsed with the json module and a bad line becomes a row error.
JSON arrays are parsed element by element from a stream (memory stays flat); a file holding one
object that wraps the records list (``{"records": [...]}``) is loaded whole, up to
JSON_LOAD_LIMIT bytes.

Keys are recognised as columns when first seen: in a sample at open time (so missing required
columns fail early) and, later, as new keys appear.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from whomade.inputs.clean import LINE, UNDECODABLE
from whomade.inputs.convert import column_as_text, is_nested_dtype, value_to_text
from whomade.inputs.delimited import open_binary, read_head
from whomade.inputs.errors import ErrorSink, InputError, RowError
from whomade.inputs.sniff import UTF8_BOM, check_text

JSON_LOAD_LIMIT = 256 << 20
MIN_BLOCK_BYTES = 1 << 20
MAX_BLOCK_BYTES = 8 << 20
MAX_ELEMENT_CHARS = 64 << 20
_SAMPLE_BYTES = 1 << 20
_SAMPLE_RECORDS = 2_000
_WRAPPER_KEYS = ("records", "data", "items", "results", "rows", "products", "listings", "devices")

KeysCallback = Callable[[list[str]], None]


@dataclass
class _KeyTracker:
    """Keys seen so far (first-seen order) and those holding nested objects."""

    columns: list[str] = field(default_factory=list)
    nested: set[str] = field(default_factory=set)
    _known: set[str] = field(default_factory=set)

    def see(self, keys: list[str], nested: set[str]) -> list[str]:
        self.nested |= nested
        new = [k for k in keys if k not in self._known]
        self._known.update(new)
        self.columns.extend(new)
        return new

    def see_objects(self, objects: list[dict[str, Any]]) -> list[str]:
        keys: dict[str, None] = {}
        nested: set[str] = set()
        for obj in objects:
            for key, value in obj.items():
                keys.setdefault(key, None)
                if isinstance(value, dict) or (
                    isinstance(value, list) and any(isinstance(v, dict) for v in value)
                ):
                    nested.add(key)
        return self.see(list(keys), nested)


def frame_from_objects(
    objects: list[dict[str, Any]],
    lines: list[int],
    mapping: dict[str, str],
    undecodable: list[bool] | None = None,
) -> pl.DataFrame:
    """A raw batch (canonical columns, _line, maybe _undecodable) from parsed JSON objects."""
    data: dict[str, list[str]] = {
        canonical: [value_to_text(obj.get(key)) for obj in objects]
        for canonical, key in mapping.items()
    }
    frame = pl.DataFrame(data | {LINE: lines}, schema={c: pl.Utf8 for c in data} | {LINE: pl.Int64})
    if undecodable is not None and any(undecodable):
        frame = frame.with_columns(pl.Series(UNDECODABLE, undecodable, dtype=pl.Boolean))
    return _drop_blank(frame, list(data))


def _decode(raw: bytes) -> tuple[str, bool]:
    """UTF-8 text of a line, and whether invalid bytes had to be replaced."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True


def _drop_blank(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    if not columns or frame.is_empty():
        return frame
    blank = pl.all_horizontal([pl.col(c).fill_null("").str.strip_chars() == "" for c in columns])
    return frame.filter(~blank)


class _KnownKeys:
    """The columns (keys) a JSON source has shown so far, from its key tracker."""

    keys: _KeyTracker

    @property
    def columns(self) -> list[str]:
        return self.keys.columns

    @property
    def nested(self) -> set[str]:
        return self.keys.nested


@dataclass
class JsonLinesSource(_KnownKeys):
    """A JSON Lines file (one object per line)."""

    path: Path
    display: str
    gz: bool
    keys: _KeyTracker
    avg_line_bytes: float
    fmt: str = "jsonl"

    @classmethod
    def open(cls, path: Path, *, display: str, gz: bool, fmt: str = "jsonl") -> JsonLinesSource:
        """Check the file and learn its keys from a sample of its first lines."""
        head = read_head(path, gz, _SAMPLE_BYTES)
        if not head.strip():
            raise InputError(f"{display}: the file is empty (no records)")
        check_text(display, head, fmt)
        head = head.removeprefix(UTF8_BOM)
        lines = head.split(b"\n")
        if len(head) >= _SAMPLE_BYTES and len(lines) > 1:
            lines = lines[:-1]  # the last one may be cut
        objects = []
        for raw in lines[:_SAMPLE_RECORDS]:
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8", "replace"))
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                objects.append(obj)
        if not objects:
            raise InputError(
                f"{display}: no line of the first MB is a JSON object; is it JSON Lines?"
            )
        keys = _KeyTracker()
        keys.see_objects(objects)
        avg = max(16.0, len(head) / max(1, len(lines)))
        return cls(path=path, display=display, gz=gz, keys=keys, avg_line_bytes=avg, fmt=fmt)

    def raw_batches(
        self,
        mapping: dict[str, str],
        *,
        sink: ErrorSink,
        batch_rows: int,
        on_new_keys: KeysCallback,
    ) -> Iterator[pl.DataFrame]:
        """Frames of at most ``batch_rows`` records: mapped canonical columns + _line."""
        block_size = int(
            min(MAX_BLOCK_BYTES, max(MIN_BLOCK_BYTES, self.avg_line_bytes * batch_rows))
        )
        line = 1
        carry = b""
        first = True
        skipping = False  # inside a line too long to read
        with open_binary(self.path, self.gz) as handle:
            while True:
                data = handle.read(block_size)
                if first:
                    data = data.removeprefix(UTF8_BOM)
                    first = False
                if skipping:
                    end = data.find(b"\n")
                    if data and end < 0:
                        continue
                    data, skipping = data[end + 1 :], False
                    line += 1
                block = carry + data if carry else data
                if not block:
                    return
                if data:
                    cut = block.rfind(b"\n") + 1
                    if cut == 0:
                        if len(block) > MAX_ELEMENT_CHARS:
                            reason = f"line longer than {MAX_ELEMENT_CHARS >> 20} MB; skipped"
                            sink.add(RowError(self.display, line, reason, record_id=f"row-{line}"))
                            carry, skipping = b"", True
                        else:
                            carry = block  # one long line: read on
                        continue
                    chunk, carry = block[:cut], block[cut:]
                else:
                    chunk, carry = block, b""
                newlines = chunk.count(b"\n")
                lines = newlines + (0 if chunk.endswith(b"\n") else 1)
                frame = self._parse(chunk, line, lines, mapping, sink, on_new_keys)
                line += newlines
                for start in range(0, len(frame), batch_rows):
                    yield frame.slice(start, batch_rows)
                if not data:
                    return

    def _parse(
        self,
        chunk: bytes,
        first_line: int,
        lines: int,
        mapping: dict[str, str],
        sink: ErrorSink,
        on_new_keys: KeysCallback,
    ) -> pl.DataFrame:
        try:
            parsed = pl.read_ndjson(chunk, infer_schema_length=None)
        except (pl.exceptions.PolarsError, ValueError):
            parsed = None
        if parsed is not None and len(parsed) == lines:
            nested = {name for name, dtype in parsed.schema.items() if is_nested_dtype(dtype)}
            new = self.keys.see(parsed.columns, nested)
            if new:
                on_new_keys(new)
            exprs = [
                column_as_text(key, parsed.schema[key], canonical)
                if key in parsed.schema
                else pl.lit(None, dtype=pl.Utf8).alias(canonical)
                for canonical, key in mapping.items()
            ]
            frame = parsed.select(
                [*exprs, (pl.int_range(0, pl.len()) + first_line).cast(pl.Int64).alias(LINE)]
            )
            return _drop_blank(frame, list(mapping))
        return self._parse_lines(chunk, first_line, mapping, sink, on_new_keys)

    def _parse_lines(
        self,
        chunk: bytes,
        first_line: int,
        mapping: dict[str, str],
        sink: ErrorSink,
        on_new_keys: KeysCallback,
    ) -> pl.DataFrame:
        objects: list[dict[str, Any]] = []
        lines: list[int] = []
        undecodable: list[bool] = []
        for offset, raw in enumerate(chunk.split(b"\n")):
            if not raw.strip():
                continue
            line = first_line + offset
            text, replaced = _decode(raw)
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                reason = f"not valid JSON ({exc.msg} at column {exc.colno}); line skipped"
                sink.add(RowError(self.display, line, reason, record_id=f"row-{line}"))
                continue
            if not isinstance(obj, dict):
                reason = f"not a JSON object but {_json_type(obj)}; line skipped"
                sink.add(RowError(self.display, line, reason, record_id=f"row-{line}"))
                continue
            objects.append(obj)
            lines.append(line)
            undecodable.append(replaced)
        new = self.keys.see_objects(objects)
        if new:
            on_new_keys(new)
        return frame_from_objects(objects, lines, mapping, undecodable)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


class _ArrayParser:
    """Yields the elements of a top-level JSON array from a byte stream, one at a time."""

    def __init__(self, handle: Any, display: str, read_size: int = 1 << 20) -> None:
        self.handle = handle
        self.display = display
        self.read_size = read_size
        self.decoder = json.JSONDecoder()
        self.text_decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.replaced = False  # invalid UTF-8 was met: later U+FFFD may stand for bad bytes
        self.buf = ""
        self.pos = 0
        self.line_base = 1  # line number of buf[0]
        self.eof = False

    def _fill(self) -> bool:
        if self.eof:
            return False
        data = self.handle.read(self.read_size)
        if not data:
            self.eof = True
        self.line_base += self.buf.count("\n", 0, self.pos)
        self.buf = self.buf[self.pos :] + self._decode(data)
        self.pos = 0
        return True

    def _decode(self, data: bytes) -> str:
        try:
            return self.text_decoder.decode(data, final=self.eof)
        except UnicodeDecodeError:
            self.replaced = True
            self.text_decoder = codecs.getincrementaldecoder("utf-8")("replace")
            return self.text_decoder.decode(data, final=self.eof)

    def _skip_space(self) -> str:
        """The next non-space character ('' at the end of the stream)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def _error(self, at: int, message: str) -> InputError:
        line = self.line_base + self.buf.count("\n", 0, at)
        column = at - self.buf.rfind("\n", 0, at)
        return InputError(f"{self.display}:{line}:{column}: {message}")

    def elements(self) -> Iterator[Any]:
        if self._skip_space() != "[":
            raise self._error(self.pos, "expected a JSON array of records ('[')")
        self.pos += 1
        index = 0
        while True:
            char = self._skip_space()
            if char == "]" and index == 0:
                return
            if not char:
                raise self._error(self.pos, "the JSON array is not closed (file cut short?)")
            yield self._element(index)
            index += 1
            char = self._skip_space()
            if char == ",":
                self.pos += 1
            elif char == "]":
                return
            elif not char:
                raise self._error(self.pos, "the JSON array is not closed (file cut short?)")
            else:
                raise self._error(self.pos, f"expected ',' or ']' after element {index}")

    def _element(self, index: int) -> Any:
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                near_end = exc.pos >= len(self.buf) - 16 or exc.msg.startswith("Unterminated")
                if near_end and len(self.buf) - self.pos < MAX_ELEMENT_CHARS and self._fill():
                    continue
                raise self._error(
                    exc.pos, f"invalid JSON in element {index + 1}: {exc.msg}"
                ) from None
            if end >= len(self.buf) and not self.eof and isinstance(value, (int, float)):
                self._fill()  # a number may go on in the next read
                continue
            self.pos = end
            return value


@dataclass
class JsonArraySource(_KnownKeys):
    """A JSON file holding an array of records (streamed) or an object wrapping one (loaded)."""

    path: Path
    display: str
    gz: bool
    keys: _KeyTracker
    wrapped: list[Any] | None = None
    replaced: bool = False
    fmt: str = "json"

    @classmethod
    def open(cls, path: Path, *, display: str, gz: bool) -> JsonArraySource | JsonLinesSource:
        """Decide between array, wrapped array and JSON Lines; learn the keys from a sample."""
        head = read_head(path, gz, _SAMPLE_BYTES)
        if not head.strip():
            raise InputError(f"{display}: the file is empty (no records)")
        check_text(display, head, "json")
        first = head.removeprefix(UTF8_BOM).lstrip()[:1]
        if first == b"{":
            first_line = head.removeprefix(UTF8_BOM).lstrip().split(b"\n", 1)[0]
            try:
                is_object_line = isinstance(json.loads(first_line.decode("utf-8", "replace")), dict)
            except json.JSONDecodeError:
                is_object_line = False
            if is_object_line:
                return JsonLinesSource.open(path, display=display, gz=gz, fmt="jsonl")
            return cls._open_wrapped(path, display=display, gz=gz)
        if first != b"[":
            raise InputError(f"{display}: not JSON: expected an array of records ('[')")
        keys = _KeyTracker()
        sample: list[dict[str, Any]] = []
        with open_binary(path, gz) as handle:
            parser = _ArrayParser(handle, display)
            try:
                for element in parser.elements():
                    if isinstance(element, dict):
                        sample.append(element)
                    if len(sample) >= _SAMPLE_RECORDS or parser.pos > _SAMPLE_BYTES:
                        break
            except InputError:
                if not sample:
                    raise
        keys.see_objects(sample)
        return cls(path=path, display=display, gz=gz, keys=keys)

    @classmethod
    def _open_wrapped(cls, path: Path, *, display: str, gz: bool) -> JsonArraySource:
        size = path.stat().st_size
        if size > JSON_LOAD_LIMIT:
            raise InputError(
                f"{display}: a JSON object wrapping the records is read whole, up to "
                f"{JSON_LOAD_LIMIT >> 20} MB; this file is {size >> 20} MB. Write the records "
                "as JSON Lines or as a top-level array instead"
            )
        with open_binary(path, gz) as handle:
            raw = handle.read()
        text, replaced = _decode(raw.removeprefix(UTF8_BOM))
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{display}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
            ) from None
        records = _records_in(document)
        if records is None:
            raise InputError(
                f"{display}: a JSON object, but no list of records in it; expected an array of "
                f"objects, JSON Lines, or an object with a key {', '.join(_WRAPPER_KEYS)}"
            )
        keys = _KeyTracker()
        keys.see_objects([r for r in records[:_SAMPLE_RECORDS] if isinstance(r, dict)])
        return cls(path=path, display=display, gz=gz, keys=keys, wrapped=records, replaced=replaced)

    def _elements(self) -> Iterator[tuple[Any, bool]]:
        """(element, whether invalid UTF-8 had been replaced by then)."""
        if self.wrapped is not None:
            for element in self.wrapped:
                yield element, self.replaced
            return
        with open_binary(self.path, self.gz) as handle:
            parser = _ArrayParser(handle, self.display)
            for element in parser.elements():
                yield element, parser.replaced

    def raw_batches(
        self,
        mapping: dict[str, str],
        *,
        sink: ErrorSink,
        batch_rows: int,
        on_new_keys: KeysCallback,
    ) -> Iterator[pl.DataFrame]:
        """Frames of at most ``batch_rows`` records; ``_line`` is the element's 1-based index."""
        objects: list[dict[str, Any]] = []
        rows: list[int] = []
        flags: list[bool] = []
        for index, (element, replaced) in enumerate(self._elements(), start=1):
            if not isinstance(element, dict):
                reason = f"element {index} is not a JSON object but {_json_type(element)}; skipped"
                sink.add(RowError(self.display, index, reason, record_id=f"row-{index}"))
                continue
            objects.append(element)
            rows.append(index)
            flags.append(replaced)
            if len(objects) >= batch_rows:
                yield self._frame(objects, rows, flags, mapping, on_new_keys)
                objects, rows, flags = [], [], []
        if objects:
            yield self._frame(objects, rows, flags, mapping, on_new_keys)

    def _frame(
        self,
        objects: list[dict[str, Any]],
        rows: list[int],
        flags: list[bool],
        mapping: dict[str, str],
        on_new_keys: KeysCallback,
    ) -> pl.DataFrame:
        new = self.keys.see_objects(objects)
        if new:
            on_new_keys(new)
        return frame_from_objects(objects, rows, mapping, flags)


def _records_in(document: Any) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        return None
    for key in _WRAPPER_KEYS:
        if isinstance(document.get(key), list):
            return list(document[key])
    lists = [v for v in document.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    return lists[0] if len(lists) == 1 else None
