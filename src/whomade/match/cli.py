"""`whomade names` commands: compare name pairs from a CSV, or one name against others."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from whomade.match.names import DEFAULT_THRESHOLD, KnownNames, NameMatch, compare_names

app = typer.Typer(no_args_is_help=True)

REQUIRED_COLUMNS = ("name1", "name2")
OUTPUT_COLUMNS = ("name1", "name2", "score", "is_match", "explanation")
# Legal entities only: a brand or product line is not the company that owns it.
_ENTITY_KINDS = {"company", "group", "joint_venture", "government_body"}
_CSV_FIELD_LIMIT = 16 * 1024 * 1024

THRESHOLD_OPTION = typer.Option(
    DEFAULT_THRESHOLD, "--threshold", min=0.0, max=1.0, help="Score at which a pair matches."
)
KB_OPTION = typer.Option(
    True,
    "--kb/--no-kb",
    help="Also match through names the knowledge graph records for one entity "
    "(e.g. 'Hikvision' and '海康威视'); --no-kb compares spelling only.",
)


class InputError(Exception):
    """The input file cannot be used; the message names the file and, when known, the line."""


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def known_names_from_graph() -> KnownNames | None:
    """Recorded names of the graph's legal entities (brands excluded), or None if unavailable."""
    from whomade.kb import KnowledgeGraphError, load_graph

    try:
        graph = load_graph()
    except KnowledgeGraphError as exc:
        first = exc.problems[0] if exc.problems else exc
        _err().print(Text(f"warning: knowledge graph does not validate ({first}); spelling only"))
        return None
    except (OSError, ValueError) as exc:
        _err().print(Text(f"warning: knowledge graph unavailable ({exc}); spelling only"))
        return None
    names = [
        (entity.id, name.name)
        for entity in graph.entities.values()
        if entity.kind in _ENTITY_KINDS
        for name in entity.names
        if name.match and name.kind != "brand"
    ]
    return KnownNames(names)


@contextmanager
def _open_output(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        yield sys.stdout
        return
    try:
        handle = output.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror}") from None
    with handle:
        yield handle


def _rows(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, name1, name2) for each data row; raises InputError naming file and line."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        with handle:
            reader = csv.DictReader(handle)
            try:
                header = reader.fieldnames or []
            except (csv.Error, UnicodeDecodeError) as exc:
                raise InputError(f"{path}:1: not a readable CSV header: {exc}") from None
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                found = ", ".join(repr(c) for c in header) or "no columns"
                raise InputError(f"{path}: missing column(s) {', '.join(missing)} (found: {found})")
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except (csv.Error, UnicodeDecodeError) as exc:
                    raise InputError(f"{path}:{reader.line_num}: unreadable row: {exc}") from None
                yield reader.line_num, row.get("name1") or "", row.get("name2") or ""
    finally:
        csv.field_size_limit(previous_limit)


@app.command("compare")
def compare(
    input_csv: Path = typer.Argument(
        ..., metavar="INPUT.csv", help="CSV with columns name1,name2 (other columns ignored)."
    ),
    output: Path | None = typer.Option(
        None, "-o", "--output", dir_okay=False, help="CSV to write (default: stdout)."
    ),
    threshold: float = THRESHOLD_OPTION,
    kb: bool = KB_OPTION,
) -> None:
    """Score each name1/name2 pair: writes name1,name2,score,is_match,explanation.

    Unusable names (empty, only punctuation, overlong) get score 0 with the reason.
    """
    known = known_names_from_graph() if kb else None
    count = matches = 0
    try:
        with _open_output(output) as handle:
            writer = csv.writer(handle)
            writer.writerow(OUTPUT_COLUMNS)
            for _line, name1, name2 in _rows(input_csv):
                result = compare_names(name1, name2, threshold=threshold, known=known)
                writer.writerow(
                    (name1, name2, f"{result.score:.4f}", int(result.is_match), result.explanation)
                )
                count += 1
                matches += result.is_match
    except InputError as exc:
        _err().print(Text(f"error: {exc}", style="bold red"))
        raise typer.Exit(2) from None
    if output is not None:
        _err().print(Text(f"{count:,} pairs, {matches:,} matches -> {output}"))


def _feature_table(result: NameMatch) -> Table:
    table = Table(show_header=True, box=None, pad_edge=False)
    table.add_column("feature")
    table.add_column("score", justify="right")
    table.add_column("explanation")
    for feature in result.features:
        table.add_row(feature.name, f"{feature.score:+.2f}", Text(feature.explanation))
    return table


@app.command("match")
def match(
    name: str = typer.Argument(..., help="The name to check."),
    others: list[str] = typer.Argument(..., help="Names to compare it with."),
    threshold: float = THRESHOLD_OPTION,
    kb: bool = KB_OPTION,
) -> None:
    """Compare NAME with each other name and print the score and every feature."""
    known = known_names_from_graph() if kb else None
    console = Console(highlight=False)
    for other in others:
        result = compare_names(name, other, threshold=threshold, known=known)
        style = "bold green" if result.is_match else "bold"
        console.print(Text(f"{name}  ~  {other}", style=style))
        console.print(Text(result.explanation))
        console.print(_feature_table(result))
        console.print()
