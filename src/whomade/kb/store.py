"""Database tables of the knowledge graph, and compiling a loaded graph into them.

The YAML files stay the source of truth; the tables are a compiled copy that other stages and
users can query with SQL (SQLite by default, PostgreSQL where shared). Each table keeps the
columns worth querying plus ``data``, the whole fact as JSON, so nothing the model holds is lost.
Compiling replaces the previous graph in one transaction and records its version in ``kb_meta``.

Other stages should refer to graph ids by value, not by foreign key: a compile deletes and
re-inserts every row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    JSON,
    Boolean,
    Engine,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from whomade import __version__
from whomade.db import Base
from whomade.kb.graph import Graph
from whomade.kb.model import Fact
from whomade.text import compact

_ID = 200
_SHORT = 40


class KbMeta(Base):
    """Facts about the compiled graph: ``graph_version``, ``compiled_at``, ``counts``..."""

    __tablename__ = "kb_meta"

    key: Mapped[str] = mapped_column(String(_SHORT), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class KbSource(Base):
    """A citation every other fact points to."""

    __tablename__ = "kb_sources"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    document: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(_SHORT))
    kind: Mapped[str | None] = mapped_column(String(_SHORT * 2))
    reliability: Mapped[str | None] = mapped_column(String(_SHORT))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class KbEntity(Base):
    """A company, brand, product line, storefront or government body."""

    __tablename__ = "kb_entities"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(_SHORT))
    role: Mapped[str | None] = mapped_column(String(_SHORT * 2))
    family_root: Mapped[bool] = mapped_column(Boolean, default=False)
    country: Mapped[str | None] = mapped_column(String(_SHORT))
    display_name: Mapped[str] = mapped_column(Text)
    legal_name: Mapped[str] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class KbName(Base):
    """One name of an entity; ``key`` is the folded form used for exact lookups."""

    __tablename__ = "kb_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("kb_entities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text, index=True)
    lang: Mapped[str] = mapped_column(String(_SHORT))
    script: Mapped[str] = mapped_column(String(_SHORT))
    kind: Mapped[str] = mapped_column(String(_SHORT))
    match: Mapped[bool] = mapped_column(Boolean)
    valid_from: Mapped[str | None] = mapped_column(String(_SHORT))
    valid_to: Mapped[str | None] = mapped_column(String(_SHORT))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class KbRelation(Base):
    """``subject predicate object`` during ``[valid_from, valid_to]``."""

    __tablename__ = "kb_relations"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    subject_id: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("kb_entities.id", ondelete="CASCADE"), index=True
    )
    predicate: Mapped[str] = mapped_column(String(_SHORT))
    object_id: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("kb_entities.id", ondelete="CASCADE"), index=True
    )
    confidence: Mapped[str] = mapped_column(String(_SHORT))
    status: Mapped[str] = mapped_column(String(_SHORT))
    valid_from: Mapped[str | None] = mapped_column(String(_SHORT))
    valid_to: Mapped[str | None] = mapped_column(String(_SHORT))
    origin: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class KbIdentifier(Base):
    """A model grammar, FCC grantee code, IEEE registrant, banner, domain or USB vendor id."""

    __tablename__ = "kb_identifiers"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(_SHORT), index=True)
    entity_id: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("kb_entities.id", ondelete="CASCADE"), index=True
    )
    pattern: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    strength: Mapped[str] = mapped_column(String(_SHORT))
    confidence: Mapped[str] = mapped_column(String(_SHORT))
    origin: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class KbList(Base):
    """A government restriction list and what it means per user context."""

    __tablename__ = "kb_lists"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(Text)
    authority: Mapped[str] = mapped_column(Text)
    reach: Mapped[str] = mapped_column(String(_SHORT))
    origin: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class KbListing(Base):
    """An entity's membership of a list, with dates and the notice."""

    __tablename__ = "kb_listings"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    entity_id: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("kb_entities.id", ondelete="CASCADE"), index=True
    )
    list_id: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("kb_lists.id", ondelete="CASCADE"), index=True
    )
    listed_as: Mapped[str | None] = mapped_column(Text)
    added: Mapped[str | None] = mapped_column(String(_SHORT))
    removed: Mapped[str | None] = mapped_column(String(_SHORT))
    notice: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(_SHORT))
    origin: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class KbProduct(Base):
    """A product model sold under a brand, with its launch date."""

    __tablename__ = "kb_products"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    entity_id: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("kb_entities.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    released: Mapped[str] = mapped_column(String(_SHORT))
    confidence: Mapped[str] = mapped_column(String(_SHORT))
    origin: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class KbCitation(Base):
    """Which fact cites which source: ``fact_table`` is a ``kb_`` table, ``fact_id`` its id."""

    __tablename__ = "kb_citations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fact_table: Mapped[str] = mapped_column(String(_SHORT))
    fact_id: Mapped[str] = mapped_column(String(_ID), index=True)
    source_id: Mapped[str] = mapped_column(
        String(_ID), ForeignKey("kb_sources.id", ondelete="CASCADE"), index=True
    )


# Children first: the order rows are deleted in (and the reverse of the insert order).
_TABLES: tuple[type[Base], ...] = (
    KbCitation,
    KbName,
    KbProduct,
    KbListing,
    KbIdentifier,
    KbRelation,
    KbList,
    KbEntity,
    KbSource,
    KbMeta,
)


@dataclass(frozen=True)
class CompileResult:
    """What a compile wrote."""

    version: str
    compiled_at: str
    rows: dict[str, int]


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


def _origin(fact: Any) -> str | None:
    origin = getattr(fact, "origin", None)
    return str(origin) if origin else None


def _source_rows(graph: Graph) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "title": s.title,
            "url": s.url,
            "document": s.document,
            "publisher": s.publisher,
            "date": s.date,
            "kind": s.kind,
            "reliability": s.reliability,
            "data": _dump(s),
        }
        for s in graph.sources.values()
    ]


def _entity_rows(graph: Graph) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "kind": e.kind,
            "role": e.role,
            "family_root": e.family_root,
            "country": e.country,
            "display_name": e.display_name,
            "legal_name": e.legal_name,
            "origin": _origin(e),
            "data": _dump(e),
        }
        for e in graph.entities.values()
    ]


def _name_rows(graph: Graph) -> list[dict[str, Any]]:
    return [
        {
            "entity_id": e.id,
            "name": n.name,
            "key": compact(n.name),
            "lang": n.lang,
            "script": n.script,
            "kind": n.kind,
            "match": n.match,
            "valid_from": n.valid_from,
            "valid_to": n.valid_to,
            "data": _dump(n),
        }
        for e in graph.entities.values()
        for n in e.names
    ]


def _relation_rows(graph: Graph) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "subject_id": r.subject,
            "predicate": r.predicate,
            "object_id": r.object,
            "confidence": r.confidence,
            "status": r.status,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "origin": _origin(r),
            "data": _dump(r),
        }
        for r in graph.relations
    ]


def _identifier_rows(graph: Graph) -> list[dict[str, Any]]:
    return [
        {
            "id": i.id,
            "kind": i.kind,
            "entity_id": i.entity,
            "pattern": i.pattern,
            "value": i.value,
            "strength": i.strength,
            "confidence": i.confidence,
            "origin": _origin(i),
            "data": _dump(i),
        }
        for i in graph.identifiers
    ]


def _list_rows(graph: Graph) -> list[dict[str, Any]]:
    return [
        {
            "id": x.id,
            "name": x.name,
            "short_name": x.short_name,
            "authority": x.authority,
            "reach": x.reach,
            "origin": _origin(x),
            "data": _dump(x),
        }
        for x in graph.lists.values()
    ]


def _listing_rows(graph: Graph) -> list[dict[str, Any]]:
    return [
        {
            "id": x.id,
            "entity_id": x.entity,
            "list_id": x.list,
            "listed_as": x.listed_as,
            "added": x.added,
            "removed": x.removed,
            "notice": x.notice,
            "confidence": x.confidence,
            "origin": _origin(x),
            "data": _dump(x),
        }
        for x in graph.listings
    ]


def _product_rows(graph: Graph) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "entity_id": p.entity,
            "name": p.name,
            "released": p.released,
            "confidence": p.confidence,
            "origin": _origin(p),
            "data": _dump(p),
        }
        for p in graph.products
    ]


def _cited(table: str, fact_id: str, facts: Iterable[Fact]) -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for fact in facts:
        for source_id in fact.cited():
            if source_id not in seen:
                seen.add(source_id)
                yield {"fact_table": table, "fact_id": fact_id, "source_id": source_id}


def _citation_rows(graph: Graph) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for e in graph.entities.values():
        rows.extend(_cited("kb_entities", e.id, [e, *e.names, *e.facts]))
    for table, facts in (
        ("kb_relations", graph.relations),
        ("kb_identifiers", graph.identifiers),
        ("kb_lists", list(graph.lists.values())),
        ("kb_listings", graph.listings),
        ("kb_products", graph.products),
    ):
        for fact in facts:
            rows.extend(_cited(table, fact.id, [fact]))
    return rows


def compile_graph(engine: Engine, graph: Graph) -> CompileResult:
    """Replace the compiled graph in the database with ``graph``, in one transaction."""
    compiled_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    batches: list[tuple[type[Base], list[dict[str, Any]]]] = [
        (KbSource, _source_rows(graph)),
        (KbEntity, _entity_rows(graph)),
        (KbList, _list_rows(graph)),
        (KbName, _name_rows(graph)),
        (KbRelation, _relation_rows(graph)),
        (KbIdentifier, _identifier_rows(graph)),
        (KbListing, _listing_rows(graph)),
        (KbProduct, _product_rows(graph)),
        (KbCitation, _citation_rows(graph)),
    ]
    rows = {table.__tablename__: len(batch) for table, batch in batches}
    meta = {
        "graph_version": graph.version,
        "compiled_at": compiled_at,
        "whomade_version": __version__,
        "counts": json.dumps(rows, sort_keys=True),
    }
    with engine.begin() as conn:
        for stale in _TABLES:
            conn.execute(delete(stale))
        for table, batch in batches:
            if batch:
                conn.execute(insert(table), batch)
        conn.execute(insert(KbMeta), [{"key": k, "value": v} for k, v in meta.items()])
    return CompileResult(graph.version, compiled_at, rows)


def compiled_meta(engine: Engine) -> dict[str, str]:
    """``kb_meta`` as a dict (empty when no graph was compiled into this database)."""
    with engine.connect() as conn:
        return {key: value for key, value in conn.execute(select(KbMeta.key, KbMeta.value))}


def compiled_version(engine: Engine) -> str | None:
    """The version of the graph compiled into this database, or None."""
    return compiled_meta(engine).get("graph_version")
