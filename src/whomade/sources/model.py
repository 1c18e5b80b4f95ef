"""The normalised shape every official list importer yields: one :class:`ListEntry` per list row.

An entry keeps what the official file says (names, aliases, addresses, programs, dates) plus a
``key`` that identifies the same listing across versions and a content hash that ignores what
changes without meaning (URL columns, the order of multi-value cells, spacing), so that diffing two
versions is a comparison of keys and hashes.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Value = str | tuple[str, ...]

_SPACES = re.compile(r"\s+")

# Fields compared by the diff and hashed; ``details`` adds list-specific ones (prefixed ``d.``).
CORE_FIELDS = (
    "source",
    "name",
    "aliases",
    "entity_type",
    "addresses",
    "countries",
    "programs",
    "start_date",
    "end_date",
    "notice",
    "remarks",
)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where an entry came from: the file (as named at import) and the row or element in it."""

    file: str
    locator: str

    def __str__(self) -> str:
        return f"{self.file}, {self.locator}"


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One entry of an official list, normalised.

    ``key`` identifies the listing across versions of the list; ``native_id`` is the list's own
    identifier when it has one (OFAC ``ent_num``; the CSL ``_id``, which for Commerce and State rows
    is a content hash and therefore never used as key). ``links`` holds URL columns: kept for
    display, excluded from the content hash because they change on every release.
    """

    list_id: str
    key: str
    name: str
    citation: Citation
    source: str = ""
    native_id: str | None = None
    aliases: tuple[str, ...] = ()
    entity_type: str | None = None
    addresses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    start_date: str | None = None
    end_date: str | None = None
    notice: str | None = None
    remarks: str | None = None
    details: Mapping[str, Value] = field(default_factory=dict)
    links: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The name followed by the aliases, without repeats."""
        seen = dict.fromkeys(n for n in (self.name, *self.aliases) if n)
        return tuple(seen)

    def content(self) -> dict[str, Value]:
        """The compared fields, normalised: text cleaned, multi-value fields sorted and unique."""
        out: dict[str, Value] = {}
        for name in CORE_FIELDS:
            value = getattr(self, name)
            if value is None or value == "" or value == ():
                continue
            out[name] = normalise_value(value)
        for name, value in self.details.items():
            if value is None or value == "" or value == ():
                continue
            out[f"d.{name}"] = normalise_value(value)
        return out

    def content_hash(self) -> str:
        """A stable digest of :meth:`content`."""
        return content_digest(self.content())

    def to_record(self) -> dict[str, object]:
        """A JSON-ready dict of everything the entry holds (the database stores this)."""
        return {
            "list_id": self.list_id,
            "key": self.key,
            "native_id": self.native_id,
            "source": self.source,
            "name": self.name,
            "aliases": list(self.aliases),
            "entity_type": self.entity_type,
            "addresses": list(self.addresses),
            "countries": list(self.countries),
            "programs": list(self.programs),
            "start_date": self.start_date,
            "end_date": self.end_date,
            "notice": self.notice,
            "remarks": self.remarks,
            "details": {k: list(v) if isinstance(v, tuple) else v for k, v in self.details.items()},
            "links": list(self.links),
            "citation": {"file": self.citation.file, "locator": self.citation.locator},
        }


def clean_text(value: str | None) -> str:
    """NFC text with runs of whitespace collapsed and the ends stripped."""
    if not value:
        return ""
    if value.isascii():  # the common case, kept cheap: lists are mostly ASCII
        if "  " in value or "\n" in value or "\t" in value or "\r" in value:
            return _SPACES.sub(" ", value).strip()
        return value.strip()
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


_SPACE_BEFORE_COMMA = re.compile(r"\s+,")
_EMPTY_PART = re.compile(r",(?:\s*,)+")


def _normalise_scalar(value: str) -> str:
    # Trailing full stops, spaces before commas and empty address parts vary between releases
    # and between the CSV and JSON forms without meaning ("Presumption of denial.",
    # "Sector-F , Business Bay", "Khabarovskiy Krai, , 681000").
    text = clean_text(value)
    if "," in text:
        text = _EMPTY_PART.sub(",", _SPACE_BEFORE_COMMA.sub(",", text))
    return text.rstrip(".").rstrip()


def normalise_value(value: Value) -> Value:
    """The comparison form of a field: cleaned text; tuples sorted and de-duplicated."""
    if isinstance(value, tuple):
        return tuple(sorted({_normalise_scalar(v) for v in value if clean_text(v)}))
    return _normalise_scalar(value)


def content_digest(content: Mapping[str, Value]) -> str:
    """SHA-256 over a canonical JSON form of normalised content."""
    canonical = json.dumps(
        {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(content.items())},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def key_text(value: str | None) -> str:
    """The form of a name or date used inside keys: case-folded, spacing and punctuation relaxed."""
    text = clean_text(value).casefold()
    text = re.sub(r"[\s.,;:'\"()\-]+", " ", text)
    return text.strip()


def split_multi(value: str | None, sep: str = ";") -> tuple[str, ...]:
    """Cells holding several values (``"a; b"``), cleaned and without empty items."""
    if not value:
        return ()
    return tuple(part for part in (clean_text(p) for p in value.split(sep)) if part)


def unique_keys(entries: Iterable[ListEntry], tie_breaker: str = "addresses") -> list[ListEntry]:
    """Entries whose keys are unique within a version.

    Two rows can share a content key (the same name listed twice with different addresses). Such
    keys get the first address appended, and remaining ties an ordinal, so a version never holds two
    entries under one key.
    """
    from dataclasses import replace

    items = list(entries)
    counts: dict[str, int] = {}
    for entry in items:
        counts[entry.key] = counts.get(entry.key, 0) + 1
    if all(n == 1 for n in counts.values()):
        return items
    first_pass: list[ListEntry] = []
    for entry in items:
        if counts[entry.key] > 1:
            extra = getattr(entry, tie_breaker, ())
            first = key_text(sorted(extra)[0]) if extra else ""
            entry = replace(entry, key=f"{entry.key}|{first}")
        first_pass.append(entry)
    seen: dict[str, int] = {}
    out: list[ListEntry] = []
    for entry in first_pass:
        seen[entry.key] = seen.get(entry.key, 0) + 1
        if seen[entry.key] > 1:
            entry = replace(entry, key=f"{entry.key}#{seen[entry.key]}")
        out.append(entry)
    return out
