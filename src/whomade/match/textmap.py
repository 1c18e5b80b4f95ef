"""Folding that remembers where each folded character came from: spans point into the original."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FFFF
        or 0x3040 <= code <= 0x30FF
    )


@dataclass(frozen=True)
class FoldedText:
    """``folded`` is NFKC, case-folded text with every run of non-word characters as one space;
    ``origin[i]`` is the index in the original text of folded character ``i``."""

    original: str
    folded: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded characters ``[start, end)``."""
        return self.origin[start], self.origin[end - 1] + 1

    def at_word_boundaries(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` is not glued to letters or digits on either side.

        Chinese and Japanese text has no spaces, so a CJK match needs no boundary.
        """
        text = self.folded
        if _is_cjk(text[start]) or _is_cjk(text[end - 1]):
            return True
        before = start == 0 or not text[start - 1].isalnum() or _is_cjk(text[start - 1])
        after = end == len(text) or not text[end].isalnum() or _is_cjk(text[end])
        return before and after


_ASCII_WORD = re.compile(r"[a-z0-9]+")


def _fold_ascii(text: str) -> FoldedText:
    lower = text.lower()
    spans = [m.span() for m in _ASCII_WORD.finditer(lower)]
    origin: list[int] = []
    for start, end in spans:
        if origin:
            origin.append(start - 1)
        origin += range(start, end)
    return FoldedText(text, " ".join(lower[s:e] for s, e in spans), tuple(origin))


def fold_with_origin(text: str) -> FoldedText:
    """Fold ``text`` like :func:`whomade.text.fold`, keeping the origin of every character."""
    if text.isascii():
        return _fold_ascii(text)
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKC", char).casefold():
            if piece.isalnum():
                out.append(piece)
                origin.append(index)
            elif out and out[-1] != " ":
                out.append(" ")
                origin.append(index)
    while out and out[-1] == " ":
        out.pop()
        origin.pop()
    return FoldedText(text, "".join(out), tuple(origin))


def fold_key(text: str) -> str:
    """The folded form used as an automaton key."""
    return fold_with_origin(text).folded


_PART_NUMBER = re.compile(r"(?=[a-z0-9]*[a-z])(?=(?:[a-z]*[0-9]){4})[a-z0-9]{6,}")


def without_part_numbers(folded: FoldedText) -> FoldedText | None:
    """The text with manufacturer part numbers taken out ("honor 51092mqb 7s" → "honor 7s"), origins
    kept; None when there is none. Retailers put such codes between a brand and its model name."""
    if _PART_NUMBER.search(folded.folded) is None:
        return None
    keep = list(range(len(folded.folded)))
    removed = False
    for match in _PART_NUMBER.finditer(folded.folded):
        start, end = match.span()
        if folded.at_word_boundaries(start, end):
            # The code and the space after it go; the names around it meet.
            drop = set(range(start, min(end + 1, len(folded.folded))))
            keep = [i for i in keep if i not in drop]
            removed = True
    if not removed:
        return None
    text = "".join(folded.folded[i] for i in keep).strip()
    origin = tuple(folded.origin[i] for i in keep[: len(text)])
    return FoldedText(folded.original, text, origin)
