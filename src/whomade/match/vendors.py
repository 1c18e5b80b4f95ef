"""Signals in supplier records: the supplier's name, its parent and its website.

A supplier record names a legal entity, so its ``name`` is compared with the legal, listed,
former and translated names of the graph's companies (brands and product lines are not legal
entities and are left out) by the shared company-name matcher (:mod:`whomade.match.names`): legal
forms, punctuation, script, word order and acronyms do not count, a distinguishing extra word
does. Subsidiaries and affiliates are not guessed from the name: a supplier matching "Hikvision
USA Inc." is that subsidiary, and the graph's relations lead from it to Hikvision.

The supplier name is also compared with every entry of the current version of each imported
official list (``whomade lists import``); an entry the linker tied to a graph entity gives a
signal on that entity. An entry no graph entity carries gives a signal on the entity standing for
it (:func:`whomade.sources.screening.unlinked_entity_id`), which the screener's graph has for the
vendors kind, when the supplier's name is essentially the entry's (:data:`STRICT_THRESHOLD`): the
list prints nothing else to tell a namesake apart.

The pipeline's contract is the same as the other matchers' (see
:class:`whomade.screen.pipeline.Matcher`); supplier files are small, so the column pre-filter is
"a name, parent or website is filled in".
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from whomade.kb.graph import Graph
from whomade.kb.model import Name
from whomade.match.filled import any_filled, filled_mask
from whomade.match.names import DEFAULT_THRESHOLD, NameIndex, NameMatch
from whomade.match.signals import OneRecordAtATime, Signal, Strength
from whomade.sources.screening import unlinked_entity_id

log = logging.getLogger(__name__)

SCANNED_FIELDS = ("name", "parent", "website")

STRICT_THRESHOLD = 0.95
"""For short names and brand-like aliases (a trade name alone: "Dahua", "Hikvision"): a supplier
that adds words to a trade name may be another company sharing it ("Dahua Electronics
Corporation", a Denied Persons List entry unrelated to Zhejiang Dahua, scores 0.91 against
"Dahua"), so only an essentially equal name counts. The list linker uses the same bar."""

SHORT_NAME_KINDS = frozenset({"short", "brand"})
LEGAL_ENTITY_KINDS = frozenset({"company", "group", "joint_venture", "government_body"})
"""Entity kinds a supplier can be; brands, product lines and storefronts are not legal entities."""

MAX_WEBSITE_CHARS = 2048
_SEARCH_LIMIT = 5
_CACHE_SIZE = 100_000  # distinct supplier names remembered (a file repeats its names)
_T = TypeVar("_T")
_FIELD_KINDS: dict[str, tuple[str, Strength]] = {
    "name": ("vendor_field", "strong"),
    "parent": ("name", "supporting"),
}


@dataclass(frozen=True)
class GraphName:
    """A recorded name of a graph entity that suppliers are matched against."""

    entity: str
    name: Name


@dataclass(frozen=True)
class ListName:
    """A name or alias of an entry in the current version of an imported list."""

    list_id: str
    seq: int
    key: str
    entry_name: str
    name: str
    kind: str
    """``name`` or ``alias``."""
    entities: tuple[str, ...]
    """Graph entities the entry is linked to (empty when unlinked)."""

    @property
    def label(self) -> str:
        return f"{self.list_id} version {self.seq}, entry {self.key} '{self.entry_name}'"


@dataclass(frozen=True)
class ListMatch:
    """A supplier string matching a list entry's name, linked or not."""

    field: str
    text: str
    entry: ListName
    match: NameMatch


def _filled(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def graph_names(graph: Graph) -> list[GraphName]:
    """Names of the graph's legal entities a supplier may carry (no brand or product names)."""
    out = []
    for entity in graph.entities.values():
        if entity.kind not in LEGAL_ENTITY_KINDS:
            continue
        for name in entity.names:
            if name.match and name.kind != "brand":
                out.append(GraphName(entity.id, name))
    return out


def website_host(value: str) -> str | None:
    """The lower-case host of a website field ("https://www.Example.com/x" -> www.example.com)."""
    text = value.strip().lower()
    if not text or len(text) > MAX_WEBSITE_CHARS:
        return None
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.rstrip(".") if host else None


def domain_of(host: str, domains: Iterable[str]) -> str | None:
    """The recorded domain the host belongs to: itself or one of its subdomains."""
    for domain in domains:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


class VendorMatcher(OneRecordAtATime):
    """Every supplier signal extractor, compiled once from the graph and the imported lists."""

    def __init__(
        self,
        graph: Graph,
        list_names: Sequence[ListName] = (),
        *,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.graph = graph
        self.threshold = threshold
        self._graph_names = graph_names(graph)
        self._graph_index = NameIndex(
            (str(i), item.name.name) for i, item in enumerate(self._graph_names)
        )
        self._list_names = list(list_names)
        self._list_index = NameIndex((str(i), item.name) for i, item in enumerate(self._list_names))
        self._domains: dict[str, str] = {}
        for entity in graph.entities.values():
            for domain in entity.domains:
                self._domains.setdefault(domain.strip().lower().rstrip("."), entity.id)
        self._graph_cache: dict[str, list[tuple[GraphName, NameMatch]]] = {}
        self._list_cache: dict[str, list[tuple[ListName, NameMatch]]] = {}

    @property
    def list_names(self) -> tuple[ListName, ...]:
        """The list entry names and aliases this matcher compares suppliers with."""
        return tuple(self._list_names)

    # ------------------------------------------------------------------ candidate scan
    def candidate_mask(self, frame: pl.DataFrame) -> pl.Series:
        """True for every record with a name, parent or website filled in."""
        return filled_mask(frame, SCANNED_FIELDS)

    def is_candidate(self, record: Mapping[str, str]) -> bool:
        """The same test as :meth:`candidate_mask`, for one record."""
        return any_filled(record, SCANNED_FIELDS)

    # ------------------------------------------------------------------ matching
    def entity_matches(self, text: str) -> list[tuple[GraphName, NameMatch]]:
        """The graph names ``text`` matches best: the highest-scoring entity (ties kept), one
        recorded name each. Short names and brand-like names need :data:`STRICT_THRESHOLD`."""
        key = text.strip()
        cached = self._graph_cache.get(key)
        if cached is None:
            best: dict[str, tuple[GraphName, NameMatch]] = {}
            for position, _name, match in self._graph_index.matches(key, self.threshold):
                item = self._graph_names[int(position)]
                if item.name.kind in SHORT_NAME_KINDS and match.score < STRICT_THRESHOLD:
                    continue
                if item.entity not in best or match.score > best[item.entity][1].score:
                    best[item.entity] = (item, match)
            top = max((m.score for _, m in best.values()), default=0.0)
            cached = sorted(
                (v for v in best.values() if v[1].score >= top), key=lambda v: v[0].entity
            )
            self._remember(self._graph_cache, key, cached)
        return cached

    def entry_matches(self, text: str) -> list[tuple[ListName, NameMatch]]:
        """List entry names ``text`` matches, best first, one per entry; aliases need
        :data:`STRICT_THRESHOLD` (lists print short forms as aliases)."""
        key = text.strip()
        cached = self._list_cache.get(key)
        if cached is None:
            seen: set[tuple[str, int, str]] = set()
            cached = []
            for position, _name, match in self._list_index.matches(
                key, self.threshold, limit=_SEARCH_LIMIT
            ):
                item = self._list_names[int(position)]
                if item.kind == "alias" and match.score < STRICT_THRESHOLD:
                    continue
                entry = (item.list_id, item.seq, item.key)
                if entry not in seen:
                    seen.add(entry)
                    cached.append((item, match))
            self._remember(self._list_cache, key, cached)
        return cached

    @staticmethod
    def _remember(cache: dict[str, _T], key: str, value: _T) -> None:
        if len(cache) < _CACHE_SIZE:
            cache[key] = value

    def list_matches(self, record: Mapping[str, str]) -> list[ListMatch]:
        """Every list entry the record's name or parent matches, linked to the graph or not."""
        out: list[ListMatch] = []
        for field in _FIELD_KINDS:
            value = record.get(field) or ""
            if _filled(value):
                out.extend(ListMatch(field, value, e, m) for e, m in self.entry_matches(value))
        return out

    # ------------------------------------------------------------------ signals
    def signals(self, record: Mapping[str, str]) -> list[Signal]:
        """Every signal in one supplier record."""
        found: list[Signal] = []
        for field in _FIELD_KINDS:
            value = record.get(field) or ""
            if not _filled(value):
                continue
            found.extend(self.name_signals(field, value))
            found.extend(self.list_signals(field, value))
        found.extend(self.website_signals(record.get("website") or ""))
        return list(dict.fromkeys(found))

    def name_signals(self, field: str, value: str) -> list[Signal]:
        """The graph entities a name or parent field names."""
        kind, strength = _FIELD_KINDS[field]
        out = []
        for item, match in self.entity_matches(value):
            entity = self.graph.entities[item.entity]
            what = "supplier name" if field == "name" else "supplier's parent"
            out.append(
                Signal(
                    kind=kind,
                    field=field,
                    text=value,
                    span=(0, len(value)),
                    entity=item.entity,
                    rule=f"name_match:{item.name.kind}",
                    score=match.score,
                    strength=strength,
                    explanation=f"the {what} {value!r} matches {entity.display_name}'s "
                    f"{item.name.kind} name {item.name.name!r}: {match.explanation}",
                    sources=tuple(item.name.sources),
                )
            )
        return out

    def list_signals(self, field: str, value: str) -> list[Signal]:
        """Graph entities reached through list entries the value matches: the linked entities,
        or for an unlinked entry the entity standing for it (when the graph has it)."""
        kind, strength = _FIELD_KINDS[field]
        out = []
        # A list repeats an entry once per address: one signal per list, entity and entry name.
        seen: set[tuple[str, str, str]] = set()
        for item, match in self.entry_matches(value):
            if not item.entities:
                signal = self._unlinked_signal(field, value, item, match, seen)
                if signal is not None:
                    out.append(signal)
                continue
            for entity_id in item.entities:
                if entity_id not in self.graph.entities:
                    continue  # linked under another graph version
                repeat = (item.list_id, entity_id, item.entry_name.casefold())
                if repeat in seen:
                    continue
                seen.add(repeat)
                entity = self.graph.entities[entity_id]
                out.append(
                    Signal(
                        kind=kind,
                        field=field,
                        text=value,
                        span=(0, len(value)),
                        entity=entity_id,
                        rule=f"list_entry:{item.list_id}:{item.key}",
                        score=match.score,
                        strength=strength,
                        explanation=f"{value!r} matches the {item.kind} {item.name!r} of "
                        f"{item.label}, which is linked to {entity.display_name}: "
                        f"{match.explanation}",
                    )
                )
        return out

    def _unlinked_signal(
        self,
        field: str,
        value: str,
        item: ListName,
        match: NameMatch,
        seen: set[tuple[str, str, str]],
    ) -> Signal | None:
        """The signal on the entity standing for an unlinked entry, if the name is essentially
        the entry's and the graph has that entity (the vendors kind's screening graph)."""
        entity_id = unlinked_entity_id(item.list_id, item.key)
        if match.score < STRICT_THRESHOLD or entity_id not in self.graph.entities:
            return None
        repeat = (item.list_id, "", item.entry_name.casefold())
        if repeat in seen:
            return None
        seen.add(repeat)
        kind, strength = _FIELD_KINDS[field]
        entity = self.graph.entities[entity_id]
        return Signal(
            kind=kind,
            field=field,
            text=value,
            span=(0, len(value)),
            entity=entity_id,
            rule=f"list_entry:{item.list_id}:{item.key}",
            score=match.score,
            strength=strength,
            explanation=f"{value!r} matches the {item.kind} {item.name!r} of {item.label}, "
            "an entry no graph entity carries, screened by its own name: "
            f"{match.explanation}",
            sources=tuple(entity.sources),
        )

    def website_signals(self, website: str) -> list[Signal]:
        """The entity whose recorded domain the website is on (nothing if no domain is known)."""
        if not self._domains or not _filled(website):
            return []
        host = website_host(website)
        domain = domain_of(host, self._domains) if host else None
        if domain is None:
            return []
        entity = self.graph.entities[self._domains[domain]]
        return [
            Signal(
                kind="vendor_field",
                field="website",
                text=website,
                span=(0, len(website)),
                entity=entity.id,
                rule="domain",
                score=1.0,
                strength="strong",
                explanation=f"the website {website!r} is on {domain}, "
                f"{entity.display_name}'s domain",
                sources=tuple(entity.sources),
            )
        ]


# ---------------------------------------------------------------------- list entries from the DB


def load_list_names(session: Session) -> list[ListName]:
    """Every name and alias of the current version of every imported list, with its links."""
    from whomade.sources.query import current_versions
    from whomade.sources.store import ListEntryLink, ListEntryName, ListEntryRow

    out: list[ListName] = []
    for version in current_versions(session):
        links: dict[str, list[str]] = defaultdict(list)
        for key, entity_id in session.execute(
            select(ListEntryLink.key, ListEntryLink.entity_id).where(
                ListEntryLink.version_id == version.id
            )
        ):
            links[key].append(entity_id)
        entry_names: dict[str, str] = {
            key: name
            for key, name in session.execute(
                select(ListEntryRow.key, ListEntryRow.name).where(
                    ListEntryRow.version_id == version.id
                )
            )
        }
        for key, name, kind in session.execute(
            select(ListEntryName.key, ListEntryName.name, ListEntryName.kind).where(
                ListEntryName.version_id == version.id
            )
        ):
            out.append(
                ListName(
                    list_id=version.list_id,
                    seq=version.seq,
                    key=key,
                    entry_name=entry_names.get(key, name),
                    name=name,
                    kind=kind,
                    entities=tuple(sorted(set(links.get(key, ())))),
                )
            )
    return out


def _database_state(db: str | None) -> tuple[str, tuple[tuple[int, int], ...]] | None:
    """(database location, (version id, link count) of every current version), or None when
    there is no database to read (never creates one)."""
    from whomade.config import resolve_db_path
    from whomade.db import connect

    location = resolve_db_path(db)
    if "://" not in location and not Path(location).is_file():
        return None
    try:
        from whomade.sources.query import current_versions
        from whomade.sources.store import ListEntryLink

        with Session(connect(location)) as session:
            state = []
            for version in current_versions(session):
                count = session.scalar(
                    select(func.count())
                    .select_from(ListEntryLink)
                    .where(ListEntryLink.version_id == version.id)
                )
                state.append((version.id, int(count or 0)))
    except SQLAlchemyError as exc:
        log.warning("list entries not matched: cannot read the database %s (%s)", location, exc)
        return None
    return location, tuple(state)


@cache
def _list_names_at(location: str, state: tuple[tuple[int, int], ...]) -> tuple[ListName, ...]:
    from whomade.db import connect

    if not state:
        return ()
    try:
        with Session(connect(location)) as session:
            return tuple(load_list_names(session))
    except SQLAlchemyError as exc:
        log.warning("list entries not matched: cannot read the database %s (%s)", location, exc)
        return ()


@cache
def _matcher(graph: Graph, location: str, state: tuple[tuple[int, int], ...]) -> VendorMatcher:
    return VendorMatcher(graph, _list_names_at(location, state) if location else ())


def vendor_matcher(graph: Graph, db: str | None = None) -> VendorMatcher:
    """The matcher for a graph and the lists imported into the database (``db``, else
    ``$WHOMADE_DB``, else the default location); built once per graph and list state. Without a
    database or list entries, only graph names and domains are matched."""
    location, state = _database_state(db) or ("", ())
    return _matcher(graph, location, state)
