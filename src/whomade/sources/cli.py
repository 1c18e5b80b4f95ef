"""`whomade lists` commands: import, update, versions, show, diff, find, link, impact."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _engine(ctx: typer.Context) -> Any:
    from whomade.cli import state
    from whomade.db import connect

    return connect(state(ctx).db)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code=1)


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{option} {value!r}: expected a date YYYY-MM-DD") from None


def _print_links(summary: Any) -> None:
    if summary is None:
        return
    if summary.note:
        out.print(f"  linking skipped: {summary.note}", highlight=False)
        return
    families = ", ".join(f"{k} {v}" for k, v in summary.by_family.items()) or "none"
    out.print(
        f"  linked {summary.linked} of {summary.entries} entries to graph entities "
        f"(families: {families})",
        highlight=False,
    )


@app.command("import")
def import_command(
    ctx: typer.Context,
    list_id: str = typer.Argument(
        ..., metavar="LIST", help="csl, sdn, cons, dpl, el, fcc, uflpa, 1260h"
    ),
    file: Path = typer.Argument(..., help="The official file (or an OFAC CSV folder)."),
    fmt: str | None = typer.Option(None, "--format", help="Override format detection."),
    source_url: str | None = typer.Option(None, help="Where the file was downloaded from."),
    published: str | None = typer.Option(
        None, help="Publication date YYYY-MM-DD, when the file does not state one."
    ),
    allow_partial: bool = typer.Option(
        False, help="Keep the whole rows of a damaged file (stored as partial, never current)."
    ),
    link: bool = typer.Option(True, help="Link entries to knowledge-graph entities."),
    note: list[str] = typer.Option(
        [], "--note", help="A note kept with the version (e.g. 'a sample, not a full release')."
    ),
) -> None:
    """Import a list file as a new version (nothing is added if it was imported before)."""
    from whomade.sources.errors import ListImportError
    from whomade.sources.importer import import_path
    from whomade.sources.linking import link_version

    engine = _engine(ctx)
    try:
        result = import_path(
            engine,
            list_id,
            file,
            fmt=fmt,
            source_url=source_url,
            published_on=_date(published, "--published"),
            allow_partial=allow_partial,
            notes=tuple(note),
        )
    except ListImportError as exc:
        raise _fail(f"{exc}\nnothing was imported; the previous version stays in use") from None
    out.print(result.message, highlight=False)
    for line in result.notes:
        out.print(f"  note: {line}", highlight=False)
    if link and result.status != "unchanged":
        _print_links(link_version(engine, result.version.id))


@app.command("update")
def update_command(
    ctx: typer.Context,
    list_ids: list[str] | None = typer.Argument(None, metavar="[LIST]...", help="Default: all."),
    base_url: str | None = typer.Option(
        None, help="Fetch every file from this base URL by file name ($WHOMADE_LISTS_BASE_URL)."
    ),
    url: str | None = typer.Option(None, help="The primary file's URL (one list only)."),
    timeout: float = typer.Option(60.0, help="Seconds per request."),
    max_mb: float = typer.Option(200.0, help="Size limit per file, in MB."),
    link: bool = typer.Option(True, help="Link new entries to knowledge-graph entities."),
) -> None:
    """Download the official files (conditional requests) and import what changed."""
    from whomade.sources.linking import link_version
    from whomade.sources.lists import LISTS
    from whomade.sources.update import update_list

    targets = list_ids or [list_id for list_id, spec in LISTS.items() if spec.downloads]
    if url and len(targets) != 1:
        raise _fail("--url needs exactly one LIST")
    engine = _engine(ctx)
    failed = 0
    for list_id in targets:
        result = update_list(
            engine,
            list_id,
            base_url=base_url,
            url=url,
            timeout=timeout,
            max_bytes=int(max_mb * 1024 * 1024),
        )
        style = "red" if result.status == "failed" else None
        (err if style else out).print(result.message, style=style, highlight=False)
        failed += result.status == "failed"
        if link and result.result is not None and result.status in ("imported", "partial"):
            _print_links(link_version(engine, result.result.version.id))
    if failed:
        raise typer.Exit(code=1)


@app.command("versions")
def versions_command(
    ctx: typer.Context,
    list_id: str | None = typer.Argument(None, metavar="[LIST]"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The stored versions of each list."""
    from sqlalchemy.orm import Session

    from whomade.sources.query import versions

    with Session(_engine(ctx)) as session:
        rows = versions(session, list_id)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "list": v.list_id,
                        "seq": v.seq,
                        "format": v.format,
                        "entries": v.entry_count,
                        "published_on": v.published_on.isoformat() if v.published_on else None,
                        "retrieved_at": v.retrieved_at.isoformat(),
                        "file_hash": v.file_hash,
                        "source_url": v.source_url,
                        "complete": v.complete,
                        "notes": list(v.notes),
                    }
                    for v in rows
                ]
            )
        )
        return
    table = Table("list", "v", "entries", "published", "retrieved", "format", "sha256", "status")
    for v in rows:
        table.add_row(
            v.list_id,
            str(v.seq),
            str(v.entry_count),
            v.published_on.isoformat() if v.published_on else "-",
            v.retrieved_at.strftime("%Y-%m-%d %H:%M"),
            v.format,
            v.file_hash[:12],
            "complete" if v.complete else "PARTIAL",
        )
    out.print(table)


@app.command("show")
def show_command(
    ctx: typer.Context,
    list_id: str = typer.Argument(..., metavar="LIST"),
    version: str | None = typer.Option(None, help="Version (N, or latest)."),
    name: str | None = typer.Option(None, help="Only entries whose names contain this text."),
    limit: int = typer.Option(50, help="At most this many entries (0: all)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The entries of a stored version."""
    from sqlalchemy.orm import Session

    from whomade.sources.errors import ListImportError
    from whomade.sources.query import find_version, version_entries

    with Session(_engine(ctx)) as session:
        try:
            stored = find_version(session, list_id, version)
        except ListImportError as exc:
            raise _fail(str(exc)) from None
        records = version_entries(session, stored.id)
    if name:
        needle = name.casefold()
        records = [
            r
            for r in records
            if any(needle in n.casefold() for n in [r["name"], *r.get("aliases", [])])
        ]
    shown = records if limit == 0 else records[:limit]
    if as_json:
        out.print_json(json.dumps(shown))
        return
    table = Table("source", "name", "aliases", "programs", "since", "notice", "citation")
    for r in shown:
        table.add_row(
            r.get("source") or "",
            r.get("name") or str(r.get("details", {}).get("description", ""))[:80],
            "; ".join(r.get("aliases", []))[:80],
            "; ".join(r.get("programs", [])),
            r.get("start_date") or "",
            (r.get("notice") or "")[:40],
            r["citation"]["locator"],
        )
    out.print(table)
    out.print(f"{len(shown)} of {len(records)} entries of {list_id} v{stored.seq}", highlight=False)


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    list_id: str = typer.Argument(..., metavar="LIST"),
    from_ref: str | None = typer.Option(None, "--from", help="Older version (N)."),
    to_ref: str | None = typer.Option(None, "--to", help="Newer version (N)."),
    as_json: bool = typer.Option(False, "--json", help="JSON with added, removed, changed."),
    limit: int = typer.Option(30, help="Rows shown per table (0: all)."),
) -> None:
    """Entries added, removed and changed between two versions (default: the last two)."""
    from sqlalchemy.orm import Session

    from whomade.sources.errors import ListImportError
    from whomade.sources.query import diff_stored

    with Session(_engine(ctx)) as session:
        try:
            result = diff_stored(session, list_id.lower(), from_ref, to_ref)
        except ListImportError as exc:
            raise _fail(str(exc)) from None
    if as_json:
        out.print_json(json.dumps(result.to_dict(), default=str))
        return
    _print_diff(result, limit)


def _print_diff(result: Any, limit: int) -> None:
    diff = result.diff
    counts = diff.counts
    out.print(
        f"{result.list_id}: v{result.old.seq} → v{result.new.seq}: "
        f"[green]+{counts['added']} added[/green], [red]-{counts['removed']} removed[/red], "
        f"[yellow]{counts['changed']} changed[/yellow]"
    )
    if diff.uncompared:
        out.print(
            f"  not compared (a version lacks them): {', '.join(diff.uncompared)}", highlight=False
        )
    if diff.changed:
        fields = ", ".join(f"{k} {v}" for k, v in diff.field_counts().items())
        out.print(f"  changed fields: {fields}", highlight=False)

    def cut(items: list[Any]) -> list[Any]:
        return items if limit == 0 else items[:limit]

    flagged = {f.key: f for f in result.flags}
    for title, items, style in (("Added", diff.added, "green"), ("Removed", diff.removed, "red")):
        if not items:
            continue
        table = Table("source", "name", "graph", "citation", title=title, title_style=style)
        for item in cut(items):
            flag = flagged.get(item.key)
            table.add_row(item.source, item.name, _flag_text(flag), item.citation)
        out.print(table)
    if diff.changed:
        table = Table("name", "field", "before", "after", "graph", title="Changed")
        for change in cut(diff.changed):
            flag = flagged.get(change.key)
            for index, field in enumerate(change.fields):
                before, after = _field_texts(field)
                table.add_row(
                    change.name if index == 0 else "",
                    field.field,
                    before,
                    after,
                    _flag_text(flag) if index == 0 else "",
                )
        out.print(table)
    if result.flags:
        out.print(f"[bold]{len(result.flags)} change(s) touch the knowledge graph:[/bold]")
        for flag in result.flags:
            out.print(f"  • {flag.change} {flag.name}: {flag.reason}", highlight=False)


def _flag_text(flag: Any) -> str:
    if flag is None:
        return ""
    return flag.entity_id or f"mentions {flag.family}"


def _field_texts(field: Any) -> tuple[str, str]:
    if field.added or field.removed:
        return (
            "- " + "; ".join(field.removed) if field.removed else "",
            "+ " + "; ".join(field.added) if field.added else "",
        )

    def text(value: Any) -> str:
        if value is None:
            return "(none)"
        shown = "; ".join(value) if isinstance(value, tuple | list) else str(value)
        return shown if len(shown) <= 120 else shown[:117] + "..."

    return text(field.old), text(field.new)


@app.command("find")
def find_command(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., help="Company names (any script)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Entries of the current list versions that carry one of these names."""
    from whomade.sources.query import entries_naming

    found = entries_naming(_engine(ctx), names)
    if as_json:
        out.print_json(json.dumps([e.__dict__ for e in found], default=list))
        return
    table = Table("list", "source", "name", "matched", "programs", "since", "entity", "citation")
    for e in found:
        table.add_row(
            f"{e.list_id} v{e.version}",
            e.source,
            e.name,
            f"{e.matched_name} ({e.matched_as})",
            "; ".join(e.programs),
            e.start_date or "",
            ", ".join(e.linked_entities),
            e.citation,
        )
    out.print(table)


@app.command("link")
def link_command(
    ctx: typer.Context,
    list_ids: list[str] | None = typer.Argument(None, metavar="[LIST]..."),
) -> None:
    """(Re)link the current version of each list to the knowledge graph and report counts."""
    from sqlalchemy.orm import Session

    from whomade.sources.linking import link_version
    from whomade.sources.query import current_versions

    engine = _engine(ctx)
    with Session(engine) as session:
        current = [v for v in current_versions(session) if not list_ids or v.list_id in list_ids]
    if not current:
        raise _fail("no stored list versions (run `whomade lists import` or `update` first)")
    for version in current:
        out.print(f"{version.list_id} v{version.seq}:", highlight=False)
        _print_links(link_version(engine, version.id))


@app.command("impact")
def impact_command(
    ctx: typer.Context,
    list_ids: list[str] | None = typer.Argument(None, metavar="[LIST]..."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Re-screen the stored findings the latest list changes can affect; show verdict changes."""
    from whomade.sources.impact import run_impact

    report = run_impact(_engine(ctx), list_ids or None)
    if as_json:
        out.print_json(json.dumps(report.to_dict(), default=str))
        return
    for line in report.lines():
        out.print(line, highlight=False)
