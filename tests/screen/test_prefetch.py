"""prefetch: order kept, errors raised where they happened, the thread stopped on early exit."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import pytest

from whomade.screen.prefetch import prefetch


def test_items_come_in_order() -> None:
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("broken row 3")

    got = []
    with pytest.raises(ValueError, match="broken row 3"):
        for item in prefetch(items()):
            got.append(item)
    assert got == [1, 2]


def test_closing_early_stops_the_producer() -> None:
    produced = []

    def items() -> Iterator[int]:
        for index in range(10_000):
            produced.append(index)
            yield index

    stream = prefetch(items(), depth=2)
    assert next(stream) == 0
    stream.close()
    time.sleep(0.3)
    assert len(produced) <= 5
    assert not any(t.name == "whomade-prefetch" and t.is_alive() for t in threading.enumerate())


def test_the_switch_interval_is_restored() -> None:
    before = sys.getswitchinterval()
    assert list(prefetch(iter("abc"))) == ["a", "b", "c"]
    assert sys.getswitchinterval() == before


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError):
        list(prefetch(iter([1]), depth=0))
