"""From a reader's raw batch to a canonical batch: fill, truncate, reduce HTML to text, set ids.

Work is done on whole columns; Python runs per row only for the rare rows that need it (HTML
entities beyond the common five, and rows to report).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import polars as pl

from whomade.inputs.columns import CANONICAL_FIELDS, HTML_FIELDS
from whomade.inputs.errors import ErrorSink, RowError

LINE = "_line"
# A reader adds this boolean column when the file's encoding replaced undecodable bytes in a row.
UNDECODABLE = "_undecodable"
REPLACEMENT_CHAR = "\ufffd"

_TAG_BODY = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""
_HIDDEN = "script|style|noscript|template|iframe|object|embed|svg|math"
# Elements whose content is not text (to their end tag, or the end of the value), comments,
# and declarations: one pass.
_INVISIBLE = (
    rf"(?is)<(?:{_HIDDEN})\b{_TAG_BODY}>.*?(?:</(?:{_HIDDEN})\s*>|$)"
    r"|<!--.*?(?:-->|$)|<[!?][^>]*>"
)
_BLOCK_TAG = (
    r"(?i)</?(?:br|p|div|li|ul|ol|tr|td|th|h[1-6]|table|tbody|thead|section|article|header|"
    r"footer|blockquote|hr|dd|dt|dl|pre|address|figure|figcaption|main|nav|aside)\b"
    + _TAG_BODY
    + ">"
)
_ANY_TAG = r"</?[A-Za-z][A-Za-z0-9:-]*" + _TAG_BODY + ">"
# One left-to-right pass, so "&amp;lt;" becomes "&lt;" and not "<".
_COMMON_ENTITIES = {
    "&lt;": "<",
    "&gt;": ">",
    "&quot;": '"',
    "&#39;": "'",
    "&apos;": "'",
    "&nbsp;": " ",
    "&amp;": "&",
}
_COMMON_ENTITY = r"&(?:lt|gt|quot|#39|apos|nbsp|amp);"
_OTHER_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
# What makes a value HTML: a tag, comment or declaration opening, or an entity.
_MARKUP = r"<[A-Za-z/!?]|" + _OTHER_ENTITY


def _strip_tags(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all(_INVISIBLE, " ")
        .str.replace_all(_BLOCK_TAG, " ")
        .str.replace_all(_ANY_TAG, "")
    )


def _unescape_common(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_many(
        list(_COMMON_ENTITIES), list(_COMMON_ENTITIES.values()), leftmost=True
    )


def _tidy_space(expr: pl.Expr) -> pl.Expr:
    # Runs of whitespace, and single whitespace other than a space, become one space (matching
    # every single space would rewrite every word boundary).
    return expr.str.replace_all(r"\s{2,}|[^\S ]", " ").str.strip_chars()


def html_to_text(values: pl.Series) -> pl.Series:
    """Reduce HTML to plain text: script/style contents dropped, tags removed, entities unescaped.

    Text that carries no markup comes back unchanged. Markup that appears only once entities are
    unescaped (``&lt;script&gt;``) is removed too, so no tag survives. Nothing is executed.
    """
    candidates = values.str.contains_any(["<", "&"]).fill_null(False)
    if not candidates.any():
        return values
    index = candidates.arg_true()
    markup = values.gather(index).str.contains(_MARKUP).fill_null(False)
    if not markup.any():
        return values
    index = index.filter(markup)
    frame = pl.DataFrame({"v": values.gather(index)})
    frame = frame.with_columns(_strip_tags(pl.col("v")).alias("v"))
    rare = frame["v"].str.replace_all(_COMMON_ENTITY, "").str.contains(_OTHER_ENTITY)
    frame = frame.with_columns(_unescape_common(pl.col("v")).alias("common"))
    if rare.any():
        rare_index = rare.arg_true()
        unescaped = pl.Series(
            [html.unescape(v) for v in frame["v"].gather(rare_index)], dtype=pl.Utf8
        )
        frame = frame.with_columns(frame["common"].scatter(rare_index, unescaped))
    frame = frame.with_columns(
        pl.when(pl.col("common").str.contains("<", literal=True))
        .then(_strip_tags(pl.col("common")))
        .otherwise(pl.col("common"))
        .pipe(_tidy_space)
        .alias("v")
    )
    return values.clone().scatter(index, frame["v"])  # scatter works in place: not on the input


def _report(
    sink: ErrorSink,
    file: str,
    lines: Sequence[int],
    ids: Sequence[str],
    reasons: Iterable[str],
    field: str,
) -> None:
    for line, record_id, reason in zip(lines, ids, reasons, strict=True):
        sink.add(RowError(file=file, line=line, reason=reason, record_id=record_id, field=field))


def finalize(
    raw: pl.DataFrame,
    *,
    kind: str,
    mapping: dict[str, str],
    file: str,
    sink: ErrorSink,
    max_field_chars: int,
    encoding: str | None,
) -> pl.DataFrame:
    """Turn a reader's raw batch into the canonical batch.

    The raw batch has the mapped canonical columns (maybe null), ``_line`` and, optionally,
    ``_undecodable``. Fields longer than ``max_field_chars`` are truncated and reported; fields
    whose undecodable bytes were replaced with U+FFFD are reported; HTML is reduced to text in
    the fields of HTML_FIELDS; surrounding whitespace is stripped; ``id`` falls back to
    ``row-<_line>``.
    """
    fields = CANONICAL_FIELDS[kind]
    present = [f for f in fields if f in raw.columns]
    frame = raw.with_columns(
        [pl.col(f).cast(pl.Utf8).fill_null("") for f in present] + [pl.col(LINE).cast(pl.Int64)]
    )
    line_ids = pl.lit("row-") + pl.col(LINE).cast(pl.Utf8)
    if "id" in present:
        frame = frame.with_columns(
            pl.when(pl.col("id").str.strip_chars() == "")
            .then(line_ids)
            .otherwise(pl.col("id").str.strip_chars())
            .alias("id")
        )
    else:
        frame = frame.with_columns(line_ids.alias("id"))

    flagged = UNDECODABLE in frame.columns
    checks = frame.select(
        [pl.col(f).str.len_chars().alias(f"len:{f}") for f in present]
        + [
            (pl.col(f).str.contains(REPLACEMENT_CHAR, literal=True) & pl.col(UNDECODABLE))
            .fill_null(False)
            .alias(f"bad:{f}")
            for f in (present if flagged else [])
        ]
    )
    undecodable = "UTF-8" if encoding in (None, "utf-8", "utf-8-sig") else encoding
    fixes = []
    for f in present:
        lengths = checks[f"len:{f}"]
        too_long = lengths > max_field_chars
        if too_long.any():
            rows = frame.filter(too_long)
            _report(
                sink,
                file,
                rows[LINE].to_list(),
                rows["id"].to_list(),
                (
                    f"field {f!r} (column {mapping.get(f, f)!r}) has {n:,} characters; "
                    f"truncated to {max_field_chars:,}"
                    for n in lengths.filter(too_long).to_list()
                ),
                f,
            )
            fixes.append(pl.col(f).str.slice(0, max_field_chars))
        bad = checks[f"bad:{f}"] if flagged else None
        if bad is not None and bad.any():
            rows = frame.filter(bad)
            reason = (
                f"field {f!r} (column {mapping.get(f, f)!r}) holds bytes that are not valid "
                f"{undecodable}; they were replaced with U+FFFD"
            )
            _report(sink, file, rows[LINE].to_list(), rows["id"].to_list(), [reason] * len(rows), f)
    if fixes:
        frame = frame.with_columns(fixes)

    html_fields = [f for f in present if f in HTML_FIELDS[kind]]
    if html_fields:
        frame = frame.with_columns([html_to_text(frame[f]) for f in html_fields])
    frame = frame.with_columns([pl.col(f).str.strip_chars() for f in present if f != "id"])

    missing = [pl.lit("", dtype=pl.Utf8).alias(f) for f in fields if f not in frame.columns]
    if missing:
        frame = frame.with_columns(missing)
    return frame.select([*fields, LINE])
