"""The graph as FollowTheMoney entities, for OpenSanctions/Aleph-style tools.

Mapping:

* entity kinds ``company``, ``joint_venture`` and ``group`` (a set of companies owned together,
  like Lorex) → ``Company``; ``government_body`` → ``PublicBody``; brands, product lines and
  storefronts → ``Organization``;
* every source → a ``Document`` that links cite through ``proof`` (and their first URL and
  publisher go to ``sourceUrl`` / ``publisher``);
* ``subsidiary_of`` and ``formerly_owned_by`` → ``Ownership`` (owner = object, asset = subject)
  with ``startDate`` / ``endDate``, when the owned side is a company (FtM owns only assets, so
  a brand's owner is an ``UnknownLink``); every other relation → ``UnknownLink`` with the
  predicate as ``role``;
* every listing → ``Sanction`` with the list's authority and name, ``listingDate`` /
  ``startDate`` / ``endDate`` and the notice.

Relations keep their ``status`` (an ``alleged`` link is marked as such) and confidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import TextIO

from followthemoney import model
from followthemoney.proxy import EntityProxy

from whomade.kb.graph import Graph
from whomade.kb.model import Entity, Listing, Relation, Source

ID_PREFIX = "whomade"
OWNERSHIP = frozenset({"subsidiary_of", "formerly_owned_by"})

_SCHEMA_OF_KIND = {
    "company": "Company",
    "joint_venture": "Company",
    "group": "Company",
    "government_body": "PublicBody",
}
_NAME_PROPERTY = {
    "legal": "name",
    "list_name": "alias",
    "short": "alias",
    "brand": "alias",
    "variant": "alias",
    "transliteration": "alias",
    "former": "previousName",
}
_NOT_ID = re.compile(r"[^0-9a-zA-Z.\-]+")


class FtmExportError(Exception):
    """The graph cannot be written as FollowTheMoney entities (e.g. two ids collide)."""


def ftm_id(kind: str, fact_id: str) -> str:
    """A FollowTheMoney entity id for a graph fact (FtM ids allow letters, digits, ``.``, ``-``)."""
    return f"{ID_PREFIX}-{kind}-{_NOT_ID.sub('-', fact_id).strip('-')}"


def _cite(proxy: EntityProxy, graph: Graph, source_ids: Iterable[str]) -> None:
    for source_id in source_ids:
        source = graph.sources.get(source_id)
        if source is None:
            continue
        if proxy.schema.get("proof") is not None:
            proxy.add("proof", ftm_id("source", source_id))
        if source.url:
            proxy.add("sourceUrl", source.url)
        if source.publisher:
            proxy.add("publisher", source.publisher)


def _document(source: Source) -> EntityProxy:
    proxy = model.make_entity("Document")
    proxy.id = ftm_id("source", source.id)
    proxy.add("title", source.title)
    proxy.add("fileName", source.document)
    proxy.add("sourceUrl", source.url)
    proxy.add("publisher", source.publisher)
    proxy.add("date", source.date)
    proxy.add("notes", source.notes)
    return proxy


def entity_schema(entity: Entity) -> str:
    """The FtM schema name for an entity kind."""
    return _SCHEMA_OF_KIND.get(entity.kind, "Organization")


def _entity(entity: Entity, graph: Graph) -> EntityProxy:
    proxy = model.make_entity(entity_schema(entity))
    proxy.id = ftm_id("entity", entity.id)
    proxy.add("name", entity.legal_name)
    for name in entity.names:
        prop = _NAME_PROPERTY.get(name.kind, "alias") if name.match else "weakAlias"
        proxy.add(prop, name.name)
    if entity.country and len(entity.country) == 2:  # an ISO code, not "unknown"
        proxy.add("country", entity.country.lower())
    proxy.add("website", [f"https://{d}" if "://" not in d else d for d in entity.domains])
    proxy.add("classification", entity.kind)
    proxy.add("notes", entity.notes)
    proxy.add("notes", [note.fact for note in entity.facts])
    _cite(proxy, graph, entity.cited())
    return proxy


def _summary(relation: Relation) -> str:
    return f"{relation.predicate}; status {relation.status}; confidence {relation.confidence}"


def _relation(relation: Relation, graph: Graph) -> EntityProxy:
    subject = graph.entities[relation.subject]
    owned = relation.predicate in OWNERSHIP and entity_schema(subject) == "Company"
    proxy = model.make_entity("Ownership" if owned else "UnknownLink")
    proxy.id = ftm_id("relation", relation.id)
    if owned:
        proxy.add("owner", ftm_id("entity", relation.object))
        proxy.add("asset", ftm_id("entity", relation.subject))
        proxy.add("ownershipType", relation.predicate)
    else:
        proxy.add("subject", ftm_id("entity", relation.subject))
        proxy.add("object", ftm_id("entity", relation.object))
    proxy.add("role", relation.predicate)
    proxy.add("status", relation.status)
    proxy.add("startDate", relation.valid_from)
    proxy.add("endDate", relation.valid_to)
    proxy.add("summary", _summary(relation))
    proxy.add("description", relation.notes)
    proxy.add("description", [item.quote for item in relation.evidence if item.quote])
    _cite(proxy, graph, relation.cited())
    return proxy


def _sanction(listing: Listing, graph: Graph) -> EntityProxy:
    restriction = graph.lists[listing.list]
    proxy = model.make_entity("Sanction")
    proxy.id = ftm_id("listing", listing.id)
    proxy.add("entity", ftm_id("entity", listing.entity))
    proxy.add("authority", restriction.authority)
    proxy.add("program", restriction.name)
    proxy.add("programId", restriction.id)
    proxy.add("listingDate", listing.added)
    proxy.add("startDate", listing.added)
    proxy.add("endDate", listing.removed)
    proxy.add("provisions", listing.scope)
    proxy.add("reason", restriction.effect)
    proxy.add("description", listing.notice)
    proxy.add("description", listing.listed_as and f"listed as: {listing.listed_as}")
    proxy.add("summary", listing.notes)
    _cite(proxy, graph, [*listing.cited(), *restriction.cited()])
    return proxy


def graph_entities(graph: Graph) -> Iterator[EntityProxy]:
    """Every source, entity, relation and listing of the graph as an FtM entity proxy."""
    seen: dict[str, str] = {}
    for kind, fact_ids in (
        ("source", graph.sources),
        ("entity", graph.entities),
        ("relation", [r.id for r in graph.relations]),
        ("listing", [x.id for x in graph.listings]),
    ):
        for fact_id in fact_ids:
            made = ftm_id(kind, fact_id)
            if made in seen:
                raise FtmExportError(
                    f"{kind} ids {seen[made]!r} and {fact_id!r} both map to {made}"
                )
            seen[made] = fact_id
    yield from (_document(s) for s in graph.sources.values())
    yield from (_entity(e, graph) for e in graph.entities.values())
    yield from (_relation(r, graph) for r in graph.relations)
    yield from (_sanction(x, graph) for x in graph.listings)


def write_ftm(graph: Graph, out: TextIO) -> int:
    """Write the graph as FtM JSON lines to ``out``; returns the number of entities written."""
    count = 0
    for proxy in graph_entities(graph):
        out.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True))
        out.write("\n")
        count += 1
    return count
