"""Errors of the input stage: fatal ones are exceptions, per-row ones go to an error sink."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol, runtime_checkable


class InputError(Exception):
    """A problem that stops reading a file (missing, undecodable, not the format claimed).

    The message names the file and, where known, the line and column.
    """


class ColumnError(InputError):
    """A column named by ``--map`` is not in the file, or a required column is missing.

    The message names the column and lists the columns found.
    """


@dataclass
class RowError:
    """A problem with one row; the row is reported and reading goes on.

    ``line`` is the 1-based line of the row in a text file (the row number in Parquet, XLSX and
    JSON arrays); ``field`` names the canonical field concerned, when there is one.
    """

    file: str
    line: int
    reason: str
    record_id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"


@runtime_checkable
class ErrorSink(Protocol):
    """Where per-row problems go."""

    def add(self, error: RowError) -> None: ...


@dataclass
class ListErrorSink:
    """Keeps row errors in memory (for tests, the API and small files)."""

    errors: list[RowError] = field(default_factory=list)

    def add(self, error: RowError) -> None:
        self.errors.append(error)

    def __len__(self) -> int:
        return len(self.errors)


class JsonlErrorSink:
    """Writes each row error as one JSON object per line, as soon as it is reported.

    Use it as a context manager; it also counts the errors written.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._handle: IO[str] | None = None

    def __enter__(self) -> JsonlErrorSink:
        self._handle = self.path.open("w", encoding="utf-8")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def add(self, error: RowError) -> None:
        if self._handle is None:
            raise RuntimeError("JsonlErrorSink is not open; use it in a `with` block")
        self._handle.write(json.dumps(asdict(error), ensure_ascii=False) + "\n")
        self._handle.flush()
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
