"""The candidate test of record kinds where any filled identifying field is worth a look."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl


def filled_mask(frame: pl.DataFrame, fields: Sequence[str]) -> pl.Series:
    """True for every row with at least one of ``fields`` holding more than whitespace."""
    present = [f for f in fields if f in frame.columns]
    if not present or frame.height == 0:
        return pl.Series("candidate", [False] * frame.height, dtype=pl.Boolean)
    filled = [
        pl.col(f).cast(pl.Utf8).fill_null("").str.strip_chars().str.len_chars() > 0 for f in present
    ]
    return frame.select(pl.any_horizontal(filled).alias("candidate")).to_series()


def any_filled(record: Mapping[str, object], fields: Sequence[str]) -> bool:
    """The same test as :func:`filled_mask`, for one record."""
    return any(isinstance(v, str) and bool(v.strip()) for v in (record.get(f) for f in fields))
