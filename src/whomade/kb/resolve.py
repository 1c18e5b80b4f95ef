"""Resolution: from an entity at a date, every path through the graph to every listed entity.

Pure functions over a :class:`~whomade.kb.graph.Graph`. A relation is followed only while it was
valid at the date of the product (``on``); list membership is judged at ``listed_on`` (by default
the same day), because a camera Dahua made in 2020 is a Dahua camera whatever the date you check it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from whomade.kb.graph import Graph
from whomade.kb.model import Confidence, Listing, Relation

# Following these from subject to object moves towards whoever owns or makes the product.
UPWARD = frozenset(
    {"subsidiary_of", "brand_of", "affiliate_of", "formerly_owned_by", "white_label_of"}
)
# ``maker oem_for brand``: from the brand, the maker is reached against the arrow.
MAKER_OF = frozenset({"oem_for"})
MAX_HOPS = 6

_CONFIDENCE_RANK: dict[Confidence, int] = {"high": 3, "medium": 2, "low": 1}
_STATUS_RANK = {"established": 4, "reported": 3, "community_observation": 2, "alleged": 1}


@dataclass(frozen=True)
class Link:
    """One hop: ``source`` reaches ``target`` through ``relation`` (possibly read backwards)."""

    source: str
    target: str
    relation: Relation

    @property
    def reversed(self) -> bool:
        return self.relation.subject != self.source


@dataclass(frozen=True)
class Path:
    """A chain of links from the start entity to an entity with active listings."""

    start: str
    links: tuple[Link, ...]
    listings: tuple[Listing, ...]

    @property
    def end(self) -> str:
        return self.links[-1].target if self.links else self.start

    @property
    def entities(self) -> tuple[str, ...]:
        return (self.start, *(link.target for link in self.links))

    @property
    def confidence(self) -> Confidence:
        """The weakest link's confidence (``high`` for the entity itself)."""
        if not self.links:
            return "high"
        return min((link.relation.confidence for link in self.links), key=_CONFIDENCE_RANK.get)  # type: ignore[arg-type]

    @property
    def status(self) -> str:
        """The weakest link's status: ``alleged`` anywhere makes the whole path an allegation."""
        if not self.links:
            return "established"
        return min((link.relation.status for link in self.links), key=_STATUS_RANK.__getitem__)


def _steps(graph: Graph, entity_id: str, on: dt.date, include_alleged: bool) -> list[Link]:
    def usable(rel: Relation) -> bool:
        return rel.valid_at(on) and (include_alleged or rel.status != "alleged")

    steps = [
        Link(entity_id, rel.object, rel)
        for rel in graph.relations_from.get(entity_id, ())
        if rel.predicate in UPWARD and usable(rel)
    ]
    steps.extend(
        Link(entity_id, rel.subject, rel)
        for rel in graph.relations_to.get(entity_id, ())
        if rel.predicate in MAKER_OF and usable(rel)
    )
    return steps


def active_listings(graph: Graph, entity_id: str, on: dt.date) -> tuple[Listing, ...]:
    """The entity's list memberships in force on ``on``."""
    return tuple(x for x in graph.listings_of.get(entity_id, ()) if x.active_at(on))


def resolve(
    graph: Graph,
    entity_id: str,
    on: dt.date,
    listed_on: dt.date | None = None,
    *,
    include_alleged: bool = False,
) -> list[Path]:
    """Every path from ``entity_id`` to an entity listed on ``listed_on``, relations valid ``on``.

    Paths do not continue past a family root (its owners do not make the product) and never visit
    an entity twice. The entity itself yields a path of no links when it is listed. Allegations
    (``status: alleged``) are followed only with ``include_alleged``; such paths report
    ``status == "alleged"`` and must be shown as allegations, never as findings.
    """
    listed_on = listed_on or on
    found: list[Path] = []

    def walk(current: str, links: tuple[Link, ...], visited: frozenset[str]) -> None:
        listings = active_listings(graph, current, listed_on)
        if listings:
            found.append(Path(entity_id, links, listings))
        entity = graph.entities.get(current)
        if len(links) >= MAX_HOPS or (entity is not None and entity.family_root and links):
            return
        if entity is not None and entity.family_root and not links and listings:
            return
        for step in _steps(graph, current, on, include_alleged):
            if step.target not in visited:
                walk(step.target, (*links, step), visited | {step.target})

    walk(entity_id, (), frozenset({entity_id}))
    return found


def families(graph: Graph, paths: list[Path]) -> list[str]:
    """The family roots that the paths reach, in a stable order."""
    roots: dict[str, None] = {}
    for path in paths:
        for entity_id in path.entities:
            entity = graph.entities.get(entity_id)
            if entity is not None and entity.family_root:
                roots.setdefault(entity_id, None)
                break
    return list(roots)
