"""Read a file through whomade.inputs.open_records and print records/s, MB/s and peak RSS.

    python benchmarks/generate_catalog.py /tmp/catalog.csv --rows 1000000
    python benchmarks/bench_inputs.py /tmp/catalog.csv [--kind catalog] [--batch-size 50000]

CPU time is printed next to wall time: on a busy machine the wall figure suffers from other
processes, the CPU figure much less (polars uses every core, so CPU time can exceed wall time).
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from pathlib import Path

import psutil

from whomade.inputs import ListErrorSink, open_records


class PeakRss:
    """Samples the process RSS every few milliseconds (ru_maxrss also counts start-up)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak = 0
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--kind", default="catalog")
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--format", dest="fmt", default=None)
    args = parser.parse_args(argv)

    size_mb = args.path.stat().st_size / 1e6
    sink = ListErrorSink()
    rss_before = psutil.Process().memory_info().rss
    cpu_started = time.process_time()
    started = time.perf_counter()
    with PeakRss() as rss:
        stream = open_records(
            args.path, args.kind, batch_size=args.batch_size, errors=sink, fmt=args.fmt
        )
        records = batches = 0
        for batch in stream:
            records += len(batch)
            batches += 1
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(f"file        {args.path} ({size_mb:,.0f} MB, {stream.fmt}, {stream.encoding})")
    print(f"records     {records:,} in {batches} batches, {len(sink.errors)} row errors")
    rate, throughput = records / wall, size_mb / wall
    print(f"wall        {wall:.2f} s  ->  {rate:,.0f} records/s, {throughput:,.0f} MB/s")
    print(f"cpu         {cpu:.2f} s  ->  {records / cpu:,.0f} records per CPU-second")
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"peak RSS    {rss.peak / 1e6:,.0f} MB (before opening: {rss_before / 1e6:,.0f} MB; "
          f"ru_maxrss {max_rss:,.0f} MB)")  # fmt: skip
    if sink.errors:
        for error in sink.errors[:5]:
            print(f"  e.g. {error}", file=sys.stderr)


if __name__ == "__main__":
    main()
