"""`whomade kb` commands: validate, show, export, compile."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from whomade.kb import load_checked
from whomade.kb.graph import Graph
from whomade.kb.load import DATA_DIR, Problem
from whomade.kb.model import Fact

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from whomade.kb.oui import OuiReport

app = typer.Typer(
    no_args_is_help=True, help="The knowledge graph: validate, show, export, compile."
)

DATA_OPTION = typer.Option(
    None,
    "--data",
    help="Folder of graph YAML files (default: the data shipped with whomade).",
    file_okay=False,
)


def _out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


_UNREADABLE = frozenset({"(file)", "(folder)"})


def first_problems(problems: list[Problem]) -> tuple[list[Problem], bool]:
    """The problems worth showing: when a file could not be read, only those.

    An unreadable file takes its facts with it, so every reference into it would be reported
    as dangling too: hundreds of lines hiding the one that matters. Returns the problems and
    whether others were held back.
    """
    unreadable = [p for p in problems if p.fact in _UNREADABLE]
    if unreadable and len(unreadable) < len(problems):
        return unreadable, True
    return problems, False


def _print_problems(console: Console, problems: list[Problem]) -> None:
    shown, held_back = first_problems(problems)
    for problem in shown:
        console.print(Text(str(problem)), soft_wrap=True)
    console.print(Text(f"{len(shown)} problem(s) found.", style="bold red"))
    if held_back:
        console.print(
            Text("Other checks are reported once every file loads.", style="dim"),
        )


def _graph_or_exit(data: Path | None) -> Graph:
    """The graph from ``data``; on any validation problem print them all and exit 1."""
    graph, problems = load_checked(data)
    if problems:
        console = _err()
        console.print(Text("The knowledge graph does not validate:", style="bold red"))
        _print_problems(console, problems)
        raise typer.Exit(1)
    return graph


def _db_target(ctx: typer.Context) -> str:
    """``--db``, else ``$WHOMADE_DB``, else the default file; a URL (PostgreSQL) kept verbatim."""
    from whomade.cli import state
    from whomade.config import ENV_DB, resolve_db_path

    given = state(ctx).db or os.environ.get(ENV_DB)
    if given and "://" in given:  # a Path would fold "postgresql://" into "postgresql:/"
        return given
    return str(resolve_db_path(state(ctx).db))


def _engine(ctx: typer.Context) -> Engine:
    """The database engine for ``--db`` / ``$WHOMADE_DB`` / the default location."""
    from whomade.db import connect

    # Resolved here: ``connect`` caches by argument, and ``None`` must follow $WHOMADE_DB.
    return connect(_db_target(ctx))


def _existing_engine(ctx: typer.Context) -> Engine | None:
    """The database engine when the database already exists (never create one to read it)."""
    target = _db_target(ctx)
    if "://" not in target and not Path(target).exists():
        return None
    return _engine(ctx)


# ---- validate -------------------------------------------------------------------------------


def facts_without_source(graph: Graph) -> int:
    """How many facts (names and ownership notes included) cite no source."""
    facts: list[Fact] = [*graph.relations, *graph.identifiers, *graph.listings]
    facts.extend(graph.lists.values())
    facts.extend(graph.products)
    for entity in graph.entities.values():
        facts.extend([entity, *entity.names, *entity.facts])
    return sum(1 for fact in facts if not fact.cited())


def _fact_total(graph: Graph) -> int:
    entity_parts = sum(1 + len(e.names) + len(e.facts) for e in graph.entities.values())
    return (
        entity_parts
        + len(graph.relations)
        + len(graph.identifiers)
        + len(graph.lists)
        + len(graph.listings)
        + len(graph.products)
    )


def _oui_report(graph: Graph) -> OuiReport:
    from whomade.kb.oui import check_registrants, netaddr_registry

    registry, version = netaddr_registry()
    return check_registrants(graph.identifiers, registry, version)


def _summary(graph: Graph, oui: OuiReport, data: Path) -> dict[str, Any]:
    counts = graph.counts()
    return {
        "ok": True,
        "data": str(data),
        "graph_version": graph.version,
        "counts": {
            "entities": counts["entities"],
            "names": counts["names"],
            "relations": counts["relations"],
            "identifiers": counts["identifiers"],
            "identifiers_by_kind": dict(Counter(i.kind for i in graph.identifiers).most_common()),
            "lists": counts["lists"],
            "list_entries": counts["listings"],
            "products": len(graph.products),
            "sources": counts["sources"],
            "facts": _fact_total(graph),
            "facts_without_source": facts_without_source(graph),
        },
        "oui": {
            "registry": oui.registry_version,
            "registrants": len(oui.checks),
            "prefixes": oui.prefixes,
            "unchecked": [c.identifier for c in oui.unchecked],
        },
    }


def _print_summary(console: Console, summary: dict[str, Any]) -> None:
    counts = summary["counts"]
    oui = summary["oui"]
    console.print(
        Text(f"Knowledge graph OK (version {summary['graph_version']}, data {summary['data']})"),
        style="bold green",
    )
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    table.add_column(justify="left", style="dim")
    by_kind = ", ".join(f"{k} {n}" for k, n in counts["identifiers_by_kind"].items())
    rows = [
        ("entities", counts["entities"], ""),
        ("names", counts["names"], ""),
        ("relations", counts["relations"], ""),
        ("identifiers", counts["identifiers"], by_kind),
        ("lists", counts["lists"], ""),
        ("list entries", counts["list_entries"], ""),
        ("products", counts["products"], ""),
        ("sources", counts["sources"], ""),
        ("facts", counts["facts"], ""),
    ]
    for label, number, note in rows:
        table.add_row(label, f"{number:,}", note)
    console.print(table)
    console.print(f"{counts['facts_without_source']} facts without source")
    checked = oui["registrants"] - len(oui["unchecked"])
    console.print(
        Text(
            f"{oui['prefixes']:,} IEEE OUI prefixes from {checked} of {oui['registrants']} "
            "oui_registrant names (exact match)"
        )
    )
    console.print(Text(f"registry: {oui['registry']}", style="dim"))
    if oui["unchecked"]:
        console.print(
            Text(
                "not checkable here (blocks only in MA-M/MA-S, which this registry lacks): "
                + ", ".join(oui["unchecked"]),
                style="dim",
            )
        )


@app.command()
def validate(
    data: Path | None = DATA_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check every fact: sources, references, regexes, dates, ids, files and IEEE registrants.

    Exits 1 and names file, line and fact for each problem; prints the graph's counts otherwise.
    """
    graph, problems = load_checked(data)
    oui = _oui_report(graph)
    problems = [*problems, *oui.problems]
    if as_json:
        if problems:
            shown, held_back = first_problems(problems)
            body: dict[str, Any] = {
                "ok": False,
                "problems": [
                    {"file": p.file, "line": p.line, "fact": p.fact, "message": p.message}
                    for p in shown
                ],
                "other_checks_held_back": held_back,
            }
        else:
            body = _summary(graph, oui, data or DATA_DIR)
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        raise typer.Exit(1 if problems else 0)
    if problems:
        _print_problems(_out(), problems)
        raise typer.Exit(1)
    _print_summary(_out(), _summary(graph, oui, data or DATA_DIR))


# ---- show -----------------------------------------------------------------------------------


def imported_entries(engine: Engine | None, names: list[str]) -> list[dict[str, Any]]:
    """Entries of imported official lists (current versions) that carry one of ``names``.

    Empty when there is no database yet; see :func:`whomade.sources.query.entries_naming`.
    """
    if engine is None or not names:
        return []
    from whomade.sources.query import entries_naming

    return [dataclasses.asdict(entry) for entry in entries_naming(engine, names)]


@app.command()
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Any id or name of the entity, in any script."),
    data: Path | None = DATA_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the entity views as JSON."),
) -> None:
    """Show an entity: names, relations both ways, identifiers, list memberships, sources."""
    from sqlalchemy.exc import SQLAlchemyError

    from whomade.kb.show import entity_view, print_views, search_names, suggestions

    graph = _graph_or_exit(data)
    matches = graph.find(name)
    if not matches:
        close = suggestions(graph, name)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "error": f"no entity named {name!r}",
                        "suggestions": [
                            {"id": i, "name": n, "score": round(s, 1)} for i, n, s in close
                        ],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            raise typer.Exit(1)
        err = _err()
        err.print(Text(f"No entity named {name!r}.", style="bold red"))
        if close:
            err.print("Did you mean:")
            for entity_id, matched, _score in close:
                shown = graph.entities[entity_id].display_name
                err.print(Text(f"  {matched}  →  {shown} ({entity_id})"))
        raise typer.Exit(1)
    views = [entity_view(graph, entity.id) for entity in matches]
    try:
        engine = _existing_engine(ctx)
        for view, entity in zip(views, matches, strict=True):
            view["imported_entries"] = imported_entries(engine, search_names(entity))
    except (SQLAlchemyError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        _err().print(Text(f"Imported list entries not shown (database: {reason})", style="yellow"))
    if as_json:
        typer.echo(json.dumps(views, ensure_ascii=False, indent=2))
        return
    print_views(_out(), views)


# ---- resolve --------------------------------------------------------------------------------


def _path_view(graph: Graph, path: Any) -> dict[str, Any]:
    return {
        "entities": list(path.entities),
        "confidence": path.confidence,
        "status": path.status,
        "links": [
            {
                "from": link.source,
                "to": link.target,
                "relation": link.relation.id,
                "subject": link.relation.subject,
                "predicate": link.relation.predicate,
                "object": link.relation.object,
                "read_backwards": link.reversed,
                "valid_from": link.relation.valid_from,
                "valid_to": link.relation.valid_to,
                "confidence": link.relation.confidence,
                "status": link.relation.status,
                "sources": link.relation.cited(),
            }
            for link in path.links
        ],
        "listings": [
            {
                "entity": listing.entity,
                "list": listing.list,
                "since": listing.added,
                "notice": listing.notice,
                "sources": listing.cited(),
            }
            for listing in path.listings
        ],
    }


@app.command()
def resolve(
    name: str = typer.Argument(..., help="Any id or name of the entity, in any script."),
    on: str = typer.Option(
        "", "--on", help="The product's date (YYYY-MM-DD): relations valid then. Default: today."
    ),
    listed_on: str = typer.Option("", "--listed-on", help="Judge list membership on this day."),
    include_alleged: bool = typer.Option(False, "--include-alleged", help="Show allegations too."),
    data: Path | None = DATA_OPTION,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every path from an entity to every listed entity at a date, link by link with sources."""
    import datetime as dt

    from rich.tree import Tree

    from whomade.kb.resolve import families
    from whomade.kb.resolve import resolve as resolve_paths

    graph = _graph_or_exit(data)
    matches = graph.find(name)
    if not matches:
        _err().print(Text(f"No entity named {name!r} (try `whomade kb show`).", style="bold red"))
        raise typer.Exit(1)
    try:
        day = dt.date.fromisoformat(on) if on else dt.date.today()
        listed_day = dt.date.fromisoformat(listed_on) if listed_on else dt.date.today()
    except ValueError as exc:
        raise typer.BadParameter(f"expected YYYY-MM-DD: {exc}") from exc
    views: list[dict[str, Any]] = []
    for entity in matches:
        paths = resolve_paths(graph, entity.id, day, listed_day, include_alleged=include_alleged)
        views.append(
            {
                "entity": entity.id,
                "on": day.isoformat(),
                "listed_on": listed_day.isoformat(),
                "families": families(graph, paths),
                "paths": [_path_view(graph, p) for p in paths],
            }
        )
    if as_json:
        typer.echo(json.dumps(views, ensure_ascii=False, indent=2))
        return
    console = _out()
    for view in views:
        entity = graph.entities[view["entity"]]
        tree = Tree(
            f"[bold]{entity.display_name}[/bold] ({entity.id}) on {view['on']}: "
            + (", ".join(view["families"]) or "no path to a listed entity")
        )
        for path in view["paths"]:
            node = tree.add(
                " → ".join(path["entities"])
                + f"  [dim]({path['confidence']}, {path['status']})[/dim]"
            )
            for link in path["links"]:
                window = f"{link['valid_from'] or '…'} to {link['valid_to'] or 'open'}"
                node.add(
                    f"{link['subject']} —{link['predicate']}→ {link['object']} ({window}; "
                    f"{link['confidence']}, {link['status']}) "
                    f"[dim]{', '.join(link['sources'])}[/dim]"
                )
            for listing in path["listings"]:
                node.add(
                    f"[red]{listing['entity']} on {listing['list']}[/red] since {listing['since']}"
                    f" [dim]{', '.join(listing['sources'])}[/dim]"
                )
        console.print(tree)


# ---- export ---------------------------------------------------------------------------------


@app.command()
def export(
    fmt: str = typer.Option(
        "ftm", "--format", help="Output format: ftm (FollowTheMoney JSON lines)."
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="File to write (default: stdout).", dir_okay=False
    ),
    data: Path | None = DATA_OPTION,
) -> None:
    """Export the graph (FollowTheMoney entities as JSON lines)."""
    from whomade.kb.ftm import FtmExportError, write_ftm

    if fmt != "ftm":
        _err().print(Text(f"Unknown format {fmt!r}; supported: ftm.", style="bold red"))
        raise typer.Exit(2)
    graph = _graph_or_exit(data)
    try:
        if output is None:
            count = write_ftm(graph, sys.stdout)
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            partial = output.with_name(output.name + ".partial")
            with partial.open("w", encoding="utf-8") as handle:
                count = write_ftm(graph, handle)
            partial.replace(output)
    except FtmExportError as exc:
        _err().print(Text(f"Cannot export: {exc}", style="bold red"))
        raise typer.Exit(1) from None
    except OSError as exc:
        _err().print(Text(f"Cannot write {output}: {exc.strerror}", style="bold red"))
        raise typer.Exit(1) from None
    if output is not None:
        _err().print(Text(f"Wrote {count:,} FollowTheMoney entities to {output}"))


# ---- compile --------------------------------------------------------------------------------


@app.command("compile")
def compile_command(ctx: typer.Context, data: Path | None = DATA_OPTION) -> None:
    """Write the graph into the database (replacing the previous one) and record its version."""
    from sqlalchemy.exc import SQLAlchemyError

    from whomade.kb.store import compile_graph

    graph = _graph_or_exit(data)
    try:
        engine = _engine(ctx)
        result = compile_graph(engine, graph)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        _err().print(Text(f"Database error: {reason}", style="bold red"))
        raise typer.Exit(1) from None
    except OSError as exc:
        _err().print(Text(f"Cannot open the database: {exc}", style="bold red"))
        raise typer.Exit(1) from None
    rows = ", ".join(f"{table.removeprefix('kb_')} {n}" for table, n in result.rows.items())
    _out().print(
        Text(f"Compiled graph {result.version} into {engine.url.render_as_string()}: {rows}")
    )
