"""Helpers for the input-reader tests: read a whole file into one frame plus its row errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from whomade.inputs import ListErrorSink, RecordStream, RowError, open_records

ReadAll = Callable[..., tuple[pl.DataFrame, list[RowError], RecordStream]]


def read_all(path: Path, kind: str = "catalog", **options: Any) -> tuple[
    pl.DataFrame, list[RowError], RecordStream
]:  # fmt: skip
    """All batches of a file concatenated, its row errors, and the stream (for its metadata)."""
    sink = ListErrorSink()
    stream = open_records(path, kind, errors=sink, **options)
    batches = list(stream)
    for batch in batches:
        assert batch.columns[-1] == "_line"
        assert batch.schema["_line"] == pl.Int64
        assert all(batch.schema[c] == pl.Utf8 for c in batch.columns[:-1])
        assert batch.null_count().sum_horizontal().item() == 0
    frame = pl.concat(batches) if batches else pl.DataFrame()
    return frame, sink.errors, stream


@pytest.fixture
def read_records() -> ReadAll:
    return read_all


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text (UTF-8) or bytes to a file named ``name`` in the test's directory."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return _write
