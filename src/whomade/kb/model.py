"""The knowledge graph's typed model: sources, entities, relations, identifiers, lists, listings.

Every fact carries ``sources`` (ids into the source registry) and optional ``evidence`` quotes. The
loader records where each fact was written (``origin``) so validation can name file and line.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

Confidence = Literal["high", "medium", "low"]
Context = Literal["marketplace", "procurement", "federal", "shopper"]
CONTEXTS: tuple[Context, ...] = ("marketplace", "procurement", "federal", "shopper")

EntityKind = Literal[
    "company", "brand", "product_line", "storefront", "government_body", "joint_venture", "group"
]
Predicate = Literal[
    "subsidiary_of",
    "brand_of",
    "affiliate_of",
    "formerly_owned_by",
    "oem_for",
    "white_label_of",
    "successor_of",
]
RelationStatus = Literal["established", "reported", "alleged", "community_observation"]
IdentifierKind = Literal[
    "model_pattern", "fcc_grantee", "oui_registrant", "banner", "domain", "usb_vendor"
]
Strength = Literal["decisive", "strong", "supporting", "weak"]

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@lru_cache(maxsize=4096)
def parse_partial_date(value: str) -> tuple[dt.date, dt.date]:
    """The first and last day a partial ISO date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) covers."""
    match = _PARTIAL_DATE.match(value)
    if not match:
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    year = int(match[1])
    if match[3]:
        day = dt.date(year, int(match[2]), int(match[3]))
        return day, day
    if match[2]:
        month = int(match[2])
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, 1), dt.date(year, month, last)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _coerce_date(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return value


class Origin(BaseModel):
    """Where a fact was written: a data file and a line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class Evidence(BaseModel):
    """A short quote from, or a pointer into, a source."""

    model_config = ConfigDict(extra="forbid")

    source: str
    quote: str | None = None
    locator: str | None = None


class Fact(BaseModel):
    """Anything the graph asserts: it must cite at least one source."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    notes: str | None = None
    _origin: Origin | None = PrivateAttr(default=None)
    _cited: tuple[str, ...] | None = PrivateAttr(default=None)

    @property
    def origin(self) -> Origin | None:
        return self._origin

    def cited(self) -> list[str]:
        """Every source id this fact rests on, in order, without repeats."""
        # Facts are not changed once loaded; every finding that cites one asks again.
        if self._cited is None:
            seen: dict[str, None] = dict.fromkeys(self.sources)
            for item in self.evidence:
                seen.setdefault(item.source, None)
            self._cited = tuple(seen)
        return list(self._cited)


class Dated(BaseModel):
    """A validity window of partial ISO dates, both ends inclusive; ``None`` is open."""

    valid_from: str | None = None
    valid_to: str | None = None

    @field_validator("valid_from", "valid_to", mode="before")
    @classmethod
    def _dates_as_text(cls, value: object) -> object:
        return _coerce_date(value)

    def window(self) -> tuple[dt.date | None, dt.date | None]:
        start = parse_partial_date(self.valid_from)[0] if self.valid_from else None
        end = parse_partial_date(self.valid_to)[1] if self.valid_to else None
        return start, end

    def valid_at(self, when: dt.date) -> bool:
        start, end = self.window()
        return (start is None or start <= when) and (end is None or when <= end)


class Source(BaseModel):
    """A citation: an official document, a filing, a reference data set, a news page..."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    url: str | None = None
    document: str | None = None
    publisher: str | None = None
    date: str | None = None
    kind: str | None = None
    reliability: Confidence | None = None
    locator: str | None = None
    seen_via: str | None = None
    notes: str | None = None
    _origin: Origin | None = PrivateAttr(default=None)

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        return _coerce_date(value)

    @property
    def origin(self) -> Origin | None:
        return self._origin


class Name(Fact, Dated):
    """One name of an entity in one language and script."""

    name: str
    lang: str = "en"
    script: Literal["Latn", "Hans", "Hant", "Cyrl", "Arab", "Other"] = "Latn"
    kind: Literal[
        "legal", "list_name", "short", "brand", "variant", "former", "transliteration"
    ] = "variant"
    match: bool = True
    """Whether screening may use this name as an alias (false for generic words)."""


class Entity(Fact):
    """A company, brand, product line, storefront or government body."""

    id: str
    kind: EntityKind = "company"
    role: str | None = None
    family_root: bool = False
    """A root restricted entity whose id is reported in a finding's ``families``."""
    country: str | None = None
    names: list[Name]
    domains: list[str] = Field(default_factory=list)
    facts: list[OwnershipNote] = Field(default_factory=list)

    @property
    def display_name(self) -> str:
        for kind in ("short", "brand", "legal", "list_name"):
            for name in self.names:
                if name.kind == kind and name.script == "Latn":
                    return name.name
        return self.names[0].name if self.names else self.id

    @property
    def legal_name(self) -> str:
        for name in self.names:
            if name.kind == "legal" and name.script == "Latn":
                return name.name
        return self.display_name


class OwnershipNote(Fact):
    """A dated statement about an entity (ownership shares, state control...)."""

    fact: str
    valid_at: str | None = None
    confidence: Confidence = "medium"
    disagrees_with: list[str] = Field(default_factory=list)

    @field_validator("valid_at", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        return _coerce_date(value)


class Relation(Fact, Dated):
    """``subject predicate object`` during ``[valid_from, valid_to]``."""

    id: str
    subject: str
    predicate: Predicate
    object: str
    confidence: Confidence
    status: RelationStatus = "established"
    valid_to_status: Literal["known", "unknown", "open"] | None = None
    scope: Literal["all", "some"] = "all"
    """``some``: the relation holds for some products only (some Honeywell cameras are Dahua-made),
    so a match on the brand alone is a lead for review, never a finding."""
    disagrees_with: list[str] = Field(default_factory=list)


class Identifier(Fact):
    """Something in a record that points at an entity: a model grammar, an FCC grantee code..."""

    id: str
    kind: IdentifierKind
    entity: str
    pattern: str | None = None
    """A regular expression (Python syntax, matched case-insensitively) for patterns and banners."""
    value: str | None = None
    """A literal value: an FCC grantee code, an IEEE registrant name, a domain, a USB vendor id."""
    field: str | None = None
    """For banners: the record field the pattern reads (``http_server``, ``rtsp_server``...)."""
    what: str | None = None
    examples: list[str] = Field(default_factory=list)
    must_not_match: list[str] = Field(default_factory=list)
    strength: Strength = "strong"
    corroboration_required: bool = False
    confidence: Confidence = "medium"
    ieee_registries: list[Literal["MA-L", "MA-M", "MA-S", "IAB"]] = Field(default_factory=list)
    """For an ``oui_registrant``: the IEEE registries holding its blocks, when known. A registry
    the checker lacks (netaddr ships MA-L and IAB only) cannot confirm such a name."""


class Meaning(BaseModel):
    """What a listing means for one user context."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["prohibited", "high", "medium", "low", "info"]
    text: str
    sources: list[str] = Field(default_factory=list)


class OfficialFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    format: str | None = None
    what: str | None = None
    importer: str | None = None


class RestrictionList(Fact):
    """A government list and what being on it means for each kind of user."""

    id: str
    name: str
    short_name: str
    authority: str
    legal_basis: str | None = None
    official_files: list[OfficialFile] = Field(default_factory=list)
    reach: Literal["listed_names", "subsidiaries_and_affiliates", "date_dependent"]
    reach_note: str | None = None
    effect: str | None = None
    meanings: dict[Context, Meaning]


class Listing(Fact):
    """An entity's membership of a list, with dates and the rule or notice."""

    id: str
    entity: str
    list: str
    listed_as: str | None = None
    added: str | None = None
    removed: str | None = None
    notice: str | None = None
    scope: str | None = None
    confidence: Confidence = "high"

    @field_validator("added", "removed", mode="before")
    @classmethod
    def _dates_as_text(cls, value: object) -> object:
        return _coerce_date(value)

    def active_at(self, when: dt.date) -> bool:
        if self.added and parse_partial_date(self.added)[0] > when:
            return False
        return not (self.removed and parse_partial_date(self.removed)[0] <= when)


class Product(Fact):
    """A product model sold under a brand, with the date it was launched.

    A product's launch date, not the listing's date, decides which company made it: an HONOR 8X
    (launched 2018) was a Huawei product even when it is listed today.
    """

    id: str
    entity: str
    """The brand or company the product is sold under (resolution starts here)."""
    name: str
    aliases: list[str] = Field(default_factory=list)
    model_codes: list[str] = Field(default_factory=list)
    released: str
    confidence: Confidence = "medium"

    @field_validator("released", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        return _coerce_date(value)


def unique_ids(items: Iterable[BaseModel]) -> list[str]:
    return [getattr(item, "id", "") for item in items]


Entity.model_rebuild()
