"""Supplier screening benchmark (issue 6): ``--kind vendors`` against the real CSL 2022 file.

    .venv/bin/python benchmarks/bench_vendors.py [--records 100000] [--brute-sample 300] [--seed 11]

Imports ../shared/lists/csl/2022-05-16/consolidated.csv into a throwaway database, links it to
the knowledge graph, reads every entry name and alias back, and screens N generated supplier
records (realistic company names in several languages from ``bench_names``, 10 % written variants
of CSL names, a few hundred variants of the graph's restricted names) through the vendor
pipeline (``Screener("vendors").screen_frame``): every record's name is matched against every
graph name and every list entry name. Then it times brute force (rapidfuzz ``cdist``
token_sort_ratio of every record with every entry name) on a sample and extrapolates.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process, utils

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_names import generate_suppliers, perturb

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CSL = SHARED / "lists" / "csl" / "2022-05-16" / "consolidated.csv"
RESTRICTED_VARIANTS = 300


def restricted_names() -> list[str]:
    """Legal and listed names of the graph's companies in families of listed entities."""
    from whomade.kb import load_graph
    from whomade.match.vendors import graph_names

    return sorted({item.name.name for item in graph_names(load_graph())})


def suppliers(entries: list[str], count: int, rng: random.Random) -> pl.DataFrame:
    names, _ = generate_suppliers(entries, count - RESTRICTED_VARIANTS, rng)
    restricted = restricted_names()
    names += [perturb(rng.choice(restricted), rng) for _ in range(RESTRICTED_VARIANTS)]
    rng.shuffle(names)
    countries = ["CN", "US", "DE", "FR", "JP", "KR", "GB", "IT", "IN", "BR"]
    return pl.DataFrame(
        {
            "id": [f"S{i}" for i in range(len(names))],
            "name": names,
            "country": [rng.choice(countries) for _ in names],
            "website": [""] * len(names),
            "_line": list(range(2, len(names) + 2)),
        }
    )


def brute_force_rate(sample: list[str], entries: list[str]) -> float:
    started = time.perf_counter()
    process.cdist(
        sample,
        entries,
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        workers=1,
        dtype="uint8",
    )
    return len(sample) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--brute-sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if not CSL.exists():
        print(f"{CSL} not found: nothing to benchmark")
        return 1
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WHOMADE_DB"] = str(Path(tmp) / "bench.sqlite")
        from whomade.db import connect
        from whomade.match.vendors import vendor_matcher
        from whomade.screen.pipeline import Screener
        from whomade.sources.importer import import_path
        from whomade.sources.linking import link_version

        engine = connect()
        started = time.perf_counter()
        version = import_path(engine, "csl", CSL).version
        summary = link_version(engine, version.id)
        print(
            f"CSL 2022-05-16 imported and linked in {time.perf_counter() - started:.1f} s: "
            f"{version.entry_count:,} entries, {summary.linked:,} linked to graph entities"
        )
        started = time.perf_counter()
        screener = Screener("vendors", "procurement")
        build = time.perf_counter() - started
        matcher = vendor_matcher(screener.graph)  # the screener's own, from the cache
        entries = sorted({item.name for item in matcher.list_names})
        print(
            f"vendor matcher built in {build:.1f} s: {len(entries):,} distinct list entry "
            f"names and aliases (read back from the database)"
        )
        frame = suppliers(entries, args.records, rng)
        distinct = frame.get_column("name").n_unique()
        print(f"{frame.height:,} supplier records ({distinct:,} distinct names)")

        started, cpu = time.perf_counter(), time.process_time()
        result = screener.screen_frame(frame)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        rate = frame.height / cpu
        verdicts = Counter(f["verdict"] for f in result.findings.values())
        verdicts["clear"] += frame.height - len(result.findings)
        print(
            f"screened in {wall:.1f} s wall, {cpu:.1f} s CPU: {frame.height / wall:,.0f} "
            f"records/s wall, {rate:,.0f} records/s of CPU (one core)"
        )
        print(f"verdicts: {dict(sorted(verdicts.items()))}")

    sample = rng.sample(frame.get_column("name").to_list(), min(args.brute_sample, frame.height))
    brute = brute_force_rate(sample, entries)
    print(
        f"brute force (rapidfuzz cdist token_sort_ratio, one core) timed on {len(sample)} records "
        f"x {len(entries):,} entry names, extrapolated: {brute:,.0f} records/s "
        f"({frame.height / brute:,.0f} s for all {frame.height:,})"
    )
    print(
        f"vendor pipeline vs brute force, one core each: {rate / brute:,.1f}x "
        "(the pipeline also matches graph names and builds findings; the brute force only "
        "scores strings and decides nothing)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
