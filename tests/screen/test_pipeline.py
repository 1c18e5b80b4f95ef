"""The column-scan path and the one-record path give the same findings."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EVAL, needs_shared
from whomade.match.catalog import catalog_matcher
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
    screener = Screener("catalog", "marketplace", today=dt.date(2026, 11, 25))
    batch = screener.screen_frame(_frame(records))
    for index, record in enumerate(records):
        one = screener.screen_record({f: str(record.get(f) or "") for f in FIELDS}, index + 1)
        many = batch.findings.get(index) or screener.clear(batch.ids[index], index + 1)
        assert (one["verdict"], one["families"], one["evidence"]) == (
            many["verdict"],
            many["families"],
            many["evidence"],
        ), record


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
