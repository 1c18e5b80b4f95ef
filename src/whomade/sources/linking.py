"""Linking list entries to the knowledge-graph entities they name.

Two rules, strictest first:

1. **Same name**: one of the entry's names (or the forms lists print around a name: without a
   bracketed short name, without a trailing ", City, Province") equals a graph name once case,
   punctuation, spacing and legal forms are ignored, in any script (:func:`matching_form`).
2. **Near-certain match**: the shared company-name matcher (``whomade.match.names``) scores the
   pair at :data:`FUZZY_THRESHOLD` or more. Its default threshold is not used: it accepts "DAHUA
   ELECTRONICS CORPORATION" for "Dahua" (0.91), an unrelated company on the Denied Persons List.

Entries with no link stay screenable by name (:mod:`whomade.sources.query`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from normality import ascii_text
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from whomade.sources.names import matching_form, name_variants
from whomade.sources.store import ListEntryLink, ListEntryRow, ListVersion

if TYPE_CHECKING:
    from whomade.kb import Graph

FUZZY_THRESHOLD = 0.95
SCORE_NAME = 1.0
SCORE_ALIAS = 0.97
SCORE_VARIANT = 0.93

SAME_NAME_TEXT = "the list "
"""How the explanation of a same-name (rule 1) link begins; :func:`is_same_name_link` reads it."""

_WORDS = re.compile(r"[a-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Link:
    """An entry linked to a graph entity, with the names that matched and why."""

    key: str
    entity_id: str
    entity_name: str
    matched_name: str
    score: float
    explanation: str
    family: str | None = None


@dataclass
class LinkSummary:
    """How many entries of a version were linked, and to which entities."""

    list_id: str
    seq: int
    entries: int
    linked: int
    by_entity: dict[str, int] = field(default_factory=dict)
    by_family: dict[str, int] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class _GraphName:
    entity_id: str
    name: str


class GraphLinker:
    """Finds the graph entities a list entry names (build once per graph, reuse per version)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.version = graph.version
        self._exact: dict[str, list[_GraphName]] = defaultdict(list)
        items: list[tuple[str, str]] = []
        for entity in graph.entities.values():
            for name in entity.names:
                if not name.match:
                    continue
                form = matching_form(name.name)
                if form:
                    self._exact[form].append(_GraphName(entity.id, name.name))
                items.append((entity.id, name.name))
        self._families: dict[str, str | None] = {}
        self._index: Any = None
        self._words: set[str] = set()
        try:
            from whomade.match.names import NameIndex, name_keys
        except ImportError:  # the shared matcher is optional: exact links still work
            return
        self._index = NameIndex(items)
        for _entity, text in items:
            self._words.update(k[2:] for k in name_keys(text) if k.startswith("w:"))

    def family_of(self, entity_id: str) -> str | None:
        """The family root the entity belongs to today (itself for a root), if any."""
        if entity_id not in self._families:
            self._families[entity_id] = _family(self.graph, entity_id)
        return self._families[entity_id]

    def link(self, key: str, names: Iterable[str]) -> list[Link]:
        """The best links for an entry with these names (its name first, then aliases)."""
        found: dict[str, Link] = {}
        for index, name in enumerate(names):
            for variant_index, variant in enumerate(name_variants(name)):
                form = matching_form(variant)
                for hit in self._exact.get(form, ()) if form else ():
                    score = SCORE_NAME if index == 0 else SCORE_ALIAS
                    how = f"{'name' if index == 0 else 'alias'} '{name}'"
                    if variant_index:
                        score, how = SCORE_VARIANT, f"{how} (read as '{variant}')"
                    self._keep(
                        found,
                        Link(
                            key,
                            hit.entity_id,
                            hit.name,
                            name,
                            score,
                            f"{SAME_NAME_TEXT}{how} is the graph name '{hit.name}' once case, "
                            "punctuation and legal forms are ignored",
                            self.family_of(hit.entity_id),
                        ),
                    )
        if not found:
            for name in names:
                for link in self._fuzzy(key, name):
                    self._keep(found, link)
        if not found:
            return []
        best = max(link.score for link in found.values())
        return sorted((v for v in found.values() if v.score == best), key=lambda v: v.entity_id)

    @staticmethod
    def _keep(found: dict[str, Link], link: Link) -> None:
        current = found.get(link.entity_id)
        if current is None or link.score > current.score:
            found[link.entity_id] = link

    def _fuzzy(self, key: str, name: str) -> list[Link]:
        if self._index is None or not self._could_match(name):
            return []
        links = []
        for entity_id, match in self._index.search(name, threshold=FUZZY_THRESHOLD):
            entity = self.graph.entities[entity_id]
            links.append(
                Link(
                    key,
                    entity_id,
                    entity.names[0].name if entity.names else entity_id,
                    name,
                    round(float(match.score), 3),
                    f"the name matcher: {match.explanation}",
                    self.family_of(entity_id),
                )
            )
        return links

    def _could_match(self, name: str) -> bool:
        if _CJK.search(name):
            return True
        words = set(_WORDS.findall((ascii_text(name) or "").lower()))
        return bool(words & self._words)


def is_same_name_link(explanation: str) -> bool:
    """Whether a stored link came from rule 1 (the same name, alias or printed variant), not from
    the fuzzy name matcher."""
    return explanation.startswith(SAME_NAME_TEXT)


def _family(graph: Graph, entity_id: str) -> str | None:
    entity = graph.entities.get(entity_id)
    if entity is None:
        return None
    if entity.family_root:
        return entity.id
    from whomade.kb.resolve import families, resolve

    roots = families(graph, resolve(graph, entity_id, dt.date.today()))
    return roots[0] if roots else None


_LINKERS: dict[str, GraphLinker] = {}


def linker_for(graph: Graph) -> GraphLinker:
    """A cached :class:`GraphLinker` for this graph version."""
    cached = _LINKERS.get(graph.version)
    if cached is None or cached.graph is not graph:
        cached = GraphLinker(graph)
        _LINKERS[graph.version] = cached
    return cached


def load_graph_or_none() -> tuple[Graph | None, str | None]:
    """The knowledge graph, or ``None`` and the reason it could not be loaded."""
    try:
        from whomade.kb import load_graph

        return load_graph(), None
    except Exception as exc:  # the graph is another stage's data: linking degrades, import stays
        return None, f"knowledge graph not available: {exc}"


def entry_names(record: Mapping[str, Any]) -> list[str]:
    """Name then aliases of a stored entry record, without repeats."""
    names = [record.get("name") or "", *(record.get("aliases") or [])]
    return list(dict.fromkeys(n for n in names if n))


def link_version(engine: Engine, version_id: int, graph: Graph | None = None) -> LinkSummary:
    """Link every entry of a stored version to graph entities; replaces earlier links."""
    with Session(engine) as session:
        version = session.get(ListVersion, version_id)
        if version is None:
            raise ValueError(f"no list version {version_id}")
        summary = LinkSummary(version.list_id, version.seq, version.entry_count, 0)
        if graph is None:
            graph, problem = load_graph_or_none()
            if graph is None:
                summary.note = problem
                return summary
        linker = linker_for(graph)
        rows = session.execute(
            select(ListEntryRow.key, ListEntryRow.record).where(
                ListEntryRow.version_id == version_id
            )
        ).all()
    links: list[Link] = []
    for key, record in rows:
        if record.get("entity_type") == "category":
            continue
        links.extend(linker.link(key, entry_names(record)))
    with Session(engine) as session, session.begin():
        session.execute(delete(ListEntryLink).where(ListEntryLink.version_id == version_id))
        if links:
            session.execute(
                insert(ListEntryLink),
                [
                    {
                        "version_id": version_id,
                        "key": link.key,
                        "entity_id": link.entity_id,
                        "family": link.family,
                        "score": link.score,
                        "matched_name": link.matched_name,
                        "entity_name": link.entity_name,
                        "explanation": link.explanation,
                        "graph_version": linker.version,
                    }
                    for link in links
                ],
            )
    linked_keys = {link.key for link in links}
    summary.linked = len(linked_keys)
    by_entity: dict[str, set[str]] = defaultdict(set)
    by_family: dict[str, set[str]] = defaultdict(set)
    for link in links:
        by_entity[link.entity_id].add(link.key)
        if link.family:
            by_family[link.family].add(link.key)
    summary.by_entity = {k: len(v) for k, v in sorted(by_entity.items())}
    summary.by_family = {k: len(v) for k, v in sorted(by_family.items())}
    return summary
