"""The screening pipeline: records → signals → resolution → findings, one record or a batch.

Both paths share every step: a batch is pre-filtered column-wise (the same literals the one-record
path tests), and only candidate records get per-record Python. Records no literal touches get the
same ``clear`` finding the per-record path gives them. For a whole file,
:meth:`Screener.screen_frames` reads and scans ahead in two threads while the caller's thread
screens candidates.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import orjson
import polars as pl

from whomade.kb import Graph, load_graph
from whomade.kb.model import CONTEXTS, Context
from whomade.match.signals import Signal
from whomade.screen.findings import build_finding, clear_finding, record_date
from whomade.screen.prefetch import prefetch

KINDS = ("catalog", "devices", "vendors")


class Matcher(Protocol):
    """What a record kind's signal extractors offer the pipeline."""

    def candidate_mask(self, frame: pl.DataFrame) -> pl.Series: ...

    def is_candidate(self, record: Mapping[str, str]) -> bool: ...

    def signals(self, record: Mapping[str, str]) -> list[Signal]: ...

    def batch_signals(
        self, frame: pl.DataFrame, records: Iterable[Mapping[str, str]]
    ) -> Iterator[tuple[Mapping[str, str], list[Signal]]]: ...


def matcher_for(kind: str, graph: Graph, db_path: str | None = None) -> Matcher:
    """The signal extractors for a record kind (vendors also read imported list entries)."""
    if kind == "catalog":
        from whomade.match.catalog import catalog_matcher

        return catalog_matcher(graph)
    if kind == "devices":
        from whomade.match.devices import device_matcher

        return device_matcher(graph)
    if kind == "vendors":
        from whomade.match.vendors import vendor_matcher

        return vendor_matcher(graph, db_path)
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


@dataclass
class BatchResult:
    """Findings of one batch in input order: ``findings`` by row index for the candidate rows,
    every other row is clear. ``clear_text`` holds each clear row's finding as a JSON line (and
    an empty string for candidate rows, whose lines come from ``findings``)."""

    id_column: pl.Series
    line_column: pl.Series
    clear_text: pl.Series
    findings: dict[int, dict[str, Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.id_column)

    @cached_property
    def ids(self) -> list[str]:
        return self.id_column.to_list()

    @cached_property
    def lines(self) -> list[int]:
        return self.line_column.to_list()

    def jsonl_bytes(self) -> bytearray:
        """Every finding as a JSON line, in input order. Clear rows come ready from the column
        pass, as one Arrow buffer; only the candidates' findings are serialised here and spliced
        in between slices of it."""
        array = self.clear_text.rechunk().to_arrow()
        _validity, offsets_buffer, data_buffer = array.buffers()
        offsets = memoryview(offsets_buffer).cast("q")[array.offset : array.offset + len(array) + 1]
        data = memoryview(data_buffer)
        # Appended at once: orjson's result keeps a 4 KB allocation whatever its length, so a
        # list of a batch's results took several times the batch's output.
        out = bytearray()
        position = offsets[0]
        for row in sorted(self.findings):
            out += data[position : offsets[row]]
            out += orjson.dumps(self.findings[row], option=orjson.OPT_APPEND_NEWLINE)
            position = offsets[row + 1]
        out += data[position : offsets[-1]]
        return out

    def jsonl_lines(self) -> list[bytes]:
        """:meth:`jsonl_bytes`, one item per finding."""
        return [
            orjson.dumps(self.findings[index]) + b"\n" if index in self.findings else line.encode()
            for index, line in enumerate(self.clear_text.to_list())
        ]


@contextmanager
def few_collections(threshold: int = 10_000) -> Iterator[None]:
    """Fewer garbage collections while a big input is screened.

    Screening allocates millions of short-lived objects that hold no cycles (records, signals,
    findings); with the default threshold the collector ran about 1,500 times per million
    records and took a tenth of the run, traversing the graph and the caches each full pass.
    Objects alive at the start are frozen (never traversed) and collections come less often.
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(before[0], threshold), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


class Screener:
    """Screens records of one kind for one user context, as of one day."""

    def __init__(
        self,
        kind: str = "catalog",
        context: Context = "marketplace",
        *,
        graph: Graph | None = None,
        today: dt.date | None = None,
        list_versions: dict[str, str] | None = None,
        db_path: str | None = None,
    ) -> None:
        """``db_path``: a database whose imported official lists add listings (their current
        versions' entries linked to graph entities); none, or no file yet, means the graph only."""
        if context not in CONTEXTS:
            raise ValueError(f"unknown context {context!r}; expected one of {', '.join(CONTEXTS)}")
        from whomade.sources.screening import graph_with_imported_lists

        self.kind = kind
        self.context: Context = context
        self.graph, imported, _counts = graph_with_imported_lists(
            graph or load_graph(), db_path, kind
        )
        self.today = today or dt.date.today()
        self.db_path = db_path
        self.matcher = matcher_for(kind, self.graph, db_path)
        self.versions: dict[str, Any] = {
            "graph": self.graph.version,
            "lists": {**imported, **(list_versions or {})},
        }
        self._clear_template: tuple[str, str] | None = None

    def _finding(
        self, record: Mapping[str, str], line: int | None, signals: list[Signal] | None = None
    ) -> dict[str, Any]:
        record_id = str(record.get("id") or (f"row-{line}" if line is not None else ""))
        if signals is None:
            signals = self.matcher.signals(record)
        if not signals:
            return clear_finding(record_id, self.context, self.today, self.versions, line)
        return build_finding(
            self.graph,
            record_id,
            signals,
            context=self.context,
            listing_date=record_date(record.get("date"), self.today),
            today=self.today,
            versions=self.versions,
            line=line,
        )

    def screen_record(self, record: Mapping[str, str], line: int | None = None) -> dict[str, Any]:
        """The finding for one record (the API's path)."""
        if not self.matcher.is_candidate(record):
            record_id = str(record.get("id") or (f"row-{line}" if line is not None else ""))
            return clear_finding(record_id, self.context, self.today, self.versions, line)
        return self._finding(record, line)

    def split_frame(self, frame: pl.DataFrame) -> tuple[BatchResult, list[int], pl.DataFrame]:
        """The batch's clear findings and its candidate rows (with their positions): the column
        scan, done at once for the whole batch."""
        lines = (
            frame.get_column("_line").cast(pl.Int64)
            if "_line" in frame.columns
            else pl.int_range(1, frame.height + 1, eager=True)
        )
        by_line = "row-" + lines.cast(pl.Utf8)
        if "id" in frame.columns:
            # As the one-record path: a record without an id is named by its line.
            given = frame.get_column("id").cast(pl.Utf8).fill_null("")
            ids = pl.select(pl.when(given == "").then(by_line).otherwise(given)).to_series()
        else:
            ids = by_line
        mask = self.matcher.candidate_mask(frame)
        result = BatchResult(ids, lines, self.clear_lines(ids, lines, mask))
        candidates = frame if mask.all() else frame.filter(mask)
        return result, mask.arg_true().to_list(), candidates

    def screen_candidates(self, candidates: pl.DataFrame) -> list[dict[str, Any]]:
        """Findings of candidate rows, one by one (the per-record part of a batch)."""
        fields = [c for c in candidates.columns if c != "_line"]
        lines: list[int | None] = (
            candidates.get_column("_line").to_list()
            if "_line" in candidates.columns
            else [None] * candidates.height
        )
        texts = candidates.select(pl.col(f).cast(pl.Utf8).fill_null("") for f in fields)
        columns = [texts.get_column(f).to_list() for f in fields]
        rows = zip(*columns, strict=True) if fields else (() for _ in lines)
        # One record, its signals and its finding at a time: a batch of devices or suppliers is
        # mostly candidates, and holding every record's signals at once doubled the memory.
        records = (dict(zip(fields, values, strict=True)) for values in rows)
        pairs = self.matcher.batch_signals(candidates, records)
        return [
            self._finding(record, line, found)
            for (record, found), line in zip(pairs, lines, strict=True)
        ]

    def screen_frame(self, frame: pl.DataFrame) -> BatchResult:
        """Findings for a batch; only candidate rows are looked at one by one."""
        result, indexes, candidates = self.split_frame(frame)
        if candidates.height:
            found = self.screen_candidates(candidates)
            result.findings = dict(zip(indexes, found, strict=True))
        return result

    def screen_frames(
        self, frames: Iterable[pl.DataFrame], *, ahead: int = 1
    ) -> Iterator[tuple[pl.DataFrame, BatchResult]]:
        """Findings for every batch, in order. Reading runs in one thread and the column scan in
        another, each up to ``ahead`` batches in front, while candidate rows are screened here:
        polars releases the GIL, so both cores work."""
        with few_collections():
            yield from self._screen_ahead(frames, ahead)

    def _screen_ahead(
        self, frames: Iterable[pl.DataFrame], ahead: int
    ) -> Iterator[tuple[pl.DataFrame, BatchResult]]:
        splits = prefetch(
            ((frame, *self.split_frame(frame)) for frame in prefetch(frames, 1)), ahead
        )
        for frame, result, indexes, candidates in splits:
            if candidates.height:
                found = self.screen_candidates(candidates)
                result.findings = dict(zip(indexes, found, strict=True))
            yield frame, result

    def clear(self, record_id: str, line: int | None = None) -> dict[str, Any]:
        return clear_finding(record_id, self.context, self.today, self.versions, line)

    def clear_template(self) -> tuple[str, str]:
        """The serialised clear finding around its id and line: ``head + id + tail + line + }``."""
        if self._clear_template is None:
            marker = "\x00id\x00"
            text = orjson.dumps(self.clear(marker, 0)).decode()
            head, rest = text.split(orjson.dumps(marker).decode(), 1)
            self._clear_template = (head, rest.removesuffix("0}"))
        return self._clear_template

    def clear_lines(self, ids: pl.Series, lines: pl.Series, skip: pl.Series) -> pl.Series:
        """The clear finding of every row as a JSON line, built column-wise from the template;
        rows in ``skip`` (candidates, whose findings come later) get an empty string.

        Ids with characters JSON escapes (quote, backslash, control characters) are serialised
        by orjson one by one, so every line is byte for byte what :meth:`clear` gives.
        """
        head, tail = self.clear_template()
        frame = pl.DataFrame({"id": ids, "line": lines, "skip": skip})
        line_text = pl.concat_str(
            pl.lit(head + '"'),
            "id",
            pl.lit('"' + tail),
            pl.col("line").cast(pl.Utf8),
            pl.lit("}\n"),
        )
        text = frame.select(pl.when("skip").then(pl.lit("")).otherwise(line_text)).to_series()
        escaped = frame.select(
            pl.col("id").str.contains(r'["\\\x00-\x1f]') & ~pl.col("skip")
        ).to_series()
        if escaped.any():
            rows = escaped.arg_true().to_list()
            exact = [orjson.dumps(self.clear(ids[row], lines[row])).decode() + "\n" for row in rows]
            text = text.scatter(rows, exact)
        return text
