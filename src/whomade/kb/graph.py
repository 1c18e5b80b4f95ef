"""The loaded knowledge graph with its indexes. Build it with :func:`whomade.kb.load_graph`."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from whomade.kb.model import (
    Entity,
    Identifier,
    Listing,
    Product,
    Relation,
    RestrictionList,
    Source,
)
from whomade.text import compact


@dataclass(eq=False)
class Graph:
    """Sources, entities, relations, identifiers, lists and listings, indexed for lookups."""

    sources: dict[str, Source]
    entities: dict[str, Entity]
    relations: list[Relation]
    identifiers: list[Identifier]
    lists: dict[str, RestrictionList]
    listings: list[Listing]
    products: list[Product] = field(default_factory=list)
    version: str = ""
    relations_from: dict[str, list[Relation]] = field(default_factory=dict)
    relations_to: dict[str, list[Relation]] = field(default_factory=dict)
    listings_of: dict[str, list[Listing]] = field(default_factory=dict)
    identifiers_of: dict[str, list[Identifier]] = field(default_factory=dict)
    _names: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rel_from: dict[str, list[Relation]] = defaultdict(list)
        rel_to: dict[str, list[Relation]] = defaultdict(list)
        for rel in self.relations:
            rel_from[rel.subject].append(rel)
            rel_to[rel.object].append(rel)
        self.relations_from, self.relations_to = dict(rel_from), dict(rel_to)
        by_entity: dict[str, list[Listing]] = defaultdict(list)
        for listing in self.listings:
            by_entity[listing.entity].append(listing)
        self.listings_of = dict(by_entity)
        ids_of: dict[str, list[Identifier]] = defaultdict(list)
        for ident in self.identifiers:
            ids_of[ident.entity].append(ident)
        self.identifiers_of = dict(ids_of)
        names: dict[str, list[str]] = defaultdict(list)
        for entity in self.entities.values():
            for key in {compact(entity.id), *(compact(n.name) for n in entity.names)}:
                if key and entity.id not in names[key]:
                    names[key].append(entity.id)
        self._names = dict(names)

    @property
    def family_roots(self) -> list[str]:
        return [e.id for e in self.entities.values() if e.family_root]

    def find(self, name: str) -> list[Entity]:
        """Entities with this id or name, in any script, ignoring case, width and punctuation."""
        return [self.entities[i] for i in self._names.get(compact(name), [])]

    def counts(self) -> dict[str, int]:
        return {
            "sources": len(self.sources),
            "entities": len(self.entities),
            "names": sum(len(e.names) for e in self.entities.values()),
            "relations": len(self.relations),
            "identifiers": len(self.identifiers),
            "lists": len(self.lists),
            "listings": len(self.listings),
            "products": len(self.products),
        }


def data_version(files: list[Path]) -> str:
    """A short content hash of the data files: the graph version shown in every finding."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
