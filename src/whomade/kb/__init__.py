"""The knowledge graph: YAML data files, a typed model, validation and pure resolution."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from whomade.kb.graph import Graph, data_version
from whomade.kb.load import DATA_DIR, Problem, RawData, load_raw
from whomade.kb.model import (
    Entity,
    Identifier,
    Listing,
    Product,
    Relation,
    RestrictionList,
    Source,
)
from whomade.kb.validate import validate


class KnowledgeGraphError(Exception):
    """The shipped graph data does not validate; run ``whomade kb validate`` for details."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:10])
        more = f"\n... and {len(problems) - 10} more" if len(problems) > 10 else ""
        super().__init__(f"{len(problems)} problem(s) in the knowledge graph:\n{shown}{more}")


def build_graph(raw: RawData) -> Graph:
    """A :class:`Graph` from loaded facts (assumed valid)."""
    return Graph(
        sources={s.id: s for s in raw.facts["sources"] if isinstance(s, Source)},
        entities={e.id: e for e in raw.facts["entities"] if isinstance(e, Entity)},
        relations=[r for r in raw.facts["relations"] if isinstance(r, Relation)],
        identifiers=[i for i in raw.facts["identifiers"] if isinstance(i, Identifier)],
        lists={x.id: x for x in raw.facts["lists"] if isinstance(x, RestrictionList)},
        listings=[x for x in raw.facts["listings"] if isinstance(x, Listing)],
        products=[x for x in raw.facts["products"] if isinstance(x, Product)],
        version=data_version(raw.files),
    )


def load_checked(data_dir: Path | None = None) -> tuple[Graph, list[Problem]]:
    """The graph and every validation problem (the graph may be partial when there are some)."""
    raw = load_raw(data_dir)
    return build_graph(raw), validate(raw)


@cache
def load_graph(data_dir: Path | None = None) -> Graph:
    """The validated graph (cached); raises :class:`KnowledgeGraphError` on any problem."""
    graph, problems = load_checked(data_dir)
    if problems:
        raise KnowledgeGraphError(problems)
    return graph


__all__ = [
    "DATA_DIR",
    "Graph",
    "KnowledgeGraphError",
    "Problem",
    "load_checked",
    "load_graph",
]
