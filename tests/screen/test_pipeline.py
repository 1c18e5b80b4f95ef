"""The column-scan path and the one-record path give the same findings."""

from __future__ import annotations

import datetime as dt
import json

import orjson
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EVAL, needs_shared
from whomade.match.catalog import catalog_matcher, minimal_literals
from whomade.screen.pipeline import Screener

FIELDS = (
    "id",
    "title",
    "brand",
    "seller",
    "model",
    "description",
    "manufacturer",
    "fcc_id",
    "date",
)


def _frame(records: list[dict[str, str]]) -> pl.DataFrame:
    data = {f: [str(r.get(f) or "") for r in records] for f in FIELDS}
    return pl.DataFrame(data).with_columns(pl.Series("_line", range(1, len(records) + 1)))


def _both_paths(records: list[dict[str, str]]) -> None:
    """Every finding of the batch path equals the one-record path's, and so does the JSONL."""
    screener = Screener("catalog", "marketplace", today=dt.date(2026, 11, 25))
    batch = screener.screen_frame(_frame(records))
    expected = b""
    for index, record in enumerate(records):
        one = screener.screen_record({f: str(record.get(f) or "") for f in FIELDS}, index + 1)
        many = batch.findings.get(index) or screener.clear(batch.ids[index], index + 1)
        assert one == many, record
        expected += orjson.dumps(one) + b"\n"
    assert batch.jsonl_bytes() == expected
    assert b"".join(batch.jsonl_lines()) == expected


def test_same_findings_on_the_eval_listings() -> None:
    path = needs_shared(EVAL / "listings_dev.jsonl")
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    _both_paths(records)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_mask_agrees_with_the_record_test(titles: list[str]) -> None:
    screener = Screener("catalog", "marketplace", today=dt.date(2026, 11, 25))
    matcher = catalog_matcher(screener.graph)
    records = [{"id": str(i), "title": t} for i, t in enumerate(titles)]
    mask = matcher.candidate_mask(_frame(records)).to_list()
    assert mask == [matcher.is_candidate(r) for r in records]


def test_ids_that_json_escapes_are_written_exactly() -> None:
    odd = ['say "hi"', "back\\slash", "tab\there", "nul\x00", "line\u2028sep", "é中", "", "x\x1f"]
    records = [{"id": f"{text}", "title": "USB cable"} for text in odd]
    records += [{"id": 'a"b', "title": "Hikvision DS-2CD2143G2-I dome camera"}]
    _both_paths(records)


# Pieces that make descriptions and titles name someone, or look as if they might.
_PIECES = st.sampled_from(
    [
        "Hikvision",
        "hik-vision",
        "DS-2CD2143G2-I",
        "FCC ID: 2ADTD-X1",
        "fcc",
        "海康威视",
        "ＨＩＫＶＩＳＩＯＮ",
        "compatible with Dahua",
        "mount for EZVIZ",
        "ZTE",
        "ztE-",
        "Lorex",
        "Honor 8",
        " ",
        "-",
        "camera",
        "great value",
    ]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=6).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT, _TEXT), min_size=1, max_size=4))
def test_batch_signals_equal_record_signals(rows: list[tuple[str, str, str]]) -> None:
    screener = Screener("catalog", "marketplace", today=dt.date(2026, 11, 25))
    matcher = catalog_matcher(screener.graph)
    records = [
        {f: "" for f in FIELDS} | {"id": str(i), "title": t, "description": d, "brand": b}
        for i, (t, d, b) in enumerate(rows)
    ]
    frame = _frame(records)
    assert [found for _, found in matcher.batch_signals(frame, records)] == [
        matcher.signals(r) for r in records
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="abc -", min_size=1, max_size=4), min_size=1, max_size=8),
    st.text(alphabet="abc -", max_size=30),
)
def test_minimal_literals_find_what_all_literals_find(literals: list[str], text: str) -> None:
    minimal, automaton = minimal_literals(set(literals))
    assert set(minimal) <= set(literals)
    assert any(lit in text for lit in literals) == any(lit in text for lit in minimal)
    assert (next(automaton.iter(text), None) is not None) == any(lit in text for lit in literals)


def test_few_collections_restores_the_collector() -> None:
    import gc

    from whomade.screen.pipeline import few_collections

    before = gc.get_threshold()
    with few_collections(threshold=before[0] + 12_345):
        assert gc.get_threshold()[0] == before[0] + 12_345
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
