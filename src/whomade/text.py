"""Text folding shared by every stage: case, width and punctuation never decide a match."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """NFKC (full-width to ASCII), case-folded, punctuation runs as one space, trimmed."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def compact(text: str) -> str:
    """:func:`fold` without spaces: a lookup key for names written with or without spaces."""
    return fold(text).replace(" ", "")
