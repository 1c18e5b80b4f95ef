"""End-to-end catalog screening benchmark (issue 4), against a naive fuzzy-matching baseline.

    python benchmarks/bench_screen.py [--rows 1000000] [--csv PATH] [--sample 20000]

Generates the catalog with benchmarks/generate_catalog.py when PATH does not exist, runs
``whomade screen`` on it as a user would (read → findings written), and prints records/s, MB/s and
peak RSS. The baseline is what a team without whomade might write: rapidfuzz ``extractOne`` of each
title against every alias of the graph; it is timed on a sample and extrapolated (said so in the
output). Finally the column-scan path and the one-record path are compared on a sample.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import psutil
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
WHOMADE = ROOT / ".venv" / "bin" / "whomade"


def run_screen(csv_path: Path, out: Path, workers: int = 1) -> tuple[float, int]:
    """Wall time and peak RSS (bytes, the process and its workers together) of one run."""
    started = time.perf_counter()
    child = psutil.Popen(
        [str(WHOMADE), "screen", str(csv_path), "-o", str(out), "-q", "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
    )
    peak = 0
    while child.poll() is None:
        try:
            tree = [child, *child.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            continue
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"whomade screen failed with exit code {child.returncode}")
    return elapsed, peak


def baseline_per_record(titles: list[str]) -> float:
    """Seconds per record of rapidfuzz extractOne(title, every alias)."""
    from whomade.kb import load_graph
    from whomade.text import fold

    graph = load_graph()
    aliases = sorted({fold(n.name) for e in graph.entities.values() for n in e.names})
    started = time.perf_counter()
    for title in titles:
        process.extractOne(fold(title), aliases, scorer=fuzz.WRatio)
    return (time.perf_counter() - started) / max(len(titles), 1)


def same_findings(csv_path: Path, sample: int) -> tuple[int, int]:
    """(records compared, records whose findings differ in any field) between the batch and the
    one-record path."""
    from whomade.inputs import ListErrorSink, open_records
    from whomade.screen.pipeline import Screener

    screener = Screener("catalog", "marketplace", today=dt.date.today())
    compared = differ = 0
    for frame in open_records(csv_path, errors=ListErrorSink(), batch_size=sample):
        batch = screener.screen_frame(frame)
        for index, row in enumerate(frame.iter_rows(named=True)):
            record = {k: v for k, v in row.items() if k != "_line"}
            one = screener.screen_record(record, row["_line"])
            many = batch.findings.get(index) or screener.clear(batch.ids[index], row["_line"])
            compared += 1
            differ += one != many
        if compared >= sample:
            break
    return compared, differ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="whomade-bench-"))
    csv_path = args.csv or workdir / f"catalog_{args.rows}.csv"
    if not csv_path.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "benchmarks" / "generate_catalog.py"),
                str(csv_path),
                "--rows",
                str(args.rows),
                "--seed",
                "1",
            ],
            check=True,
        )
    size = csv_path.stat().st_size
    out = workdir / "findings.jsonl"
    elapsed, peak = run_screen(csv_path, out)
    records = sum(1 for _ in out.open("rb"))
    out2 = workdir / "findings-2.jsonl"
    elapsed2, peak2 = run_screen(csv_path, out2, workers=2)
    same = out.read_bytes() == out2.read_bytes()
    titles = (
        pl.read_csv(csv_path, n_rows=args.sample, infer_schema_length=0)
        .get_column("title")
        .fill_null("")
        .to_list()
    )
    per_record = baseline_per_record(titles[: min(len(titles), 2_000)])
    baseline_total = per_record * records
    compared, differ = same_findings(csv_path, args.sample)
    print(f"catalog: {csv_path} ({size / 1e6:,.0f} MB, {records:,} records)")
    print(f"whomade screen end to end: {elapsed:,.1f} s")
    print(f"  {records / elapsed:,.0f} records/s, {size / 1e6 / elapsed:,.1f} MB/s")
    print(f"  peak RSS {peak / 2**20:,.0f} MiB")
    print(
        f"with --workers 2: {elapsed2:,.1f} s, {records / elapsed2:,.0f} records/s, "
        f"peak RSS (all processes) {peak2 / 2**20:,.0f} MiB, same findings: {same}"
    )
    print(
        f"baseline (rapidfuzz extractOne of each title against every alias), timed on "
        f"{min(len(titles), 2_000):,} titles and extrapolated: {baseline_total:,.0f} s "
        f"({1 / per_record:,.0f} records/s)"
    )
    print(f"ratio whomade / baseline: {baseline_total / elapsed:,.1f}x faster")
    print(f"batch vs one-record path on {compared:,} records: {differ} differ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
