"""Finding writers (JSON Lines, CSV, Parquet by extension), written as screening goes.

JSON Lines and CSV append batch by batch and are flushed, so a killed run loses at most the batch
in flight; :func:`done_ids` reads back what a previous run wrote, so ``--resume`` screens only the
rest.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
CSV_COLUMNS = (
    "id",
    "verdict",
    "families",
    "risk_level",
    "risk_context",
    "risk_why",
    "warning",
    "evidence",
    "as_of",
    "line",
)


class OutputError(Exception):
    """The output cannot be written (unknown extension, unreadable file to resume)."""


def output_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(
            f"{path}: unknown output extension {path.suffix!r}; use one of {', '.join(FORMATS)}"
        )
    return fmt


def flat_row(finding: dict[str, Any]) -> dict[str, Any]:
    """One finding as a flat row (CSV, Parquet): nested parts as JSON text."""
    risk = finding.get("risk") or {}
    return {
        "id": finding["id"],
        "verdict": finding["verdict"],
        "families": ";".join(finding.get("families") or []),
        "risk_level": risk.get("level", ""),
        "risk_context": risk.get("context", ""),
        "risk_why": risk.get("why", ""),
        "warning": finding.get("warning") or "",
        "evidence": json.dumps(finding.get("evidence") or [], ensure_ascii=False),
        "as_of": finding.get("as_of", ""),
        "line": finding.get("line"),
    }


class FindingWriter(Protocol):
    def write(self, findings: Iterable[dict[str, Any]]) -> None: ...

    def close(self) -> None: ...


class JsonlWriter:
    def __init__(self, path: Path, append: bool) -> None:
        self._file = path.open("ab" if append else "wb")

    def write(self, findings: Iterable[dict[str, Any]]) -> None:
        self._file.write(b"".join(orjson.dumps(f) + b"\n" for f in findings))
        self._file.flush()

    def write_lines(self, lines: Iterable[bytes]) -> None:
        """Findings already serialised, one JSON document per item, newline included."""
        self.write_bytes(b"".join(lines))

    def write_bytes(self, data: bytes | bytearray) -> None:
        """Findings already serialised as JSON lines."""
        self._file.write(data)
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class CsvWriter:
    def __init__(self, path: Path, append: bool) -> None:
        fresh = not append or not path.exists() or path.stat().st_size == 0
        self._file = path.open("a" if append else "w", encoding="utf-8", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=CSV_COLUMNS)
        if fresh:
            self._writer.writeheader()

    def write(self, findings: Iterable[dict[str, Any]]) -> None:
        self._writer.writerows(flat_row(f) for f in findings)
        self._file.flush()

    def close(self) -> None:
        self._file.close()


class ParquetWriter:
    """Parquet cannot be appended to: a resumed run rewrites the rows it already had first."""

    SCHEMA = pa.schema(
        [(name, pa.int64() if name == "line" else pa.string()) for name in CSV_COLUMNS]
    )

    def __init__(self, path: Path, append: bool) -> None:
        previous = pq.read_table(path) if append and path.exists() else None
        self._writer = pq.ParquetWriter(path, self.SCHEMA)
        if previous is not None:
            self._writer.write_table(previous.cast(self.SCHEMA))

    def write(self, findings: Iterable[dict[str, Any]]) -> None:
        rows = [flat_row(f) for f in findings]
        if rows:
            self._writer.write_table(pa.Table.from_pylist(rows, schema=self.SCHEMA))

    def close(self) -> None:
        self._writer.close()


def open_writer(path: Path, *, append: bool) -> FindingWriter:
    fmt = output_format(path)
    if fmt == "jsonl":
        return JsonlWriter(path, append)
    if fmt == "csv":
        return CsvWriter(path, append)
    return ParquetWriter(path, append)


def _repair_last_line(path: Path) -> None:
    """Cut a half-written last line left by a killed run."""
    with path.open("rb+") as handle:
        handle.seek(0, io.SEEK_END)
        size = handle.tell()
        if size == 0:
            return
        handle.seek(max(0, size - 1))
        if handle.read(1) == b"\n":
            return
        position = size
        chunk = 65536
        while position > 0:
            start = max(0, position - chunk)
            handle.seek(start)
            data = handle.read(position - start)
            cut = data.rfind(b"\n")
            if cut >= 0:
                handle.truncate(start + cut + 1)
                return
            position = start
        handle.truncate(0)


def done_ids(path: Path) -> set[str]:
    """Ids of the findings an earlier run already wrote to ``path``."""
    if not path.exists():
        return set()
    fmt = output_format(path)
    if fmt == "jsonl":
        _repair_last_line(path)
        ids = set()
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    ids.add(str(orjson.loads(line)["id"]))
                except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
                    raise OutputError(
                        f"{path}:{number}: cannot resume from this line ({exc})"
                    ) from exc
        return ids
    if fmt == "csv":
        _repair_last_line(path)  # one finding per line: no field holds a newline
        with path.open(encoding="utf-8", newline="") as handle:
            return {row["id"] for row in csv.DictReader(handle) if row.get("id")}
    return {str(x) for x in pq.read_table(path, columns=["id"]).column("id").to_pylist()}
