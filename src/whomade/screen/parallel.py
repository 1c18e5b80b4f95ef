"""Screening batches in worker processes: the same :class:`Screener`, one per process.

The main process reads and writes; workers run the column scan, the per-record Python and the
JSON serialisation, and hand back each batch's findings in input order.
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

_screener: Screener | None = None


def _start(kind: str, context: str, today: str) -> None:
    global _screener
    _screener = Screener(kind, context, today=dt.date.fromisoformat(today))  # type: ignore[arg-type]


def _screen(frame: pl.DataFrame) -> tuple[BatchResult, list[bytes]]:
    assert _screener is not None, "worker not started"
    result = _screener.screen_frame(frame)
    return result, result.jsonl_lines(_screener)


def screen_in_workers(
    frames: Iterable[pl.DataFrame], screener: Screener, workers: int
) -> Iterator[tuple[pl.DataFrame, BatchResult, list[bytes]]]:
    """(frame, findings, JSON lines) for every batch, in input order, screened by ``workers``
    processes (spawned: polars' thread pool does not survive a fork)."""
    context = get_context("spawn")
    args: tuple[Any, ...] = (screener.kind, screener.context, screener.today.isoformat())
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=args
    ) as pool:
        pending: deque[tuple[pl.DataFrame, Future[tuple[BatchResult, list[bytes]]]]] = deque()
        for frame in frames:
            pending.append((frame, pool.submit(_screen, frame)))
            if len(pending) > workers:
                done_frame, future = pending.popleft()
                yield (done_frame, *future.result())
        while pending:
            done_frame, future = pending.popleft()
            yield (done_frame, *future.result())
