"""Company-name forms for screening list entries by name and linking them to graph entities.

A stop-gap until ``whomade.match.names`` (the shared name matcher) exists: when it does, its
``normalize`` is used instead (see :func:`matching_form`). The rules here: case, punctuation and
spacing do not count; legal forms do not count in any script (rigour's org-type tables, plus the
Chinese suffixes and the English words the tables keep); other scripts are compared as written and
also via an ASCII transliteration.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from normality import ascii_text
from rigour.names import normalize_name, remove_org_types

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")
_GENERIC_FORMS = {
    "company",
    "corporation",
    "co",
    "corp",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "plc",
}
_NON_WORD = re.compile(r"[^\w]+")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")


@lru_cache(maxsize=65536)
def matching_form(name: str) -> str:
    """The form two names must share to be the same company name (empty if nothing is left).

    "Hangzhou Hikvision Digital Technology Co., Ltd." and "HANGZHOU HIKVISION DIGITAL TECHNOLOGY
    CO LTD" share one form; "Dahua Electronics Corporation" and "Dahua Technology" do not.
    """
    text = unicodedata.normalize("NFKC", name).replace("?", "").replace("&", " and ")
    if _CJK.search(text):
        compact = _NON_WORD.sub("", text)
        for form in _CJK_FORMS:
            if compact.endswith(form) and len(compact) > len(form):
                compact = compact[: -len(form)]
                break
        return compact
    normal = normalize_name(text) or ""
    stripped = remove_org_types(normal) if normal else ""
    latin = ascii_text(stripped) or ""
    words = [w for w in _NON_WORD.sub(" ", latin.lower()).split() if w not in _GENERIC_FORMS]
    return " ".join(words)


def name_variants(name: str) -> tuple[str, ...]:
    """The name and the forms lists print around it: without parentheses ("X (Hikvision)"),
    and without a trailing ", City, Province" after a legal form (Entity List style)."""
    variants = [name]
    bare = _PARENTHESES.sub("", name).strip()
    if bare and bare != name and all(_is_short_name(inner, bare) for inner in _brackets(name)):
        variants.append(bare)
    for candidate in list(variants):
        trimmed = _trim_place_suffix(candidate)
        if trimmed and trimmed not in variants:
            variants.append(trimmed)
    return tuple(variants)


_BRACKET_TEXT = re.compile(r"\(([^)]*)\)")


def _brackets(name: str) -> list[str]:
    return [inner.strip() for inner in _BRACKET_TEXT.findall(name)]


def _is_short_name(inner: str, rest: str) -> bool:
    """Whether a bracketed text is a short name of the rest ("Huawei Technologies Co., Ltd.
    (Huawei)", "Xinjiang Uighur Autonomous Region (XUAR) ..."), not a part that tells companies
    apart ("Huawei Technologies (Australia) Pty Ltd.")."""
    inner_words = _NON_WORD.sub(" ", inner.lower()).split()
    rest_words = _NON_WORD.sub(" ", rest.lower()).split()
    if not inner_words:
        return True
    if set(inner_words) <= set(rest_words):
        return True
    letters = inner.replace(".", "").replace(" ", "")
    initials = "".join(w[0] for w in rest_words)
    return len(letters) >= 2 and letters.isupper() and letters.lower() in initials


_LEGAL_END = re.compile(
    r"^(?P<head>.*?\b(?:Co\.,? Ltd\.?|Ltd\.?|Limited|LLC|Inc\.?|Corporation|Corp\.?|Company))"
    r"(?P<tail>(?:,\s*[A-Z][\w' -]*){1,3})\.?$"
)


def _trim_place_suffix(name: str) -> str | None:
    match = _LEGAL_END.match(name.strip())
    if not match:
        return None
    return match.group("head").strip()
