"""``whomade screen`` and ``whomade explain``: the main job, with progress, summary and resume."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.tree import Tree

from whomade.kb.model import CONTEXTS

err = Console(stderr=True)
out = Console()


def parse_map(values: list[str]) -> dict[str, str]:
    """``--map FIELD="Column"`` options as a mapping (shared by every command that reads input)."""
    mapping = {}
    for value in values:
        if "=" not in value:
            raise typer.BadParameter(f'--map {value!r}: expected FIELD="Column name"')
        key, column = value.split("=", 1)
        mapping[key.strip()] = column.strip().strip('"').strip("'")
    return mapping


_ESTIMATE_BYTES = 4 << 20


def _count_rows(path: Path) -> int | None:
    """A quick estimate of the records in a file, for the progress bar's ETA."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv", ".txt", ".jsonl", ".ndjson"):
            # Counting every newline took 0.4 s per 700 MB, 5 % of a run, for a progress bar:
            # the first 4 MB give bytes per line, and the size gives the rest.
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(_ESTIMATE_BYTES)
            lines = head.count(b"\n")
            if len(head) < size and lines:
                lines = round(lines * size / len(head))
            return max(lines - (1 if suffix in (".csv", ".tsv", ".txt") else 0), 0)
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
    except OSError:
        return None
    return None


def db_location(ctx: typer.Context) -> str:
    """The database this command uses (``--db``, ``$WHOMADE_DB`` or the default): its imported
    official lists add to the graph's listings when it exists."""
    from whomade.cli import state
    from whomade.config import resolve_db_path

    return resolve_db_path(state(ctx).db)


def _parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"--as-of {value!r}: expected YYYY-MM-DD") from exc


def _summary(
    verdicts: Counter[str], families: Counter[str], sellers: Counter[str], total: int
) -> Table:
    table = Table(title="Screening summary", show_lines=False)
    table.add_column("verdict")
    table.add_column("records", justify="right")
    table.add_column("share", justify="right")
    for verdict in ("restricted", "linked", "review", "clear"):
        count = verdicts.get(verdict, 0)
        table.add_row(verdict, f"{count:,}", f"{count / total:.1%}" if total else "-")
    if families:
        table.add_section()
        for family, count in families.most_common(5):
            table.add_row(f"family: {family}", f"{count:,}", "")
    if sellers:
        table.add_section()
        for seller, count in sellers.most_common(5):
            table.add_row(f"seller: {seller[:40]}", f"{count:,}", "")
    return table


def screen_command(
    ctx: typer.Context,
    input_path: Path = typer.Argument(
        ..., metavar="INPUT", help="CSV/TSV, JSONL, JSON, Parquet or XLSX."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="Findings: .jsonl, .csv or .parquet."),
    kind: str = typer.Option("catalog", "--kind", help="catalog | devices | vendors"),
    context: str = typer.Option(
        "marketplace", "--context", help="marketplace | procurement | federal | shopper"
    ),
    mapping: list[str] = typer.Option(
        [], "--map", help='Map a field to a column: title="Product Name".'
    ),
    errors_path: Path | None = typer.Option(
        None, "--errors", help="Where to write row errors (JSONL)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Keep findings already in OUTPUT; screen the rest."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Screen as of this day (default today)."
    ),
    encoding: str | None = typer.Option(None, "--encoding"),
    delimiter: str | None = typer.Option(None, "--delimiter"),
    batch_size: int = typer.Option(
        20_000,
        "--batch-size",
        min=1,
        help="Records per batch (at most; text files are also read in blocks of at most 8 MB). "
        "A batch's findings are held until it is written.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    save: bool = typer.Option(
        False, "--save", help="Also keep records and findings in the database (for list impact)."
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Processes for the per-record work. The default (1) already reads and scans in "
        "threads on a second core; more processes cost memory and were slower on 2 cores (meant "
        "for machines with more).",
    ),
) -> None:
    """Screen every record of INPUT and write one finding per record to OUTPUT."""
    from whomade.inputs import ColumnError, InputError, JsonlErrorSink, open_records
    from whomade.report.writers import OutputError, done_ids, open_writer
    from whomade.screen.pipeline import KINDS, Screener

    if kind not in KINDS:
        raise typer.BadParameter(f"--kind {kind!r}: expected one of {', '.join(KINDS)}")
    if context not in CONTEXTS:
        raise typer.BadParameter(f"--context {context!r}: expected one of {', '.join(CONTEXTS)}")
    errors_file = errors_path or output.with_name(output.name + ".errors.jsonl")
    try:
        already = done_ids(output) if resume else set()
        screener = Screener(
            kind,
            context,
            today=_parse_day(as_of),
            db_path=db_location(ctx),
        )
        with JsonlErrorSink(errors_file) as sink:
            stream = open_records(
                input_path,
                kind,
                mapping=parse_map(mapping),
                encoding=encoding,
                delimiter=delimiter,
                batch_size=batch_size,
                errors=sink,
            )
            writer = open_writer(output, append=resume and output.exists())
            saver = _Saver(ctx, screener, input_path, output, kind) if save else None
            try:
                stats = _run(stream, screener, writer, already, input_path, quiet, saver, workers)
            finally:
                writer.close()
            if saver is not None:
                saver.finish(stats[0])
            error_count = getattr(sink, "count", None)
    except (ColumnError, InputError, OutputError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    verdicts, families, sellers, total, elapsed = stats
    if not quiet:
        err.print(_summary(verdicts, families, sellers, total))
        rate = total / elapsed if elapsed else 0.0
        err.print(
            f"{total:,} records screened in {elapsed:.1f} s ({rate:,.0f} records/s)"
            + (f", {len(already):,} kept from the previous run" if already else "")
            + f". Findings: {output}"
        )
        if error_count:
            err.print(f"[yellow]{error_count:,} row error(s)[/yellow] written to {errors_file}")


class _Saver:
    """Keeps a run's records and findings in the database (``--save``)."""

    def __init__(
        self, ctx: typer.Context, screener: Any, input_path: Path, output: Path, kind: str
    ) -> None:
        from whomade.cli import state
        from whomade.db import connect
        from whomade.screen.store import start_run

        self.engine = connect(state(ctx).db)
        self.run_id = start_run(
            self.engine,
            input_path=str(input_path),
            output_path=str(output),
            kind=kind,
            context=screener.context,
            as_of=screener.today.isoformat(),
            graph_version=screener.graph.version,
            counts={},
        )

    def save(self, frame: Any, findings: list[dict[str, Any]]) -> None:
        from whomade.screen.store import save_findings

        records = [
            {k: v for k, v in row.items() if k != "_line" and v}
            for row in frame.iter_rows(named=True)
        ]
        save_findings(self.engine, self.run_id, zip(records, findings, strict=True))

    def finish(self, verdicts: Counter[str]) -> None:
        from whomade.screen.store import finish_run

        finish_run(self.engine, self.run_id, dict(verdicts))


def _skip_done(frame: Any, already: set[str]) -> Any:
    import polars as pl

    keep = [i not in already for i in frame.get_column("id").to_list()]
    return frame.filter(pl.Series(keep, dtype=pl.Boolean))


def _run(
    stream: Any,
    screener: Any,
    writer: Any,
    already: set[str],
    input_path: Path,
    quiet: bool,
    saver: _Saver | None = None,
    workers: int = 1,
) -> tuple[Counter[str], Counter[str], Counter[str], int, float]:
    verdicts: Counter[str] = Counter()
    families: Counter[str] = Counter()
    sellers: Counter[str] = Counter()
    total = 0
    started = time.perf_counter()
    progress = Progress(
        TextColumn("[bold]screening[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} rec/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
        transient=False,
    )
    expected = _count_rows(input_path)
    frames = (_skip_done(frame, already) for frame in stream) if already else iter(stream)
    if workers > 1 and saver is None and hasattr(writer, "write_bytes"):
        from whomade.screen.parallel import screen_in_workers

        batches: Iterator[tuple[Any, Any, bytearray | None]] = screen_in_workers(
            frames, screener, workers
        )
    else:
        batches = ((frame, result, None) for frame, result in screener.screen_frames(frames))
    with progress:
        task = progress.add_task("screen", total=expected, rate="-")
        for frame, result, lines in batches:
            flagged = []
            for index, finding in result.findings.items():
                verdicts[finding["verdict"]] += 1
                if finding["verdict"] in ("restricted", "linked"):
                    families.update(finding["families"])
                    flagged.append(index)
            if flagged and "seller" in frame.columns:
                sellers.update(s for s in frame.get_column("seller").gather(flagged) if s)
            verdicts["clear"] += len(result) - len(result.findings)
            if lines is not None:
                writer.write_bytes(lines)
            elif saver is None and hasattr(writer, "write_bytes"):
                writer.write_bytes(result.jsonl_bytes())
            else:
                batch = [
                    result.findings.get(i) or screener.clear(record_id, result.lines[i])
                    for i, record_id in enumerate(result.ids)
                ]
                writer.write(batch)
                if saver is not None:
                    saver.save(frame, batch)
            total += len(result)
            elapsed = time.perf_counter() - started
            progress.update(
                task, advance=frame.height, rate=f"{total / elapsed:,.0f}" if elapsed else "-"
            )
        # The total was an estimate: end the bar at what was read.
        progress.update(task, total=progress.tasks[0].completed)
    return verdicts, families, sellers, total, time.perf_counter() - started


def explain_command(
    ctx: typer.Context,
    input_path: Path = typer.Argument(..., metavar="INPUT"),
    record_id: str = typer.Option(..., "--id", help="The record to explain."),
    kind: str = typer.Option("catalog", "--kind"),
    context: str = typer.Option("marketplace", "--context"),
    mapping: list[str] = typer.Option([], "--map"),
    as_of: str | None = typer.Option(None, "--as-of"),
    json_out: bool = typer.Option(False, "--json", help="Print the finding as JSON."),
) -> None:
    """Print one record's finding as a readable evidence tree."""
    import polars as pl

    from whomade.inputs import ColumnError, InputError, ListErrorSink, open_records
    from whomade.screen.pipeline import Screener

    try:
        stream = open_records(input_path, kind, mapping=parse_map(mapping), errors=ListErrorSink())
        record = None
        for frame in stream:
            hit = frame.filter(pl.col("id") == record_id)
            if hit.height:
                record = hit.row(0, named=True)
                break
    except (ColumnError, InputError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if record is None:
        err.print(f"[red]error:[/red] no record with id {record_id!r} in {input_path}")
        raise typer.Exit(1)
    screener = Screener(
        kind,
        context,  # type: ignore[arg-type]
        today=_parse_day(as_of),
        db_path=db_location(ctx),
    )
    clean = {k: v if isinstance(v, str) else "" for k, v in record.items() if k != "_line"}
    finding = screener.screen_record(clean, record.get("_line"))
    if json_out:
        import json

        out.print_json(json.dumps(finding, ensure_ascii=False))
        return
    out.print(render_tree(finding, clean))


def render_tree(finding: dict[str, Any], record: dict[str, str] | None = None) -> Tree:
    """A finding as a rich tree: verdict, risk, warning, then each evidence step with sources."""
    colour = {"restricted": "red", "linked": "dark_orange", "review": "yellow", "clear": "green"}
    verdict = finding["verdict"]
    families = ", ".join(finding.get("families") or []) or "none"
    tree = Tree(
        f"[bold]{finding['id']}[/bold]: [{colour[verdict]}]{verdict}[/{colour[verdict]}]"
        f"  families: {families}"
    )
    if record and record.get("title"):
        tree.add(f"[dim]title:[/dim] {record['title'][:160]}")
    risk = finding.get("risk") or {}
    tree.add(f"risk ({risk.get('context')}): [bold]{risk.get('level')}[/bold] — {risk.get('why')}")
    if finding.get("warning"):
        tree.add(f"[italic]warning:[/italic] {finding['warning']}")
    chain = tree.add("evidence")
    citations = finding.get("citations") or {}
    for step in finding.get("evidence") or []:
        if step["step"] == "signal":
            node = chain.add(
                f"[cyan]signal[/cyan] {step['kind']} in {step['field']} "
                f"[bold]{step['text']!r}[/bold] {step.get('span')} score {step['score']} — "
                f"{step['explanation']}"
            )
        elif step["step"] == "relation":
            window = f"{step.get('valid_from') or '…'} → {step.get('valid_to') or 'open'}"
            node = chain.add(
                f"[magenta]relation[/magenta] {step['subject']} —{step['predicate']}→ "
                f"{step['object']}"
                f" ({window}; {step['confidence']}, {step['status']})"
            )
        else:
            node = chain.add(
                f"[red]listing[/red] {step['entity']} on {step['list']} since {step.get('since')}"
                + (f" ({step['notice']})" if step.get("notice") else "")
            )
        for source_id in step.get("sources", ()):
            cite = citations.get(source_id, {})
            where = cite.get("url") or cite.get("document") or ""
            node.add(
                f"[dim]{source_id}: {cite.get('title', '')} {cite.get('date', '')} {where}[/dim]"
            )
    for reason in finding.get("reasons") or []:
        tree.add(f"[yellow]reason:[/yellow] {reason}")
    return tree


def register(app: typer.Typer) -> None:
    """Add the screening commands to the root app."""
    app.command("screen")(screen_command)
    app.command("explain")(explain_command)
