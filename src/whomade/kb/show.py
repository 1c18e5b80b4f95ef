"""What ``whomade kb show`` prints: one entity with everything the graph says about it.

:func:`entity_view` builds a plain, JSON-ready dict (the ``--json`` output); :func:`render_view`
draws the same dict with rich. Every source id in the view resolves to a citation under
``sources``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz, process
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from whomade.kb.graph import Graph
from whomade.kb.model import Entity, Relation
from whomade.text import fold

View = dict[str, Any]

_PREDICATE_FORWARD = {
    "subsidiary_of": "subsidiary of",
    "brand_of": "brand of",
    "affiliate_of": "affiliate of",
    "formerly_owned_by": "formerly owned by",
    "oem_for": "makes products for (OEM)",
    "white_label_of": "white label of",
    "successor_of": "successor of",
}
_PREDICATE_BACKWARD = {
    "subsidiary_of": "parent of",
    "brand_of": "owns the brand",
    "affiliate_of": "has affiliate",
    "formerly_owned_by": "formerly owned",
    "oem_for": "made by (OEM)",
    "white_label_of": "sold as white label by",
    "successor_of": "predecessor of",
}
_STATUS_STYLE = {
    "established": "green",
    "reported": "cyan",
    "community_observation": "yellow",
    "alleged": "bold red",
}


def _window(valid_from: str | None, valid_to: str | None) -> str:
    if not valid_from and not valid_to:
        return "undated"
    return f"{valid_from or '…'} → {valid_to or 'open'}"


def _relation_view(graph: Graph, rel: Relation, direction: str) -> dict[str, Any]:
    other = rel.object if direction == "out" else rel.subject
    other_entity = graph.entities.get(other)
    return {
        "id": rel.id,
        "direction": direction,
        "subject": rel.subject,
        "predicate": rel.predicate,
        "object": rel.object,
        "other": other,
        "other_name": other_entity.display_name if other_entity else other,
        "valid_from": rel.valid_from,
        "valid_to": rel.valid_to,
        "valid_to_status": rel.valid_to_status,
        "confidence": rel.confidence,
        "status": rel.status,
        "sources": rel.cited(),
        "quotes": [
            {"source": item.source, "quote": item.quote} for item in rel.evidence if item.quote
        ],
        "notes": rel.notes,
    }


def _source_view(graph: Graph, source_id: str) -> dict[str, Any]:
    source = graph.sources.get(source_id)
    if source is None:
        return {"id": source_id, "title": "(unknown source)"}
    return {
        "id": source.id,
        "title": source.title,
        "publisher": source.publisher,
        "date": source.date,
        "url": source.url,
        "document": source.document,
        "locator": source.locator,
        "reliability": source.reliability,
    }


def entity_view(graph: Graph, entity_id: str) -> View:
    """Everything the graph says about one entity, as a JSON-ready dict."""
    entity = graph.entities[entity_id]
    relations = [
        *(_relation_view(graph, r, "out") for r in graph.relations_from.get(entity_id, ())),
        *(_relation_view(graph, r, "in") for r in graph.relations_to.get(entity_id, ())),
    ]
    identifiers = [
        {
            "id": i.id,
            "kind": i.kind,
            "value": i.value,
            "pattern": i.pattern,
            "field": i.field,
            "strength": i.strength,
            "confidence": i.confidence,
            "corroboration_required": i.corroboration_required,
            "sources": i.cited(),
        }
        for i in graph.identifiers_of.get(entity_id, ())
    ]
    listings = []
    for x in graph.listings_of.get(entity_id, ()):
        restriction = graph.lists.get(x.list)
        listings.append(
            {
                "id": x.id,
                "list": x.list,
                "list_name": restriction.short_name if restriction else x.list,
                "authority": restriction.authority if restriction else None,
                "listed_as": x.listed_as,
                "added": x.added,
                "removed": x.removed,
                "notice": x.notice,
                "scope": x.scope,
                "confidence": x.confidence,
                "sources": x.cited(),
            }
        )
    names = [
        {
            "name": n.name,
            "lang": n.lang,
            "script": n.script,
            "kind": n.kind,
            "match": n.match,
            "valid_from": n.valid_from,
            "valid_to": n.valid_to,
            "sources": n.cited(),
        }
        for n in entity.names
    ]
    facts = [
        {
            "fact": f.fact,
            "valid_at": f.valid_at,
            "confidence": f.confidence,
            "sources": f.cited(),
        }
        for f in entity.facts
    ]
    products = [
        {
            "id": p.id,
            "name": p.name,
            "model_codes": list(p.model_codes),
            "released": p.released,
            "confidence": p.confidence,
            "sources": p.cited(),
        }
        for p in graph.products
        if p.entity == entity_id
    ]
    cited: dict[str, None] = dict.fromkeys(entity.cited())
    groups: tuple[list[dict[str, Any]], ...] = (
        names,
        facts,
        relations,
        identifiers,
        listings,
        products,
    )
    for group in groups:
        for item in group:
            cited.update(dict.fromkeys(item["sources"]))
    return {
        "id": entity.id,
        "display_name": entity.display_name,
        "legal_name": entity.legal_name,
        "kind": entity.kind,
        "role": entity.role,
        "family_root": entity.family_root,
        "country": entity.country,
        "domains": list(entity.domains),
        "notes": entity.notes,
        "names": names,
        "facts": facts,
        "relations": relations,
        "identifiers": identifiers,
        "listings": listings,
        "products": products,
        "sources": {sid: _source_view(graph, sid) for sid in cited},
        "imported_entries": [],
        "graph_version": graph.version,
    }


def search_names(entity: Entity) -> list[str]:
    """The names to look an entity up by in imported list entries (every matchable name)."""
    return list(dict.fromkeys(n.name for n in entity.names if n.match))


def suggestions(graph: Graph, query: str, limit: int = 5) -> list[tuple[str, str, float]]:
    """Entities whose id or a name is close to ``query``: ``(entity id, matched name, score)``."""
    choices: list[tuple[str, str]] = []
    for entity in graph.entities.values():
        choices.append((entity.id, entity.id))
        choices.extend((entity.id, n.name) for n in entity.names)
    scored = process.extract(
        fold(query),
        [fold(name) for _, name in choices],
        scorer=fuzz.token_set_ratio,
        limit=limit * 6,
        score_cutoff=50,
    )
    best: dict[str, tuple[str, str, float]] = {}
    for _, score, index in scored:
        entity_id, name = choices[index]
        if entity_id not in best or score > best[entity_id][2]:
            best[entity_id] = (entity_id, name, float(score))
    return sorted(best.values(), key=lambda item: -item[2])[:limit]


# ---- rendering ------------------------------------------------------------------------------


def _sources_text(ids: Iterable[str]) -> Text:
    return Text(", ".join(ids), style="dim")


def _header(view: View) -> Panel:
    body = Text()
    body.append(view["legal_name"], style="bold")
    body.append(f"\nid {view['id']} · {view['kind']}")
    if view["role"]:
        body.append(f" · {view['role']}")
    if view["country"]:
        body.append(f" · {view['country']}")
    if view["family_root"]:
        body.append("\nfamily root: reported in findings as ", style="yellow")
        body.append(view["id"], style="bold yellow")
    if view["domains"]:
        body.append(f"\ndomains: {', '.join(view['domains'])}")
    if view["notes"]:
        body.append(f"\n{view['notes']}", style="italic")
    return Panel(body, title=Text(view["display_name"], style="bold"), title_align="left")


def _names_table(view: View) -> Table:
    table = Table(title="Names", title_justify="left", expand=True)
    for column in ("name", "lang", "script", "kind", "valid", "sources"):
        table.add_column(column, overflow="fold")
    for n in view["names"]:
        kind = n["kind"] if n["match"] else f"{n['kind']} (not matched)"
        valid = _window(n["valid_from"], n["valid_to"]) if n["valid_from"] or n["valid_to"] else ""
        table.add_row(
            Text(n["name"]), n["lang"], n["script"], kind, valid, _sources_text(n["sources"])
        )
    return table


def _relation_line(rel: dict[str, Any]) -> Text:
    labels = _PREDICATE_FORWARD if rel["direction"] == "out" else _PREDICATE_BACKWARD
    line = Text()
    line.append(labels.get(rel["predicate"], rel["predicate"]), style="bold")
    line.append(" ")
    line.append(rel["other_name"])
    line.append(f" ({rel['other']})", style="dim")
    line.append(f"  {_window(rel['valid_from'], rel['valid_to'])}")
    if rel["valid_to_status"] == "unknown":
        line.append(" (end unknown)", style="dim")
    line.append(f"  confidence {rel['confidence']}, ")
    status = rel["status"]
    line.append(status.upper() if status == "alleged" else status, _STATUS_STYLE.get(status, ""))
    line.append("\n  sources: ", style="dim")
    line.append(", ".join(rel["sources"]), style="dim")
    return line


def _points_up(rel: dict[str, Any]) -> bool:
    """True when the other side owns, brands or makes this entity (resolution goes that way)."""
    if rel["predicate"] == "oem_for":
        return bool(rel["direction"] == "in")
    return bool(rel["direction"] == "out")


def _relations_tree(view: View) -> Tree:
    tree = Tree(Text("Relations", style="bold"))
    for up, label in (
        (True, "owned by, brand of, made by"),
        (False, "owns, brands, makes for"),
    ):
        rels = [r for r in view["relations"] if _points_up(r) == up]
        branch = tree.add(Text(f"{label} ({len(rels)})", style="italic"))
        for rel in rels:
            node = branch.add(_relation_line(rel))
            for quote in rel["quotes"][:2]:
                node.add(Text(f"“{quote['quote']}” [{quote['source']}]", style="dim italic"))
    return tree


def _identifiers_table(view: View) -> Table:
    table = Table(title="Identifiers", title_justify="left", expand=True)
    for column in ("kind", "value or pattern", "strength", "confidence", "sources"):
        table.add_column(column, overflow="fold")
    for i in view["identifiers"]:
        shown = i["value"] or i["pattern"] or ""
        strength = i["strength"] + (" (needs corroboration)" if i["corroboration_required"] else "")
        table.add_row(
            i["kind"], Text(shown), strength, i["confidence"], _sources_text(i["sources"])
        )
    return table


def _listings_table(view: View) -> Table:
    table = Table(title="List memberships", title_justify="left", expand=True)
    for column in ("list", "added", "removed", "notice", "listed as / scope", "sources"):
        table.add_column(column, overflow="fold")
    for x in view["listings"]:
        detail = " · ".join(part for part in (x["listed_as"], x["scope"]) if part)
        table.add_row(
            Text(x["list_name"], style="bold red"),
            x["added"] or "?",
            x["removed"] or "",
            Text(x["notice"] or ""),
            Text(detail),
            _sources_text(x["sources"]),
        )
    return table


def _facts_table(view: View) -> Table:
    table = Table(title="Ownership and other facts", title_justify="left", expand=True)
    for column in ("fact", "as of", "confidence", "sources"):
        table.add_column(column, overflow="fold")
    for f in view["facts"]:
        table.add_row(
            Text(f["fact"]), f["valid_at"] or "", f["confidence"], _sources_text(f["sources"])
        )
    return table


def _sources_table(view: View) -> Table:
    table = Table(title="Sources", title_justify="left", expand=True)
    for column in ("id", "title", "publisher", "date", "url or document"):
        table.add_column(column, overflow="fold")
    for s in view["sources"].values():
        table.add_row(
            Text(s["id"], style="dim"),
            Text(s.get("title") or ""),
            Text(s.get("publisher") or ""),
            s.get("date") or "",
            Text(s.get("url") or s.get("document") or ""),
        )
    return table


PRODUCTS_SHOWN = 15


def _products_table(view: View) -> Table:
    products = view["products"]
    more = len(products) - PRODUCTS_SHOWN
    caption = f"… and {more} more (--json lists all)" if more > 0 else None
    table = Table(title="Products", title_justify="left", expand=True, caption=caption)
    for column in ("product", "model codes", "released", "confidence", "sources"):
        table.add_column(column, overflow="fold")
    for p in products[:PRODUCTS_SHOWN]:
        table.add_row(
            Text(p["name"]),
            Text(", ".join(p["model_codes"])),
            p["released"],
            p["confidence"],
            _sources_text(p["sources"]),
        )
    return table


def _imported_table(view: View) -> Table:
    table = Table(title="Imported list entries naming it", title_justify="left", expand=True)
    for column in ("list", "name", "matched", "start", "notice", "where"):
        table.add_column(column, overflow="fold")
    for entry in view["imported_entries"]:
        version = entry.get("version")
        listed = f"{entry.get('list_id', '')} v{version}" if version else entry.get("list_id", "")
        matched = f"{entry.get('matched_name') or ''} ({entry.get('matched_as') or ''})"
        table.add_row(
            Text(str(listed)),
            Text(str(entry.get("name") or "")),
            Text(matched),
            str(entry.get("start_date") or ""),
            Text(str(entry.get("notice") or "")),
            Text(str(entry.get("citation") or ""), style="dim"),
        )
    return table


def render_view(view: View) -> Group:
    """The rich renderable for one entity view."""
    parts: list[Any] = [_header(view), _names_table(view)]
    if view["relations"]:
        parts.append(_relations_tree(view))
    if view["listings"]:
        parts.append(_listings_table(view))
    else:
        parts.append(Text("Not on any list in the graph.", style="green"))
    if view["identifiers"]:
        parts.append(_identifiers_table(view))
    if view["facts"]:
        parts.append(_facts_table(view))
    if view["products"]:
        parts.append(_products_table(view))
    if view["imported_entries"]:
        parts.append(_imported_table(view))
    parts.append(_sources_table(view))
    return Group(*parts)


def print_views(console: Console, views: list[View]) -> None:
    """Print each view; several matches are announced first."""
    if len(views) > 1:
        console.print(
            Text(f"{len(views)} entities match: " + ", ".join(v["id"] for v in views), style="bold")
        )
    for view in views:
        console.print(render_view(view))
