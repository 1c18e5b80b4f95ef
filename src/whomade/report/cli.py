"""`whomade report` commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from whomade.screen.cli import db_location, parse_map

app = typer.Typer(no_args_is_help=True)


def screen_inventory(
    path: Path, mapping: dict[str, str], today: dt.date, db_path: str | None = None
) -> tuple[list[tuple[dict[str, str], dict[str, Any]]], list[str]]:
    """Every device of the inventory with its federal-context finding, and the rows not read."""
    from whomade.inputs import ListErrorSink, open_records
    from whomade.screen.pipeline import Screener

    screener = Screener("devices", "federal", today=today, db_path=db_path)
    sink = ListErrorSink()
    rows: list[tuple[dict[str, str], dict[str, Any]]] = []
    for frame in open_records(path, "devices", mapping=mapping, errors=sink):
        batch = screener.screen_frame(frame)
        for index, record in enumerate(frame.iter_rows(named=True)):
            clean = {k: "" if v is None else str(v) for k, v in record.items()}
            finding = batch.findings.get(index) or screener.clear(
                batch.ids[index], batch.lines[index]
            )
            rows.append((clean, finding))
    return rows, [str(e) for e in sink.errors]


@app.command("section889")
def section889_command(
    ctx: typer.Context,
    inventory: Path = typer.Argument(
        ..., metavar="INVENTORY", help="Device inventory: CSV/TSV, JSONL, JSON, XLSX or nmap XML."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Report file (.html or .json)."),
    fmt: str = typer.Option("", "--format", help="html | json (default: from the extension)."),
    mapping: list[str] = typer.Option(
        [], "--map", help='Map a field to a column: hostname="Device Name".'
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Report as of this day (YYYY-MM-DD)."),
) -> None:
    """The NDAA §889 report: per device a determination, its evidence and what to check."""
    from whomade.inputs import InputError
    from whomade.kb import load_graph
    from whomade.report.section889 import build_report, render_html

    kind = (fmt or ("json" if output.suffix.lower() == ".json" else "html")).lower()
    if kind not in ("html", "json"):
        raise typer.BadParameter(f"--format {fmt!r}: expected html or json")
    try:
        today = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError as exc:
        raise typer.BadParameter(f"--as-of {as_of!r}: expected YYYY-MM-DD") from exc
    try:
        rows, row_errors = screen_inventory(inventory, parse_map(mapping), today, db_location(ctx))
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    report = build_report(
        load_graph(), rows, inventory=inventory.name, as_of=today, row_errors=row_errors
    )
    try:
        if kind == "json":
            output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            output.write_text(render_html(report), encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    counts = report["counts"]
    typer.echo(
        f"{report['total']} devices: {counts['covered']} covered, {counts['inquiry']} need "
        f"inquiry, {counts['no_link']} no link found"
        + (f"; {len(row_errors)} rows not read" if row_errors else "")
        + f" → {output}",
        err=True,
    )
