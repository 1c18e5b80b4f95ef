"""The screening pipeline: records → signals → resolution → findings, one record or a batch.

Both paths share every step: a batch is pre-filtered column-wise (the same literals the one-record
path tests), and only candidate records get per-record Python. Records no literal touches get the
same ``clear`` finding the per-record path gives them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
import polars as pl

from whomade.kb import Graph, load_graph
from whomade.kb.model import CONTEXTS, Context
from whomade.match.signals import Signal
from whomade.screen.findings import build_finding, clear_finding, record_date

KINDS = ("catalog", "devices", "vendors")


class Matcher(Protocol):
    """What a record kind's signal extractors offer the pipeline."""

    def candidate_mask(self, frame: pl.DataFrame) -> pl.Series: ...

    def is_candidate(self, record: Mapping[str, str]) -> bool: ...

    def signals(self, record: Mapping[str, str]) -> list[Signal]: ...


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
    """Findings of one batch in input order; ``clear_rows`` were cleared by the column scan."""

    ids: list[str]
    lines: list[int]
    findings: dict[int, dict[str, Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def jsonl_lines(self, screener: Screener) -> list[bytes]:
        """Every finding as a JSON line; clear ones from a pre-serialised template (the hot path
        of a big catalog, where nearly every record is clear)."""
        head, tail = screener.clear_template()
        lines = []
        for index, record_id in enumerate(self.ids):
            finding = self.findings.get(index)
            if finding is None:
                lines.append(
                    head + orjson.dumps(record_id) + tail + str(self.lines[index]).encode() + b"}\n"
                )
            else:
                lines.append(orjson.dumps(finding) + b"\n")
        return lines


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
        self._clear_template: tuple[bytes, bytes] | None = None

    def _finding(self, record: Mapping[str, str], line: int | None) -> dict[str, Any]:
        record_id = str(record.get("id") or (f"row-{line}" if line is not None else ""))
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
        """The batch's ids and lines, and its candidate rows (with their positions): the column
        scan, done at once for the whole batch."""
        ids = frame.get_column("id").cast(pl.Utf8).to_list() if "id" in frame.columns else []
        lines = (
            frame.get_column("_line").to_list()
            if "_line" in frame.columns
            else list(range(1, frame.height + 1))
        )
        if not ids:
            ids = [f"row-{line}" for line in lines]
        mask = self.matcher.candidate_mask(frame)
        return BatchResult(ids=ids, lines=lines), mask.arg_true().to_list(), frame.filter(mask)

    def screen_candidates(self, candidates: pl.DataFrame) -> list[dict[str, Any]]:
        """Findings of candidate rows, one by one (the per-record part of a batch)."""
        findings = []
        for record in candidates.iter_rows(named=True):
            line = record.get("_line")
            clean = {
                k: (v if isinstance(v, str) else ("" if v is None else str(v)))
                for k, v in record.items()
                if k != "_line"
            }
            findings.append(self._finding(clean, line))
        return findings

    def screen_frame(self, frame: pl.DataFrame) -> BatchResult:
        """Findings for a batch; only candidate rows are looked at one by one."""
        result, indexes, candidates = self.split_frame(frame)
        if candidates.height:
            found = self.screen_candidates(candidates)
            result.findings = dict(zip(indexes, found, strict=True))
        return result

    def clear(self, record_id: str, line: int | None = None) -> dict[str, Any]:
        return clear_finding(record_id, self.context, self.today, self.versions, line)

    def clear_template(self) -> tuple[bytes, bytes]:
        """The serialised clear finding around its id and line: ``head + id + tail + line + }``."""
        if self._clear_template is None:
            marker = "\x00id\x00"
            text = orjson.dumps(self.clear(marker, 0)).decode()
            head, rest = text.split(orjson.dumps(marker).decode(), 1)
            tail = rest.removesuffix("0}")
            self._clear_template = (head.encode(), tail.encode())
        return self._clear_template
