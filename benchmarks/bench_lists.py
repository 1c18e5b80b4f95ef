"""Official list import speed on the real copies in ../shared/lists: parse, store, link, diff.

    .venv/bin/python benchmarks/bench_lists.py [--shared ../shared]

Prints one line per step; the database is a throwaway SQLite file.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from whomade.db import connect
from whomade.sources.importer import files_hash, load_files, store_parsed
from whomade.sources.linking import link_version, load_graph_or_none
from whomade.sources.lists import parse
from whomade.sources.query import diff_stored

CASES = (
    ("csl", "csl/2022-05-16/consolidated.csv"),
    ("sdn", "ofac-sdn/2019-01-15"),
    ("sdn", "ofac-sdn/2021-07-07"),
    ("cons", "ofac-consolidated/2025-12-19"),
    ("dpl", "bis-denied-persons/2023-11-30/dpl.txt"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--shared", type=Path, default=root.parent / "shared")
    args = parser.parse_args()
    lists_dir = args.shared / "lists"
    engine = connect(str(Path(tempfile.mkdtemp()) / "bench.sqlite"))
    graph, problem = load_graph_or_none()
    if problem:
        print(f"linking skipped: {problem}")
    print(f"{'list':5} {'file':40} {'rows':>6} {'parse s':>8} {'store s':>8} {'link s':>7} linked")
    for list_id, relative in CASES:
        fmt, files = load_files(list_id, lists_dir / relative)
        start = time.perf_counter()
        parsed = parse(list_id, fmt, files)
        parsed_at = time.perf_counter()
        result = store_parsed(
            engine, list_id, parsed, files, file_hash=files_hash(files), source_url=relative
        )
        stored_at = time.perf_counter()
        linked = "-"
        if graph is not None:
            summary = link_version(engine, result.version.id, graph)
            linked = str(summary.linked)
        linked_at = time.perf_counter()
        print(
            f"{list_id:5} {relative:40} {len(parsed.entries):>6} {parsed_at - start:>8.2f} "
            f"{stored_at - parsed_at:>8.2f} {linked_at - stored_at:>7.2f} {linked}"
        )
    with Session(engine) as session:
        start = time.perf_counter()
        result = diff_stored(session, "sdn")
        print(
            f"diff sdn v1→v2: {result.diff.counts} in {time.perf_counter() - start:.2f} s "
            "(two queries + the pure diff)"
        )


if __name__ == "__main__":
    main()
