"""Screening big inputs on every core: the column scan stays in the main process, the per-record
work on candidate rows (a few percent of a catalog) goes to worker processes.

Workers run the same :meth:`Screener.screen_candidates` as the one-process path; batches come back
in input order. Only candidate rows cross the process boundary, so the transfer stays small.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import polars as pl

from whomade.screen.pipeline import BatchResult, Screener
from whomade.screen.prefetch import prefetch

_screener: Screener | None = None


def _start(kind: str, context: str, today: str, db_path: str | None) -> None:
    global _screener
    _screener = Screener(
        kind,
        context,  # type: ignore[arg-type]
        today=dt.date.fromisoformat(today),
        db_path=db_path,
    )


def _screen_candidates(candidates: pl.DataFrame) -> list[dict[str, Any]]:
    assert _screener is not None, "worker not started"
    return _screener.screen_candidates(candidates)


def screen_in_workers(
    frames: Iterable[pl.DataFrame], screener: Screener, workers: int
) -> Iterator[tuple[pl.DataFrame, BatchResult, bytearray]]:
    """(frame, findings, JSON lines) for every batch, in input order, the candidate rows screened
    by ``workers`` processes (spawned: polars' thread pool does not survive a fork)."""
    context = get_context("spawn")
    args: tuple[Any, ...] = (
        screener.kind,
        screener.context,
        screener.today.isoformat(),
        screener.db_path,
    )
    Pending = tuple[pl.DataFrame, BatchResult, list[int], Future[list[dict[str, Any]]] | None]
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=args
    ) as pool:
        pending: deque[Pending] = deque()

        def finish(item: Pending) -> tuple[pl.DataFrame, BatchResult, bytearray]:
            frame, result, indexes, future = item
            if future is not None:
                result.findings = dict(zip(indexes, future.result(), strict=True))
            return frame, result, result.jsonl_bytes()

        splits = prefetch((frame, *screener.split_frame(frame)) for frame in frames)
        for frame, result, indexes, candidates in splits:
            future = pool.submit(_screen_candidates, candidates) if candidates.height else None
            pending.append((frame, result, indexes, future))
            if len(pending) > 2 * workers:
                yield finish(pending.popleft())
        while pending:
            yield finish(pending.popleft())
