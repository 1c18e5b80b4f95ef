"""The official lists as the API shows them: imported versions, diffs, and the graph's lists
with what each means per user context. Reads only; importing stays with ``whomade lists``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from whomade.kb import Graph
from whomade.sources.importer import VersionInfo, current_version
from whomade.sources.lists import LISTS
from whomade.sources.query import diff_stored, versions
from whomade.sources.store import ListVersion


def version_dict(info: VersionInfo) -> dict[str, Any]:
    """A stored version as JSON."""
    return {
        "seq": info.seq,
        "format": info.format,
        "entries": info.entry_count,
        "published_on": info.published_on.isoformat() if info.published_on else None,
        "retrieved_at": info.retrieved_at.isoformat(),
        "file_hash": info.file_hash,
        "source_url": info.source_url,
        "complete": info.complete,
        "notes": list(info.notes),
    }


def current_list_versions(engine: Engine) -> dict[str, dict[str, Any]]:
    """The version in use of every imported list: ``{list_id: {seq, published_on, file_hash}}``."""
    out: dict[str, dict[str, Any]] = {}
    with Session(engine) as session:
        for list_id in sorted(session.scalars(select(ListVersion.list_id).distinct())):
            row = current_version(session, list_id)
            if row is not None:
                out[list_id] = {
                    "seq": row.seq,
                    "published_on": row.published_on.isoformat() if row.published_on else None,
                    "file_hash": row.file_hash,
                }
    return out


def lists_overview(engine: Engine, graph: Graph) -> dict[str, Any]:
    """Every importable official list with its current version, and the graph's restriction
    lists with their reach and meaning per user context."""
    with Session(engine) as session:
        counts: dict[str, int] = {
            list_id: int(count)
            for list_id, count in session.execute(
                select(ListVersion.list_id, func.count()).group_by(ListVersion.list_id)
            )
        }
        imported = []
        for spec in LISTS.values():
            row = current_version(session, spec.id)
            imported.append(
                {
                    "id": spec.id,
                    "title": spec.title,
                    "publisher": spec.publisher,
                    "page": spec.page,
                    "versions": int(counts.get(spec.id, 0)),
                    "current": version_dict(VersionInfo.of(row)) if row is not None else None,
                }
            )
    graph_lists = [
        {
            "id": item.id,
            "name": item.name,
            "short_name": item.short_name,
            "authority": item.authority,
            "legal_basis": item.legal_basis,
            "reach": item.reach,
            "reach_note": item.reach_note,
            "effect": item.effect,
            "meanings": {
                context: meaning.model_dump() for context, meaning in item.meanings.items()
            },
            "sources": list(item.sources),
        }
        for item in graph.lists.values()
    ]
    return {"imported": imported, "graph": graph_lists}


def list_versions(engine: Engine, list_id: str) -> list[dict[str, Any]]:
    """The stored versions of one list, oldest first."""
    with Session(engine) as session:
        return [version_dict(info) for info in versions(session, list_id)]


def list_diff(
    engine: Engine, list_id: str, from_ref: str | None, to_ref: str | None
) -> dict[str, Any]:
    """Entries added, removed and changed between two stored versions (default: the last two);
    raises :class:`whomade.sources.errors.ListImportError` when a version is missing."""
    with Session(engine) as session:
        return diff_stored(session, list_id, from_ref, to_ref).to_dict()
