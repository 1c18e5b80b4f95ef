"""Run an iterator a few items ahead in a background thread.

Reading a batch and scanning its columns happen in polars, which releases the GIL; the per-record
Python on candidate rows holds it. Producing the next batches in a thread lets both cores work
while memory stays bounded: at most ``depth`` items wait in the queue.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
# Seconds; see prefetch().
_SWITCH_INTERVAL = 0.0001


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield ``items`` in order, produced by a thread that stays at most ``depth`` items ahead.

    An exception raised while producing is raised here, at the item where it happened. Closing
    the generator early (an error downstream, Ctrl-C) stops the thread at its next item.
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            put(_Failed(error))
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name="whomade-prefetch", daemon=True)
    # The producer runs short Python steps between long GIL-free polars calls; with the default
    # 5 ms switch interval each step waits behind the consumer's Python, and reading stalls.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, _SWITCH_INTERVAL))
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join(timeout=5)
        sys.setswitchinterval(interval)
