"""Company-name matching: do two strings name the same legal entity?

The matcher reads a company name the way Chinese company names are built by law (place of
registration, trade name, industry words, organisational form) and the way English renderings of
them follow the same order ("Hangzhou | Hikvision | Digital Technology | Co., Ltd."):

* legal forms are dropped in every script: rigour's org-type database for "Co., Ltd.", "GmbH",
  "ООО", "有限公司"…, plus the few Chinese forms it lacks (股份有限公司, 公司, …);
* rigour's org tagger marks industry words (技术 = Technology = TECH), places (浙江 = Zhejiang)
  and roles (Holding, Group) as language-independent symbols, so 中兴通讯 and "Zhongxing
  Telecommunication" share the COMMS symbol;
* Chinese text is cut into words by ICU and transliterated to pinyin by normality, so 大华 reads
  as "dahua"; prefecture-level cities come from python-stdnum's table of Chinese divisions;
* every remaining word weighs by how rare it is among ~30,000 real company names (the IEEE
  registry copy shipped in python-stdnum): a rare extra word ("Device", "Scale", "Symantec")
  means another company, a common one ("Digital") barely matters.

The score is the matched weight over matched plus unmatched weight, so a distinguishing extra
token always lowers it; two names stating different industries ("Logistics" / "Shipping") weigh
those words as distinguishing. An acronym matches the words it spells (ZTE = Zhongxing
Telecommunication Equipment). Each result carries nomenklatura-style features and one sentence.

Spelling cannot connect "Hikvision" with "海康威视": :class:`KnownNames` matches two strings
through recorded names of one entity (the CLI takes them from the knowledge graph).
:class:`NameIndex` matches many records against many names: blocking keys find candidates,
:func:`score_bound` (an upper bound of the score) drops most of them, and only the rest are
compared.
"""

from __future__ import annotations

import enum
import gc
import importlib.resources
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from typing import NamedTuple

import icu
from normality import ascii_text
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rigour.names import NameTypeTag, SymbolCategory, analyze_names
from rigour.text.normalize import Normalize, normalize

DEFAULT_THRESHOLD = 0.7
"""Decision threshold: at least 70 % of the identity weight of the two names is shared (matched
weight at least 7:3 against unmatched); yente uses the same default for its matchers."""

MAX_NAME_CHARS = 1000
"""Longer strings are not company names (pasted documents, binary junk) and never match."""

ACRONYM_SCORE = 0.9
"""An acronym that spells out every word of the other name: strong but not certain evidence."""

KNOWN_NAME_LINK = 0.9
"""A string stands for a recorded name only when it is essentially that name: chains compound
errors, so each link of "a ~ recorded name ~ entity ~ recorded name ~ b" must be strong."""

CONTRACTION_SIMILARITY = 0.85
"""'Hikrobot' for 'Hikvision Robot': a clipped word glued to the next one."""


class Kind(enum.Enum):
    """What a word contributes to a company's identity."""

    NAME = "name"  # trade name or any word rigour does not know
    DESCRIPTOR = "descriptor"  # untranslated Chinese word after the trade name
    DOMAIN = "industry"  # rigour DOMAIN symbol: technology, 通讯, electronics
    GENERIC = "generic"  # other rigour org symbols: network, systems, trading
    ROLE = "role"  # holding, group: a different entity in the same group
    LOCATION = "place"
    LEGAL = "legal form"
    STOP = "stopword"


_DOMAIN_WEIGHT = 0.1
_CONFLICT_WEIGHT = 0.5  # an industry word when the other name states a different industry
_GENERIC_WEIGHT = 0.15
# An untranslated Chinese word after the trade name (数字, 终端, 控股) may be generic or may name
# another company; its weight is the mean weight of the words after the first distinctive word
# in a sample of 3,000 IEEE registry names (0.70): most such words are distinctive.
_DESCRIPTOR_WEIGHT = 0.7
_LEADING_PLACE_WEIGHT = 0.05  # "Zhejiang Dahua" = "Dahua": the place of registration
_OTHER_PLACE_WEIGHT = 0.8  # "Hytera US", "Dahua Technology USA": a regional subsidiary
_ROLE_WEIGHTS = {"HOLDING": 0.8, "GRP": 0.3}
_LEGAL_SYMBOLS = {"CO", "CORP"}  # rigour tags "Company"/"Corporation" as symbols, not forms
_MIN_WEIGHT = 0.1
# A word in at least 1 % of company names is generic; in 0.02 % or fewer, fully distinctive.
_GENERIC_SHARE = 0.01
_RARE_SHARE = 0.0002
_KEY_MIN_WEIGHT = 0.3
_BOUND_SLACK = 0.001  # scores are rounded to four decimals
_ACRONYM_CORE_LETTERS = 3  # letters of an acronym from words that are not optional

# Organisational forms of Chinese, Japanese and Korean names that rigour's database lacks or
# that ICU splits off ("股份有限公司" -> 股份 | 有限公司). The organisational form is the last
# element of a Chinese company name (企业名称登记管理规定); Japanese forms per the Companies Act.
_CJK_LEGAL_FORMS = frozenset(
    {
        "有限公司",
        "股份有限公司",
        "有限责任公司",
        "有限責任公司",
        "股份",
        "公司",
        "总公司",
        "總公司",
        "株式会社",
        "有限会社",
        "合同会社",
        "合資会社",
        "合名会社",
        "주식회사",
        "유한회사",
    }
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
_BRACKETS = re.compile(r"[(\[{（【]([^()\[\]{}（）【】]*)[)\]}）】]")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class NameFeature:
    """One matcher feature, nomenklatura style: what was observed and how much it counts."""

    name: str
    score: float
    explanation: str


@dataclass(frozen=True)
class NameMatch:
    """The verdict on a pair of names with the features that decided it."""

    score: float
    is_match: bool
    features: tuple[NameFeature, ...]
    explanation: str


class Term(NamedTuple):
    """One word (or merged words) of a parsed name."""

    text: str  # as written, case-folded
    latin: str  # comparable Latin form without spaces
    kind: Kind
    weight: float
    symbols: frozenset[str] = frozenset()
    leading: bool = False
    cjk: bool = False


@dataclass(frozen=True)
class ParsedName:
    """A name cut into terms; ``variants`` holds the main form and any bracketed alias."""

    original: str
    normalized: str
    variants: tuple[tuple[Term, ...], ...]
    problem: str | None = None


# --------------------------------------------------------------------------- reference data


@cache
def _document_frequencies() -> tuple[Counter[str], int]:
    """Word document frequencies over the IEEE registry names shipped with python-stdnum."""
    text = importlib.resources.files("stdnum").joinpath("oui.dat").read_text(encoding="utf-8")
    names = set(re.findall(r' o="([^"]*)"', text))
    frequencies: Counter[str] = Counter()
    for name in names:
        frequencies.update(set(_fold(name).split()))
    return frequencies, max(len(names), 1)


@lru_cache(maxsize=200_000)
def term_weight(word: str) -> float:
    """How much a word says about identity: 0.1 for generic words up to 1.0 for rare ones."""
    frequencies, total = _document_frequencies()
    share = (frequencies.get(word, 0) + 1) / total
    span = math.log(_GENERIC_SHARE) - math.log(_RARE_SHARE)
    weight = (math.log(_GENERIC_SHARE) - math.log(share)) / span
    return min(1.0, max(_MIN_WEIGHT, weight))


@cache
def _chinese_places() -> dict[str, str]:
    """Provinces and prefecture-level cities of China, Chinese form and pinyin -> pinyin."""
    text = importlib.resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    places: dict[str, str] = {}
    entry = re.compile(r'^(\s*)(\d+) (?:province|county)="(?:\[[^\]]*\])?([^"]+)"')
    for line in text.splitlines():
        match = entry.match(line)
        if not match:
            continue
        indent, code, name = match.groups()
        prefecture = indent and code.endswith("00") and code != "0000"
        if indent and not prefecture:
            continue
        base = re.sub(r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市)$", "", name)
        if base == name or len(base) < 2 or base in {"市辖", "县"}:
            continue
        pinyin = _pinyin(base)
        places[base] = pinyin
        places[pinyin] = pinyin
    return places


@lru_cache(maxsize=65536)
def _pinyin(text: str) -> str:
    """Latin transliteration without spaces (大华 -> dahua, Ромашка -> romaska)."""
    return re.sub(r"[^a-z0-9]+", "", ascii_text(text).casefold())


@cache
def _word_breaker() -> icu.BreakIterator:
    return icu.BreakIterator.createWordInstance(icu.Locale.getRoot())


def _segment(run: str) -> list[str]:
    """ICU dictionary word segmentation of a CJK run (trade names fall apart into characters)."""
    breaker = _word_breaker()
    breaker.setText(run)
    pieces, start = [], 0
    for end in breaker:
        pieces.append(run[start:end])
        start = end
    return [p for p in pieces if p.strip()]


# --------------------------------------------------------------------------- parsing


def _fold(text: str) -> str:
    folded = normalize(text, Normalize.NFKC | Normalize.CASEFOLD | Normalize.NAME)
    return folded or ""


def _check(name: str) -> str | None:
    if len(name) > MAX_NAME_CHARS:
        return f"name is longer than {MAX_NAME_CHARS} characters ({len(name)})"
    if not _LETTER.search(name):
        return "name has no letters" if name.strip() else "name is empty"
    return None


def _cjk_words(run: str) -> list[tuple[str, bool]]:
    """A CJK run as words, each flagged when it belongs to the leading trade name.

    The trade name is the first run of words after the place that the dictionary does not
    know as one word: single characters, or one dictionary word standing first (荣耀, 比亚迪).
    """
    words = _segment(run)
    marked: list[tuple[str, bool]] = []
    places = _chinese_places()
    index = 0
    while index < len(words) and (words[index] in places or _is_tagged_place(words[index])):
        marked.append((words[index], False))
        index += 1
    trade: list[str] = []
    while index < len(words):
        word = words[index]
        known = word in _CJK_LEGAL_FORMS or _symbol_of(word) is not None
        if known or (len("".join(trade)) >= 2 and len(word) >= 2):
            break
        trade.append(word)
        index += 1
    if trade:
        marked.append(("".join(trade), True))
    marked.extend((word, False) for word in words[index:])
    return marked


@lru_cache(maxsize=4096)
def _symbol_of(word: str) -> str | None:
    for name in analyze_names(NameTypeTag.ORG, [word], consolidate=False, phonetics=False):
        for span in name.spans:
            if span.symbol.category in (
                SymbolCategory.DOMAIN,
                SymbolCategory.SYMBOL,
                SymbolCategory.ORG_CLASS,
                SymbolCategory.LOCATION,
            ):
                return f"{span.symbol.category.value}:{span.symbol.id}"
    return None


def _is_tagged_place(word: str) -> bool:
    symbol = _symbol_of(word)
    return symbol is not None and symbol.startswith("LOC:")


def _prepare(text: str) -> tuple[str, set[str]]:
    """Folded text with CJK runs cut into words; also which words are CJK trade names."""
    trade_names: set[str] = set()

    def cut(match: re.Match[str]) -> str:
        words = _cjk_words(match.group(0))
        trade_names.update(word for word, is_trade in words if is_trade)
        return " " + " ".join(word for word, _ in words) + " "

    folded = normalize(text, Normalize.NFKC | Normalize.CASEFOLD | Normalize.SQUASH_SPACES) or ""
    return _CJK.sub(cut, folded), trade_names


def _classify(symbols: set[str], legal_tag: bool, word: str) -> tuple[Kind, str | None]:
    if legal_tag or word in _CJK_LEGAL_FORMS:
        return Kind.LEGAL, None
    if not symbols:
        return Kind.NAME, None
    return _classify_symbols(frozenset(symbols))


@lru_cache(maxsize=4096)
def _classify_symbols(symbols: frozenset[str]) -> tuple[Kind, str | None]:
    ids = {s.split(":", 1)[1] for s in symbols if s.startswith("SYMBOL:")}
    if any(s.startswith("ORGCLS:") for s in symbols) or ids & _LEGAL_SYMBOLS:
        return Kind.LEGAL, None
    if any(s.startswith("LOC:") for s in symbols):
        return Kind.LOCATION, None
    for role in _ROLE_WEIGHTS:
        if role in ids:
            return Kind.ROLE, role
    if any(s.startswith("DOMAIN:") for s in symbols):
        return Kind.DOMAIN, None
    if ids:
        return Kind.GENERIC, None
    return Kind.NAME, None


_KEPT_CATEGORIES = {
    SymbolCategory.DOMAIN: "DOMAIN",
    SymbolCategory.SYMBOL: "SYMBOL",
    SymbolCategory.ORG_CLASS: "ORGCLS",
    SymbolCategory.LOCATION: "LOC",
}


def _terms(text: str) -> tuple[Term, ...]:
    prepared, trade_names = _prepare(text)
    analysed = analyze_names(NameTypeTag.ORG, [prepared], consolidate=False, phonetics=False)
    if not analysed:
        return ()
    name = next(iter(analysed))
    # Read the Rust objects once: every attribute access builds a new Python object.
    parts = [(p.form, p.comparable, p.tag.value) for p in name.parts]
    symbols: list[set[str]] = [set() for _ in parts]
    merged_end: dict[int, int] = {}
    for span in name.spans:
        symbol = span.symbol
        prefix = _KEPT_CATEGORIES.get(symbol.category)
        if prefix is None:
            continue
        indexes = [p.index for p in span.parts]
        for index in indexes:
            symbols[index].add(f"{prefix}:{symbol.id}")
        if len(indexes) > 1 and prefix != "ORGCLS":
            merged_end[min(indexes)] = max(indexes)
    places = _chinese_places()
    raw: list[tuple[str, str, set[str], bool, bool]] = []
    index = 0
    while index < len(parts):
        end = merged_end.get(index, index)
        group = parts[index : end + 1]
        text_form = " ".join(form for form, _, _ in group)
        cjk = _CJK.search(text_form) is not None
        latin = _pinyin(text_form) if cjk else "".join(c for _, c, _ in group).replace(" ", "")
        tags = symbols[index] if end == index else set().union(*symbols[index : end + 1])
        legal = any(tag == "LEGAL" for _, _, tag in group)
        if not tags and not legal and (text_form in places or latin in places):
            tags = {f"LOC:cn-{places.get(text_form, latin)}"}
        if not all(tag == "STOP" for _, _, tag in group):
            raw.append((text_form, latin, tags, legal, cjk))
        index = end + 1
    raw = _merge_split_places(raw, places)
    terms: list[Term] = []
    seen_name = False
    for text_form, latin, tags, legal, cjk in raw:
        kind, role = _classify(tags, legal, text_form)
        if kind is Kind.NAME and cjk and text_form not in trade_names:
            kind = Kind.DESCRIPTOR
        leading = kind is Kind.LOCATION and not seen_name
        seen_name = seen_name or kind in (Kind.NAME, Kind.DOMAIN, Kind.DESCRIPTOR)
        weight = _weight(kind, role, latin, leading)
        terms.append(Term(text_form, latin, kind, weight, frozenset(tags), leading, cjk))
    return tuple(terms)


def _merge_split_places(
    raw: list[tuple[str, str, set[str], bool, bool]], places: dict[str, str]
) -> list[tuple[str, str, set[str], bool, bool]]:
    """'Shen Zhen' written as two words is still the city Shenzhen."""
    out: list[tuple[str, str, set[str], bool, bool]] = []
    index = 0
    while index < len(raw):
        if index + 1 < len(raw) and not raw[index][2] and not raw[index + 1][2]:
            joined = raw[index][1] + raw[index + 1][1]
            if joined in places and not raw[index][4]:
                text_form = f"{raw[index][0]} {raw[index + 1][0]}"
                out.append((text_form, joined, {f"LOC:cn-{joined}"}, False, False))
                index += 2
                continue
        out.append(raw[index])
        index += 1
    return out


def _weight(kind: Kind, role: str | None, latin: str, leading: bool) -> float:
    if kind is Kind.NAME:
        return term_weight(latin)
    if kind is Kind.LOCATION:
        return _LEADING_PLACE_WEIGHT if leading else _OTHER_PLACE_WEIGHT
    if kind is Kind.ROLE:
        return _ROLE_WEIGHTS.get(role or "", _GENERIC_WEIGHT)
    if kind is Kind.DOMAIN:
        return _DOMAIN_WEIGHT
    if kind is Kind.GENERIC:
        return _GENERIC_WEIGHT
    if kind is Kind.DESCRIPTOR:
        return _DESCRIPTOR_WEIGHT
    return 0.0


def _is_alias(inner: Sequence[Term], main: Sequence[Term]) -> bool:
    """A bracketed part repeats the name ("… Co., Ltd. (Hikvision)") or is its acronym (CETC).

    Anything else in brackets ("(UK)", "(Shenzhen)", "(Europe)") qualifies the name and stays in
    it: "Huawei Technologies (UK) Co., Ltd." is not "Huawei Technologies Co., Ltd.".
    """
    words = [t for t in inner if t.kind is not Kind.LEGAL]
    if not words or not main:
        return bool(words)
    if _acronym_of(inner, main):
        return True
    known = {t.latin for t in main} | {s for t in main for s in t.symbols}
    return all(t.latin in known or t.symbols & known for t in words)


def _variants(text: str) -> tuple[tuple[Term, ...], ...]:
    """The name (with qualifying brackets kept inline), then each bracketed alias."""
    without = _BRACKETS.sub(" ", text)
    main = _terms(without) if _LETTER.search(without) else ()
    aliases: list[tuple[Term, ...]] = []

    def keep_or_drop(match: re.Match[str]) -> str:
        inner = _terms(match.group(1)) if _LETTER.search(match.group(1)) else ()
        if _is_alias(inner, main):
            aliases.append(inner)
            return " "
        return f" {match.group(1)} "

    inline = _BRACKETS.sub(keep_or_drop, text)
    if inline.split() != without.split():
        main = _terms(inline)
    variants = [main] if main else []
    variants.extend(a for a in aliases if a and a not in variants)
    return tuple(variants)


@lru_cache(maxsize=200_000)
def parse_name(name: str) -> ParsedName:
    """Cut a name into weighted terms (cached); a problem is set for unusable input."""
    problem = _check(name)
    if problem:
        return ParsedName(name, "", (), problem)
    variants = _variants(name)
    main = variants[0] if variants else ()
    normalized = " ".join(t.latin for t in main if t.kind is not Kind.LEGAL)
    return ParsedName(name, normalized, variants)


def normalize_name(name: str) -> str:
    """Case-folded, width-folded, punctuation-free name without legal forms, in Latin script.

    "Hytera Communications Co .,ltd" -> "hytera communications";
    "浙江大华技术股份有限公司" -> "zhejiang dahua jishu". A bracketed alias is dropped.
    """
    return parse_name(name).normalized


# --------------------------------------------------------------------------- blocking keys


@dataclass(frozen=True)
class KeyProfile:
    """What an index needs to know about one variant of a name.

    ``keys`` are posted in an index and ``lookups`` looked up in one. The rest, computed on
    first use, serves :func:`score_bound`: ``distinctive`` words must find a partner for a match,
    and ``forms`` (the Latin forms of every word, legal forms and 2-3 word runs included),
    ``tails`` and ``spelling`` keys are what could be that partner.
    """

    terms: tuple[Term, ...]
    keys: frozenset[str]
    lookups: frozenset[str]
    acronyms: frozenset[str]  # the name as an acronym: "zte"
    initials: frozenset[str]  # acronyms the name's words spell

    def prepare(self) -> None:
        """Compute the bound data now (an index does it once for every name it holds)."""
        for _ in (self.total, self.distinctive, self.reach):
            pass

    @cached_property
    def _words(self) -> list[Term]:
        return [t for t in self.terms if t.kind not in (Kind.LEGAL, Kind.STOP)]

    @cached_property
    def _runs(self) -> list[list[str]]:
        words = self._words
        runs: list[list[str]] = [[] for _ in words]
        for width in (2, 3):
            for start in range(len(words) - width + 1):
                joined = "".join(t.latin for t in words[start : start + width])
                for index in range(start, start + width):
                    runs[index].append(joined)
        return runs

    @cached_property
    def total(self) -> float:
        return sum(t.weight for t in self._words)

    @cached_property
    def distinctive(self) -> tuple[DistinctiveWord, ...]:
        """Every word that counts (legal forms aside), with the keys it could be matched by."""
        words = self._words
        return tuple(
            _distinctive_word(t, self._runs[i], words[i + 1].latin if i + 1 < len(words) else "")
            for i, t in enumerate(words)
            if t.weight > 0
        )

    @cached_property
    def forms(self) -> frozenset[str]:
        return frozenset({t.latin for t in self.terms if t.latin}.union(*self._runs))

    @cached_property
    def tails(self) -> frozenset[str]:
        """Endings of our words that a contraction could keep ("robot" of "hikrobot")."""
        return frozenset(t.latin[cut:] for t in self.terms for cut in range(3, len(t.latin) - 1))

    @cached_property
    def spelling(self) -> frozenset[str]:
        return frozenset().union(*(_spelling_keys(t.latin) for t in self.terms))

    @cached_property
    def reach(self) -> frozenset[str]:
        """Our forms ("f:"), word endings ("t:"), spelling keys and symbols ("y:") as one set."""
        return frozenset(
            {f"f:{form}" for form in self.forms}
            | {f"t:{tail}" for tail in self.tails}
            | {f"y:{symbol}" for t in self.terms for symbol in t.symbols}
        ).union(self.spelling)

    def reaches(self, word: DistinctiveWord) -> bool:
        """Whether the word could find a partner among our words (see DistinctiveWord)."""
        return not word.probe.isdisjoint(self.reach)


@dataclass(frozen=True)
class DistinctiveWord:
    """A word and the keys under which the matcher could pair it.

    ``probe`` holds as "f:" keys the word, its runs with neighbours ("hao teng" = "haoteng"),
    its endings (it may contract "hik(vision) robot") and its beginnings glued to the next word
    (it may be the clipped head of such a contraction); as a "t:" key the word itself (it may
    be the tail of a contraction); its rigour symbols ("y:"); and the keys a misspelling shares
    with it.
    """

    weight: float
    latin: str
    probe: frozenset[str]


def _distinctive_word(term: Term, runs: Sequence[str], following: str) -> DistinctiveWord:
    latin = term.latin
    forms = {latin, *runs}
    forms.update(latin[cut:] for cut in range(3, len(latin) - 1))
    if following:
        forms.update(latin[:cut] + following for cut in range(3, len(latin)))
    probe = {f"f:{form}" for form in forms} | {f"t:{latin}"} | _spelling_keys(latin)
    probe.update(f"y:{symbol}" for symbol in term.symbols)
    return DistinctiveWord(term.weight, latin, frozenset(probe))


def _spelling_keys(latin: str) -> set[str]:
    """Keys that a spelling variant within the matcher's allowance shares with a word: one
    deletion each (one edit), or the first or last four letters (two edits, long words).
    Runs of words are compared exactly only: a misspelt word written apart is not reached."""
    keys = _deletion_keys(latin)
    if len(latin) >= 7:  # two edits away from a word of nine letters
        keys.update((f"p:{latin[:4]}", f"e:{latin[-4:]}"))
    return keys


def _typo_keys(latin: str) -> tuple[set[str], set[str]]:
    """(keys to post, keys to look up) so that two words one edit apart meet exactly once:
    the word itself ("w:"), each one-letter deletion ("x:"), and each deletion with its position
    ("s:") for substitutions."""
    posted = {f"w:{latin}"}
    wanted = {f"w:{latin}", f"x:{latin}"}
    if len(latin) >= 6:
        for i in range(len(latin)):
            shorter = latin[:i] + latin[i + 1 :]
            posted.update((f"x:{shorter}", f"s:{shorter}:{i}"))
            wanted.update((f"w:{shorter}", f"s:{shorter}:{i}"))
    return posted, wanted


def _deletion_keys(latin: str) -> set[str]:
    """The word and every one-letter deletion of it: two words one edit apart share one."""
    if len(latin) < 5:  # a five-letter word is one edit away from a six-letter one
        return set()
    keys = {f"d:{latin}"}
    if len(latin) >= 6:
        keys.update(f"d:{latin[:i]}{latin[i + 1 :]}" for i in range(len(latin)))
    return keys


def _is_optional(term: Term) -> bool:
    """Words an acronym may skip: legal forms, roles (Group, Holding), the leading place."""
    return term.kind in (Kind.LEGAL, Kind.ROLE) or term.leading


def _acronyms(terms: Sequence[Term]) -> set[str]:
    """Every acronym :func:`_acronym_of` accepts for these words (optional words in or out)."""
    words = [t for t in terms if t.kind is not Kind.STOP]
    if len(words) < 3 or any(t.cjk or not t.latin for t in words):
        return set()
    optional = [i for i, t in enumerate(words) if _is_optional(t)]
    if len(optional) > 6 or len(words) - len(optional) < _ACRONYM_CORE_LETTERS:
        return set()
    found = set()
    for mask in range(1 << len(optional)):
        skipped = {optional[bit] for bit in range(len(optional)) if mask >> bit & 1}
        acronym = "".join(t.latin[0] for i, t in enumerate(words) if i not in skipped)
        if len(acronym) <= 8:
            found.add(acronym)
    return found


def _is_distinctive(term: Term) -> bool:
    return term.kind is Kind.NAME and term.weight >= _KEY_MIN_WEIGHT


def _key_profile(terms: tuple[Term, ...]) -> KeyProfile:
    words = [t for t in terms if t.kind not in (Kind.LEGAL, Kind.STOP)]
    keys: set[str] = set()
    lookups: set[str] = set()
    for term in words:
        if _is_distinctive(term):
            posted, wanted = _typo_keys(term.latin)
            keys.update(posted)
            lookups.update(wanted)
    for first, second in itertools.pairwise(words):
        if first.kind is Kind.NAME or second.kind is Kind.NAME:
            keys.add(f"w:{first.latin}{second.latin}")
    if len(words) == 1 and words[0].latin.isalpha() and 3 <= len(words[0].latin) <= 8:
        keys.add(f"a:{words[0].latin}")
    keys.update(f"i:{acronym}" for acronym in _acronyms(terms))
    if not any(k.startswith("w:") for k in keys):
        # Nothing distinctive ("Petrochemical Industries Development"): every word is a key.
        for term in words:
            if term.latin:
                posted, wanted = _typo_keys(term.latin)
                keys.update(posted)
                lookups.update(wanted)
    keys = {k for k in keys if len(k) > 2}
    # An acronym looks for initials and vice versa; word keys look for themselves.
    swap = {"a:": "i:", "i:": "a:"}
    lookups.update(swap.get(k[:2], k[:2]) + k[2:] for k in keys if not k.startswith(("x:", "s:")))
    return KeyProfile(
        terms=terms,
        keys=frozenset(keys),
        lookups=frozenset(lookups),
        acronyms=frozenset(k[2:] for k in keys if k.startswith("a:")),
        initials=frozenset(k[2:] for k in keys if k.startswith("i:")),
    )


@lru_cache(maxsize=65536)
def key_profiles(name: str) -> tuple[KeyProfile, ...]:
    """One :class:`KeyProfile` per variant of the name (main form, bracketed aliases)."""
    return tuple(_key_profile(terms) for terms in parse_name(name).variants)


def name_keys(name: str) -> set[str]:
    """Blocking keys: distinctive words (pinyin for Chinese), their one-letter deletions,
    joined word pairs, acronyms.

    Two names that can match share at least one key, except when every distinctive word is
    misspelt by two letters or more.
    """
    return set().union(*(p.keys for p in key_profiles(name)))


def score_bound(left: KeyProfile, right: KeyProfile, floor: float = 0.0) -> float:
    """The highest score the two names can reach: an upper bound of :func:`compare_names`.

    A word the other name cannot reach stays unmatched; every other word is
    assumed to match perfectly; an acronym meeting the other name's initials lifts it to 1.
    Once the bound falls below ``floor`` it is returned as it stands (still an upper bound).
    """
    if (left.acronyms and not left.acronyms.isdisjoint(right.initials)) or (
        right.acronyms and not right.acronyms.isdisjoint(left.initials)
    ):
        return 1.0
    if not left.total or not right.total:
        return 1.0  # a name of legal forms only is compared as plain text
    alone = 0.0
    reach = right.reach
    for word in left.distinctive:
        if word.probe.isdisjoint(reach):
            alone += word.weight
    if alone:
        matched = (left.total + right.total - alone) / 2
        if matched / (matched + alone) < floor:
            return matched / (matched + alone)
    reach = left.reach
    for word in right.distinctive:
        if word.probe.isdisjoint(reach):
            alone += word.weight
    matched = (left.total + right.total - alone) / 2
    total = matched + alone
    return matched / total if total else 1.0


# --------------------------------------------------------------------------- comparison


def _string_similarity(a: str, b: str) -> float:
    """1.0 for equal words, 1 - edits/length within 1 edit (6-8 letters) or 2 (9+), else 0.

    Shorter words get no allowance: one letter turns one pinyin trade name into another
    (Lijia, Litia; Hytec, Hytera).
    """
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    allowed = 0 if longest < 6 else 1 if longest < 9 else 2
    if allowed == 0:
        return 0.0
    distance = Levenshtein.distance(a, b, score_cutoff=allowed)
    return 1.0 - distance / longest if distance <= allowed else 0.0


@dataclass
class _Pair:
    left: tuple[int, ...]
    right: tuple[int, ...]
    similarity: float
    how: str


def _pair_how(a: Term, b: Term) -> str:
    shared = sorted(a.symbols & b.symbols)
    if a.latin != b.latin and shared and a.kind is b.kind:
        return f"same meaning: {shared[0].split(':', 1)[1]}"
    if a.cjk != b.cjk:
        return "transliteration"
    return "same word" if a.latin == b.latin else "spelling variant"


def _word_similarity(a: Term, b: Term) -> float:
    """Same word, same rigour symbol (technology = 技术), or a spelling variant; roles exact."""
    if a.latin == b.latin:
        return 1.0
    if a.kind is b.kind and a.kind is not Kind.NAME and a.symbols & b.symbols:
        return 1.0
    if a.kind is Kind.ROLE or b.kind is Kind.ROLE or abs(len(a.latin) - len(b.latin)) > 2:
        return 0.0
    return _string_similarity(a.latin, b.latin)


def _runs(terms: Sequence[Term]) -> list[tuple[int, int, str]]:
    """(start, width, joined Latin) for every 2- and 3-word run without a legal form."""
    runs: list[tuple[int, int, str]] = []
    for start in range(len(terms) - 1):
        for width in (2, 3):
            run = terms[start : start + width]
            if len(run) == width and all(t.kind is not Kind.LEGAL for t in run):
                runs.append((start, width, "".join(t.latin for t in run)))
    return runs


def _candidate_pairs(left: Sequence[Term], right: Sequence[Term]) -> list[_Pair]:
    pairs: list[_Pair] = []
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            similarity = _word_similarity(a, b)
            if similarity > 0:
                pairs.append(_Pair((i,), (j,), similarity, _pair_how(a, b)))
    for flipped, (one, other) in enumerate(((left, right), (right, left))):
        words = [(i, a) for i, a in enumerate(one) if a.kind is Kind.NAME]
        if not words or len(other) < 2:
            continue
        for start, width, joined in _runs(other):
            for i, a in words:
                similarity, how = 0.0, "words written together"
                if abs(len(a.latin) - len(joined)) <= 2:
                    similarity = _string_similarity(a.latin, joined)
                if not similarity and width == 2:
                    first, second = other[start], other[start + 1]
                    if _is_contraction(a, first, second):
                        similarity, how = CONTRACTION_SIMILARITY, "contraction"
                if not similarity:
                    continue
                if a.cjk != other[start].cjk:
                    how = "transliteration"
                span = tuple(range(start, start + width))
                pair = (
                    _Pair(span, (i,), similarity, how)
                    if flipped
                    else _Pair((i,), span, similarity, how)
                )
                pairs.append(pair)
    return pairs


def _is_contraction(word: Term, first: Term, second: Term) -> bool:
    """'hikrobot' = 'hik(vision)' + 'robot': a clipped distinctive word glued to the next."""
    if not word.latin.endswith(second.latin):
        return False
    head = word.latin[: len(word.latin) - len(second.latin)]
    return (
        first.kind is Kind.NAME
        and not first.cjk
        and 3 <= len(head) < len(first.latin)
        and first.latin.startswith(head)
    )


@dataclass
class _Alignment:
    score: float
    matched: list[tuple[_Pair, float]] = field(default_factory=list)
    left_only: list[Term] = field(default_factory=list)
    right_only: list[Term] = field(default_factory=list)
    ignored: list[Term] = field(default_factory=list)


def _align(left: Sequence[Term], right: Sequence[Term]) -> _Alignment:
    """Greedy one-to-one alignment, best similarity first; then weighted overlap."""
    pairs = sorted(
        _candidate_pairs(left, right),
        key=lambda p: (-p.similarity, -(len(p.left) + len(p.right)), p.left, p.right),
    )
    used_left: set[int] = set()
    used_right: set[int] = set()
    alignment = _Alignment(0.0)
    matched_weight = unmatched = 0.0
    for pair in pairs:
        if used_left & set(pair.left) or used_right & set(pair.right):
            continue
        used_left.update(pair.left)
        used_right.update(pair.right)
        weight = max(left[i].weight for i in pair.left) + max(right[j].weight for j in pair.right)
        contribution = pair.similarity * weight / 2
        matched_weight += contribution
        alignment.matched.append((pair, contribution))
        # The unexplained part of a near match counts against it, so "Hikvison" is not exact.
        unmatched += (1 - pair.similarity) * weight / 2
    for terms, used, bucket in (
        (left, used_left, alignment.left_only),
        (right, used_right, alignment.right_only),
    ):
        for index, term in enumerate(terms):
            if index in used:
                continue
            if term.kind is Kind.LEGAL:
                alignment.ignored.append(term)
            else:
                bucket.append(term)
    if _industries_conflict(left, right, alignment):
        for bucket in (alignment.left_only, alignment.right_only):
            bucket[:] = [
                t._replace(weight=max(t.weight, _CONFLICT_WEIGHT)) if t.kind is Kind.DOMAIN else t
                for t in bucket
            ]
    unmatched += sum(t.weight for t in alignment.left_only + alignment.right_only)
    total = matched_weight + unmatched
    alignment.score = matched_weight / total if total else 0.0
    return alignment


def _industries_conflict(
    left: Sequence[Term], right: Sequence[Term], alignment: _Alignment
) -> bool:
    """Both names state an industry and no industry word matches ("Liberty Logistics" vs
    "Liberty Shipping"): two lines of business, so the industry words distinguish them."""
    if not any(t.kind is Kind.DOMAIN for t in alignment.left_only) or not any(
        t.kind is Kind.DOMAIN for t in alignment.right_only
    ):
        return False
    return not any(
        any(left[i].kind is Kind.DOMAIN for i in pair.left)
        and any(right[j].kind is Kind.DOMAIN for j in pair.right)
        for pair, _ in alignment.matched
    )


def _acronym_of(short: Sequence[Term], long: Sequence[Term]) -> str | None:
    """The words of ``long`` that ``short`` (one word) abbreviates, if it spells all of them.

    Each letter is the initial of one word in order; legal forms, roles and the leading place may
    be skipped, every other word must be spelled (ZTE = Zhongxing Telecommunication Equipment,
    CETC = China Electronics Technology [Group] Corporation).
    """
    words = [t for t in short if t.kind is not Kind.LEGAL]
    if len(words) != 1 or words[0].cjk:
        return None
    acronym = words[0].latin
    if not (acronym.isalpha() and 3 <= len(acronym) <= 8):
        return None
    expansion = [t for t in long if not t.cjk and t.latin]
    if len(expansion) < len(acronym) or any(t.cjk for t in long):
        return None

    @cache
    def spell(letter: int, word: int) -> tuple[int, ...] | None:
        if word == len(expansion):
            return () if letter == len(acronym) else None
        term = expansion[word]
        skippable = _is_optional(term)
        if letter < len(acronym) and term.latin[0] == acronym[letter]:
            rest = spell(letter + 1, word + 1)
            if rest is not None:
                return (word, *rest)
        return spell(letter, word + 1) if skippable else None

    used = spell(0, 0)
    if not used or sum(not _is_optional(expansion[i]) for i in used) < _ACRONYM_CORE_LETTERS:
        return None
    return " ".join(expansion[i].text for i in used)


@dataclass
class _Comparison:
    score: float
    features: list[NameFeature]
    sentence: str


def _compare_text(a: str, b: str, what: str) -> _Comparison:
    """Fallback for names with nothing but legal forms or unparseable words: plain similarity."""
    score = round(fuzz.ratio(a, b) / 100, 4) if a and b else 0.0
    text = f"names made only of {what}: '{a}' vs '{b}' compared as text"
    return _Comparison(score, [NameFeature("text_similarity", score, text)], text)


def _describe_terms(terms: Iterable[Term]) -> str:
    return ", ".join(f"'{t.text}'" for t in terms)


def _compare_variants(left: Sequence[Term], right: Sequence[Term]) -> _Comparison:
    if all(t.kind is Kind.LEGAL for t in left) or all(t.kind is Kind.LEGAL for t in right):
        return _compare_text(
            " ".join(t.latin for t in left), " ".join(t.latin for t in right), "legal forms"
        )
    aligned = _compare_aligned(left, right)
    for short, long in ((left, right), (right, left)):
        expansion = _acronym_of(short, long)
        if expansion and aligned.score < ACRONYM_SCORE:
            word = next(t.text for t in short if t.kind is not Kind.LEGAL)
            text = f"'{word}' is the acronym of '{expansion}'"
            return _Comparison(ACRONYM_SCORE, [NameFeature("acronym", ACRONYM_SCORE, text)], text)
    return aligned


def _compare_aligned(left: Sequence[Term], right: Sequence[Term]) -> _Comparison:
    alignment = _align(left, right)
    features: list[NameFeature] = []
    shared = [
        (p, c) for p, c in alignment.matched if any(left[i].kind is Kind.NAME for i in p.left)
    ]
    legal = [
        (p, c)
        for p, c in alignment.matched
        if all(left[i].kind is Kind.LEGAL for i in p.left)
        and all(right[j].kind is Kind.LEGAL for j in p.right)
    ]
    others = [(p, c) for p, c in alignment.matched if (p, c) not in shared and (p, c) not in legal]
    for pair, _ in legal:
        alignment.ignored.extend(left[i] for i in pair.left)
        alignment.ignored.extend(right[j] for j in pair.right)

    def show(pair: _Pair) -> str:
        a = " ".join(left[i].text for i in pair.left)
        b = " ".join(right[j].text for j in pair.right)
        return f"'{a}'" if a == b else f"'{a}' ~ '{b}' ({pair.how})"

    if shared:
        text = "; ".join(show(p) for p, _ in shared)
        features.append(NameFeature("name_parts_match", sum(c for _, c in shared), text))
    if others:
        text = "; ".join(show(p) for p, _ in others)
        features.append(NameFeature("generic_parts_match", sum(c for _, c in others), text))
    extra = alignment.left_only + alignment.right_only
    distinguishing = [t for t in extra if t.weight >= _KEY_MIN_WEIGHT]
    minor = [t for t in extra if t.weight < _KEY_MIN_WEIGHT]
    if distinguishing:
        text = "only in one name: " + ", ".join(
            f"'{t.text}' ({t.kind.value}, weight {t.weight:.2f})" for t in distinguishing
        )
        features.append(
            NameFeature("distinguishing_parts", -sum(t.weight for t in distinguishing), text)
        )
    if minor:
        text = "only in one name, little weight: " + ", ".join(
            f"'{t.text}' ({t.kind.value})" for t in minor
        )
        features.append(NameFeature("generic_parts_extra", -sum(t.weight for t in minor), text))
    if alignment.ignored:
        forms = sorted({t.text for t in alignment.ignored})
        features.append(NameFeature("legal_forms_ignored", 0.0, ", ".join(forms)))
    score = round(alignment.score, 4)
    if shared:
        sentence = f"share {'; '.join(show(p) for p, _ in shared)}"
        if distinguishing:
            sentence += f", but {_describe_terms(distinguishing)} distinguish them"
        elif minor:
            sentence += f"; {_describe_terms(minor)} are generic"
    elif distinguishing:
        sentence = f"no distinctive word in common ({_describe_terms(distinguishing)} differ)"
    elif others:
        sentence = f"share only generic words: {'; '.join(show(p) for p, _ in others)}"
    else:
        sentence = "no word in common"
    return _Comparison(score, features, sentence)


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if (len(a), a) <= (len(b), b) else (b, a)


def compare_parsed(
    left: ParsedName,
    right: ParsedName,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    known: KnownNames | None = None,
) -> NameMatch:
    """Compare two parsed names (see :func:`compare_names`)."""
    match = _compare_strings(left, right, threshold)
    if known is None or match.is_match or left.problem or right.problem:
        return match
    pivot = known.common_entity(left.original, right.original, max(threshold, KNOWN_NAME_LINK))
    if pivot is None or pivot[0] <= match.score:
        return match
    score, entity, (left_name, left_score), (right_name, right_score) = pivot
    text = (
        f"both are recorded names of '{entity}': '{left.original}' ~ '{left_name}' "
        f"({left_score:.2f}), '{right.original}' ~ '{right_name}' ({right_score:.2f})"
    )
    features = (NameFeature("known_names", score, text), *match.features)
    explanation = f"same entity ({score:.2f}): {text}"
    return NameMatch(score, score >= threshold, features, explanation)


def _compare_strings(left: ParsedName, right: ParsedName, threshold: float) -> NameMatch:
    for parsed in (left, right):
        if parsed.problem:
            text = f"'{parsed.original[:60]}': {parsed.problem}"
            return NameMatch(0.0, False, (NameFeature("unusable_name", 0.0, text),), text)
    if left.original.strip() == right.original.strip():
        text = "identical strings"
        return NameMatch(1.0, threshold <= 1.0, (NameFeature("identical", 1.0, text),), text)
    best: _Comparison | None = None
    best_variants = ("", "")
    for i, lv in enumerate(left.variants):
        for j, rv in enumerate(right.variants):
            result = _compare_variants(lv, rv)
            if best is None or result.score > best.score:
                best, best_variants = result, (_variant_label(left, i), _variant_label(right, j))
    if best is None:
        best = _compare_text(_fold(left.original), _fold(right.original), "stopwords")
    features = list(best.features)
    for label in best_variants:
        if label:
            features.append(NameFeature("bracketed_alias", 0.0, f"compared the alias '{label}'"))
    if any(t.cjk for v in (*left.variants, *right.variants) for t in v):
        features.append(
            NameFeature(
                "transliteration",
                0.0,
                "Chinese words read in pinyin, industry words "
                "and places compared as rigour symbols",
            )
        )
    score = min(1.0, max(0.0, best.score))
    verdict = "same entity" if score >= threshold else "different entities"
    explanation = f"{verdict} ({score:.2f}): {best.sentence}"
    if any(best_variants):
        explanation += f" [alias {' / '.join(v for v in best_variants if v)}]"
    return NameMatch(score, score >= threshold, tuple(features), explanation)


def _variant_label(parsed: ParsedName, index: int) -> str:
    if index == 0:
        return ""
    return " ".join(t.text for t in parsed.variants[index])


def compare_names(
    a: str, b: str, *, threshold: float = DEFAULT_THRESHOLD, known: KnownNames | None = None
) -> NameMatch:
    """Score whether two company names denote the same legal entity (symmetric, 0..1).

    Legal forms, case, width and punctuation are ignored in every script; Chinese names are
    compared through pinyin and rigour's language-independent symbols; word order does not
    matter; an acronym matches the words it spells; any extra word weighs by its rarity, so
    "Huawei Technologies" vs "Huawei Device" falls below the threshold. With ``known`` (recorded
    names of entities), two strings that match recorded names of the same entity match too.
    """
    first, second = _ordered(a, b)
    return compare_parsed(parse_name(first), parse_name(second), threshold=threshold, known=known)


# --------------------------------------------------------------------------- index


class NameIndex:
    """Many names indexed by blocking keys, for matching many records fast.

    A candidate shares a key with the query; :func:`score_bound` drops those whose shared words
    cannot reach the threshold and orders the rest, so the full comparison runs on few, best
    first, and stops once no remaining bound can beat the results found.
    """

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._ids: list[str] = []
        self._names: list[str] = []
        self._profiles: list[tuple[KeyProfile, ...]] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for key_id, name in items:
            if parse_name(name).problem:
                continue
            position = len(self._ids)
            profiles = key_profiles(name)
            self._ids.append(key_id)
            self._names.append(name)
            self._profiles.append(profiles)
            for profile in profiles:
                profile.prepare()
            for key in set().union(*(p.keys for p in profiles)):
                postings[key].append(position)
        self._postings = dict(postings)

    def __len__(self) -> int:
        return len(self._ids)

    def _bounded(self, name: str, threshold: float) -> list[tuple[float, int]]:
        """(bound, position) of indexed names sharing a key with ``name``, best bound first."""
        profiles = key_profiles(name)
        found: set[int] = set()
        for key in set().union(*(p.lookups for p in profiles)):
            found.update(self._postings.get(key, ()))
        if not found:
            return []
        bounds: list[tuple[float, int]] = []
        for position in found:
            floor = threshold - _BOUND_SLACK
            bound = max(
                (score_bound(q, c, floor) for q in profiles for c in self._profiles[position]),
                default=0.0,
            )
            if bound >= threshold - _BOUND_SLACK:
                bounds.append((bound, position))
        bounds.sort(key=lambda item: (-item[0], item[1]))
        return bounds

    def candidates(self, name: str, threshold: float = DEFAULT_THRESHOLD) -> list[int]:
        """Positions of indexed names that share keys with ``name`` and can reach ``threshold``,
        highest bound first."""
        return [position for _, position in self._bounded(name, threshold)]

    def matches(
        self, name: str, threshold: float, limit: int | None = None
    ) -> list[tuple[str, str, NameMatch]]:
        """Indexed (key_id, name, match) at or above ``threshold``, best first.

        With ``limit`` (a number of key_ids), a candidate is not compared when its bound cannot
        beat the ``limit``-th best key_id found so far, nor its own key_id's best (ties with
        those may be left out).
        """
        if parse_name(name).problem:
            return []
        results: list[tuple[str, str, NameMatch]] = []
        best: dict[str, float] = {}
        floor = threshold
        for bound, position in self._bounded(name, threshold):
            key_id = self._ids[position]
            if limit is not None:
                if len(best) >= limit and bound < floor:
                    break
                if best.get(key_id, -1.0) >= bound:
                    continue
            first, second = _ordered(name, self._names[position])
            match = compare_parsed(parse_name(first), parse_name(second), threshold=threshold)
            if match.score < threshold:
                continue
            results.append((key_id, self._names[position], match))
            best[key_id] = max(best.get(key_id, 0.0), match.score)
            if limit is not None and len(best) >= limit:
                floor = sorted(best.values(), reverse=True)[limit - 1]
        results.sort(key=lambda r: (-r[2].score, r[0], r[1]))
        return results

    def search(
        self, name: str, *, limit: int = 5, threshold: float = DEFAULT_THRESHOLD
    ) -> list[tuple[str, NameMatch]]:
        """The best match per key_id for ``name`` at or above ``threshold``, best first."""
        seen: set[str] = set()
        unique: list[tuple[str, NameMatch]] = []
        for key_id, _, match in self.matches(name, threshold, limit=limit):
            if key_id not in seen:
                seen.add(key_id)
                unique.append((key_id, match))
        return unique[:limit]

    def search_many(
        self, names: Iterable[str], *, limit: int = 1, threshold: float = DEFAULT_THRESHOLD
    ) -> Iterator[list[tuple[str, NameMatch]]]:
        """:meth:`search` for each name in turn (a repeated name is answered from memory).

        Meanwhile the garbage collector runs less often: every collection walks the index's
        many long-lived objects, and a batch allocates many short-lived ones.
        """
        thresholds = gc.get_threshold()
        gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
        seen: dict[str, list[tuple[str, NameMatch]]] = {}
        try:
            for name in names:
                found = seen.get(name)
                if found is None:
                    found = self.search(name, limit=limit, threshold=threshold)
                    if len(seen) < 100_000:
                        seen[name] = found
                yield found
        finally:
            gc.set_threshold(*thresholds)


class KnownNames:
    """Recorded names of entities (legal, short, former, translated), e.g. from the graph.

    Two strings that each match a recorded name of the same entity denote that entity: this
    is how "Hikvision" meets "海康威视", which no spelling rule can connect. Brands are not
    legal entities and should not be given here.
    """

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        self._index = NameIndex(names)

    def __len__(self) -> int:
        return len(self._index)

    def entities(self, name: str, threshold: float) -> dict[str, tuple[str, float]]:
        """Entity id -> (best recorded name, score) for recorded names ``name`` matches."""
        found: dict[str, tuple[str, float]] = {}
        for entity, recorded, match in self._index.matches(name, threshold):
            found.setdefault(entity, (recorded, match.score))
        return found

    def common_entity(
        self, a: str, b: str, threshold: float
    ) -> tuple[float, str, tuple[str, float], tuple[str, float]] | None:
        """(score, entity, (name, score) for a, (name, score) for b) of the best shared entity.

        The score of the chain is its weaker link.
        """
        left = self.entities(a, threshold)
        right = self.entities(b, threshold)
        shared = sorted(
            ((min(left[e][1], right[e][1]), e) for e in left.keys() & right.keys()),
            key=lambda item: (-item[0], item[1]),
        )
        if not shared:
            return None
        score, entity = shared[0]
        return score, entity, left[entity], right[entity]
