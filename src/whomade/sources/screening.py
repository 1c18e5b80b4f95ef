"""Listings from imported official lists, for screening.

The knowledge graph's curated ``listings`` say which entities are on which restriction list. The
imported official lists say it too, row by row: every entry of a list's current version that is
linked to a graph entity by name (:mod:`whomade.sources.linking`, same-name links only, never the
fuzzy matcher's) becomes a :class:`~whomade.kb.model.Listing` on the graph list that official
list feeds, citing the file and row it came from. Screening then sees official membership even
where nobody curated it, and a list update changes verdicts (``whomade lists impact``).

Which graph list an official row feeds is data below (:data:`GRAPH_LISTS`); rows of a list
without a graph list (OFAC's non-SDN programs other than NS-CMIC) feed none.

Entries no graph entity carries are still screenable by name: for supplier screening
(:data:`SCREENED_BY_NAME`) every such entry of a list that feeds a graph list becomes an entity of
its own (:func:`unlinked_entity_id`), named as the list prints it and listed on that graph list,
so a supplier matching the entry's name is restricted on the official row alone. Catalog and device
screening never get them: tens of thousands of list names as product-title aliases would flood
every title.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from whomade.kb.model import Entity, Evidence, Listing, Name, Source, parse_partial_date
from whomade.sources import lists
from whomade.sources.importer import VersionInfo
from whomade.sources.linking import is_same_name_link
from whomade.sources.query import current_versions
from whomade.sources.store import ListEntryLink, ListEntryRow, ListVersion

if TYPE_CHECKING:
    from whomade.kb import Graph

CMIC_PROGRAM = "CMIC-EO13959"

SCREENED_BY_NAME = frozenset({"vendors"})
"""Screening kinds whose graph also carries the entries no graph entity carries."""

NOT_A_SUPPLIER = frozenset({"vessel", "aircraft", "category"})
"""Entry types that cannot be a supplier (ships, planes, the FCC's equipment categories)."""

UNLINKED_NOTE = (
    "imported from the official file; no graph entity carries this entry, so it is screened by "
    "the names the list prints"
)

# (list id, entry source code) → graph list; "*" matches any source of that list.
GRAPH_LISTS: Mapping[tuple[str, str], str] = {
    ("csl", "EL"): "us_entity_list",
    ("csl", "CMIC"): "ofac_ns_cmic",
    ("csl", "NS-CMIC"): "ofac_ns_cmic",
    ("csl", "DPL"): "us_denied_persons",
    ("csl", "SDN"): "ofac_sdn",
    ("dpl", "*"): "us_denied_persons",
    ("sdn", "*"): "ofac_sdn",
    ("el", "*"): "us_entity_list",
    ("fcc", "*"): "fcc_covered_list",
    ("uflpa", "*"): "dhs_uflpa",
    ("1260h", "*"): "dod_1260h",
}


def graph_list_for(list_id: str, source: str, programs: Sequence[str] = ()) -> str | None:
    """The graph restriction list an official entry feeds, or ``None``.

    OFAC's consolidated (non-SDN) file holds several programs; only its NS-CMIC rows (program
    ``CMIC-EO13959``) feed the graph's NS-CMIC list.
    """
    if list_id == "cons":
        return "ofac_ns_cmic" if CMIC_PROGRAM in programs else None
    return GRAPH_LISTS.get((list_id, source)) or GRAPH_LISTS.get((list_id, "*"))


@dataclass(frozen=True)
class LinkedEntry:
    """A stored entry of a current version linked to a graph entity."""

    version: VersionInfo
    key: str
    entity_id: str
    record: Mapping[str, Any]
    explanation: str


@dataclass
class ImportedListings:
    """Listings and their sources from the current imported versions; ``versions`` names the
    version of every list consulted (list id → ``v<seq> sha256:<12 hex>``)."""

    listings: list[Listing] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    """Entities standing for entries no graph entity carries (only when asked for)."""

    def counts(self) -> dict[str, int]:
        """Listings added per graph list."""
        out: dict[str, int] = {}
        for listing in self.listings:
            out[listing.list] = out.get(listing.list, 0) + 1
        return dict(sorted(out.items()))


def version_label(version: VersionInfo) -> str:
    """How a finding names a list version: sequence number and file hash."""
    return f"v{version.seq} sha256:{version.file_hash[:12]}"


def _iso_or_none(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parse_partial_date(value)
    except ValueError:
        return None
    return value


def _file_name(version: VersionInfo, record: Mapping[str, Any]) -> str:
    cited = (record.get("citation") or {}).get("file") or ""
    return Path(cited).name if cited else version.list_id


def listing_of(
    item: LinkedEntry, graph_list: str, index: int | str, notes: str | None = None
) -> tuple[Listing, Source]:
    """The listing an official entry makes, and the source citing its file and row."""
    version, record = item.version, item.record
    spec = lists.spec(version.list_id)
    locator = (record.get("citation") or {}).get("locator") or item.key
    published = version.published_on.isoformat() if version.published_on else None
    source_id = f"LIST_{version.list_id.upper()}_V{version.seq}_{index}"
    source = Source(
        id=source_id,
        title=f"{spec.title}, version {version.seq} (file sha256 {version.file_hash[:12]}…)",
        url=version.source_url,
        document=_file_name(version, record),
        publisher=spec.publisher,
        date=published,
        kind="official_list",
        reliability="high",
        locator=str(locator),
        notes="; ".join(version.notes) or None,
    )
    listing = Listing(
        id=f"{graph_list}__{item.entity_id}__{version.list_id}_v{version.seq}_{index}",
        entity=item.entity_id,
        list=graph_list,
        listed_as=str(record.get("name") or "") or None,
        added=_iso_or_none(record.get("start_date")) or published,
        removed=_iso_or_none(record.get("end_date")),
        notice=record.get("notice") or None,
        confidence="high",
        sources=[source_id],
        evidence=[
            Evidence(source=source_id, quote=str(record.get("name") or ""), locator=str(locator))
        ],
        notes=notes or f"imported from the official file; linked: {item.explanation}",
    )
    return listing, source


def listings_from(
    graph: Graph, items: Iterable[LinkedEntry], versions: Iterable[VersionInfo]
) -> ImportedListings:
    """Pure: the listings of linked entries whose list feeds a graph list the graph has."""
    out = ImportedListings(versions={v.list_id: version_label(v) for v in versions})
    for index, item in enumerate(items, start=1):
        record = item.record
        graph_list = graph_list_for(
            item.version.list_id, str(record.get("source") or ""), record.get("programs") or ()
        )
        if graph_list is None or graph_list not in graph.lists:
            continue
        if item.entity_id not in graph.entities:
            continue  # linked against another graph version
        listing, source = listing_of(item, graph_list, index)
        out.listings.append(listing)
        out.sources[source.id] = source
    return out


def unlinked_entity_id(list_id: str, key: str) -> str:
    """The id of the entity standing for a list entry no graph entity carries; it depends on the
    entry's key only, so it stays the same across versions of the list."""
    return f"list:{list_id}:{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def entry_names(record: Mapping[str, Any]) -> list[str]:
    """The name and aliases an entry prints, first the name, each once (case ignored)."""
    names = [str(record.get("name") or ""), *map(str, record.get("aliases") or ())]
    unique = {n.strip().casefold(): n.strip() for n in reversed(names) if n.strip()}
    return list(reversed(unique.values()))


def unlinked_entity(
    version: VersionInfo, key: str, record: Mapping[str, Any], graph_list: str, index: int | str
) -> tuple[Entity, Listing, Source] | None:
    """Pure: the entity, listing and source for an entry no graph entity carries, or ``None``
    for entries that cannot be a supplier (no name; a vessel, aircraft or equipment category)."""
    names = entry_names(record)
    if not names or str(record.get("entity_type") or "").casefold() in NOT_A_SUPPLIER:
        return None
    entity_id = unlinked_entity_id(version.list_id, key)
    item = LinkedEntry(version, key, entity_id, record, "")
    listing, source = listing_of(item, graph_list, index, UNLINKED_NOTE)
    entity = Entity(
        id=entity_id,
        kind="company",
        role=f"entry of the {lists.spec(version.list_id).title}",
        names=[
            Name(
                name=name,
                lang="zh" if _is_cjk(name) else "en",
                script="Hans" if _is_cjk(name) else "Latn",
                kind="list_name" if position == 0 else "variant",
                # Matched as list entries (strictly), never as graph aliases.
                match=False,
                sources=[source.id],
            )
            for position, name in enumerate(names)
        ],
        sources=[source.id],
        notes=UNLINKED_NOTE,
    )
    return entity, listing, source


def add_unlinked(
    found: ImportedListings,
    graph: Graph,
    rows: Iterable[tuple[VersionInfo, str, Mapping[str, Any]]],
) -> None:
    """Pure: add an entity, listing and source for every unlinked entry whose list feeds a graph
    list the graph has."""
    for index, (version, key, record) in enumerate(rows, start=1):
        graph_list = graph_list_for(
            version.list_id, str(record.get("source") or ""), record.get("programs") or ()
        )
        if graph_list is None or graph_list not in graph.lists:
            continue
        made = unlinked_entity(version, key, record, graph_list, f"U{index}")
        if made is None:
            continue
        entity, listing, source = made
        found.entities[entity.id] = entity
        found.listings.append(listing)
        found.sources[source.id] = source


def unlinked_rows(
    session: Session, versions: Sequence[VersionInfo]
) -> list[tuple[VersionInfo, str, Mapping[str, Any]]]:
    """Every entry of the given versions that no graph entity carries (no link at all)."""
    by_id = {v.id: v for v in versions}
    if not by_id:
        return []
    linked = (
        select(ListEntryLink.id)
        .where(
            (ListEntryLink.version_id == ListEntryRow.version_id)
            & (ListEntryLink.key == ListEntryRow.key)
        )
        .exists()
    )
    rows = session.execute(
        select(ListEntryRow.version_id, ListEntryRow.key, ListEntryRow.record)
        .where(ListEntryRow.version_id.in_(list(by_id)), ~linked)
        .order_by(ListEntryRow.version_id, ListEntryRow.id)
    ).all()
    return [(by_id[version_id], key, record) for version_id, key, record in rows]


def imported_listings(
    engine: Engine, graph: Graph, *, with_unlinked: bool = False
) -> ImportedListings:
    """Listings from the current (complete) version of every imported list, for ``graph``;
    ``with_unlinked`` adds an entity for every entry no graph entity carries."""
    with Session(engine) as session:
        current = [VersionInfo.of(v) for v in current_versions(session)]
        by_id = {v.id: v for v in current}
        rows = (
            session.execute(
                select(
                    ListEntryLink.version_id,
                    ListEntryLink.key,
                    ListEntryLink.entity_id,
                    ListEntryLink.explanation,
                    ListEntryRow.record,
                )
                .join(
                    ListEntryRow,
                    (ListEntryRow.version_id == ListEntryLink.version_id)
                    & (ListEntryRow.key == ListEntryLink.key),
                )
                .where(ListEntryLink.version_id.in_(list(by_id)))
                .order_by(ListEntryLink.version_id, ListEntryRow.id, ListEntryLink.entity_id)
            ).all()
            if by_id
            else []
        )
    items = [
        LinkedEntry(by_id[version_id], key, entity_id, record, explanation)
        for version_id, key, entity_id, explanation, record in rows
        if is_same_name_link(explanation)
    ]
    found = listings_from(graph, items, current)
    if with_unlinked:
        with Session(engine) as session:
            add_unlinked(found, graph, unlinked_rows(session, current))
    return found


def _state(engine: Engine) -> tuple[int, int, int]:
    """What the imported listings depend on: the newest version and link rows."""
    with Session(engine) as session:
        version = session.scalar(select(func.max(ListVersion.id))) or 0
        link = session.scalar(select(func.max(ListEntryLink.id))) or 0
        links = session.scalar(select(func.count(ListEntryLink.id))) or 0
    return version, link, links


def engine_location(engine: Engine) -> str:
    """The path (SQLite) or URL an engine was connected with, as ``Screener(db_path=...)`` takes."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        return engine.url.database
    return engine.url.render_as_string(hide_password=False)


def _existing_database(db_path: str) -> bool:
    if "://" not in db_path:
        return Path(db_path).is_file()
    if db_path.startswith("sqlite:///"):
        return Path(db_path.removeprefix("sqlite:///")).is_file()
    return True  # a server database: reachable or not, connect() says


ScreeningGraph = tuple["Graph", dict[str, str], dict[str, int]]
_CACHE: dict[tuple[str, str, bool, tuple[int, int, int]], ScreeningGraph] = {}
_EXTENDED: dict[str, ScreeningGraph] = {}
"""Graphs this module built, by version: passing one back in changes nothing."""


def graph_with_imported_lists(
    graph: Graph, db_path: str | None, kind: str | None = None
) -> ScreeningGraph:
    """The graph with the imported official listings added, the list versions consulted, and
    listings added per graph list. For a ``kind`` in :data:`SCREENED_BY_NAME` (vendors), entries
    no graph entity carries come as entities of their own (:func:`unlinked_entity`). The graph
    comes back unchanged when there is no database file yet or nothing imported. Cached per
    database, graph version, kind and list/link state, so building a screener stays cheap; a graph
    this function returned is returned as it is."""
    if graph.version in _EXTENDED:
        return _EXTENDED[graph.version]
    if not db_path or not _existing_database(db_path):
        return graph, {}, {}
    from whomade.db import connect

    engine = connect(db_path)
    state = _state(engine)
    if state[0] == 0:
        return graph, {}, {}
    with_unlinked = kind in SCREENED_BY_NAME
    cache_key = (str(engine.url), graph.version, with_unlinked, state)
    cached = _CACHE.get(cache_key)
    if cached is not None:
        return cached
    found = imported_listings(engine, graph, with_unlinked=with_unlinked)
    result: ScreeningGraph
    if not found.listings:
        result = (graph, found.versions, {})
    else:
        stamp = hashlib.sha256(
            "\n".join(
                [*(f"{k}={v}" for k, v in sorted(found.versions.items())), *map(str, state)]
            ).encode()
        ).hexdigest()[:8]
        names = "+names" if found.entities else ""
        extended = dataclasses.replace(
            graph,
            entities={**graph.entities, **found.entities},
            listings=[*graph.listings, *found.listings],
            sources={**graph.sources, **found.sources},
            version=f"{graph.version}+lists:{stamp}{names}",
        )
        result = (extended, found.versions, found.counts())
        _EXTENDED[extended.version] = result
    if len(_CACHE) > 8:
        _CACHE.clear()
        _EXTENDED.clear()
    _CACHE[cache_key] = result
    return result
