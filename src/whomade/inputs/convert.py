"""Values of typed sources (JSON, Parquet, XLSX) as text."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl


def value_to_text(value: Any) -> str:
    """A scalar as the text a user would have typed; lists joined by newlines; dicts dropped.

    Nested objects are never read: they carry structure (provenance, metadata), not a field.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return ""
    if isinstance(value, (list, tuple)):
        parts = (value_to_text(v) for v in value if not isinstance(v, (dict, list, tuple)))
        return "\n".join(p for p in parts if p)
    return str(value)


def is_nested_dtype(dtype: Any) -> bool:
    """Struct-like columns (or lists of them), which are never mapped. ``dtype``: a polars type."""
    if isinstance(dtype, pl.Struct | pl.Object):
        return True
    if isinstance(dtype, pl.List | pl.Array):
        return is_nested_dtype(dtype.inner)
    return False


def column_as_text(name: str, dtype: Any, alias: str) -> pl.Expr:
    """An expression giving a typed column as text (null where there is no text)."""
    column = pl.col(name)
    if dtype == pl.Utf8:
        expr = column
    elif dtype == pl.Null or is_nested_dtype(dtype):
        expr = pl.lit(None, dtype=pl.Utf8)
    elif isinstance(dtype, pl.List | pl.Array):
        expr = column.cast(pl.List(pl.Utf8), strict=False).list.join("\n", ignore_nulls=True)
    elif dtype == pl.Binary:
        expr = column.cast(pl.Utf8, strict=False)
    elif dtype.is_float():
        expr = (
            pl.when(column.is_nan() | column.is_infinite())
            .then(pl.lit(None, dtype=pl.Utf8))
            .when((column == column.round(0)) & (column.abs() < 1e16))
            .then(column.cast(pl.Int64).cast(pl.Utf8))
            .otherwise(column.cast(pl.Utf8))
        )
    elif isinstance(dtype, pl.Datetime):
        expr = (
            pl.when(column.dt.time() == dt.time(0, 0))
            .then(column.dt.date().cast(pl.Utf8))
            .otherwise(column.cast(pl.Utf8))
        )
    else:
        expr = column.cast(pl.Utf8, strict=False)
    return expr.alias(alias)
