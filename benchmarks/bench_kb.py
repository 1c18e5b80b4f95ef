"""Knowledge-graph timings: cold load, validation, the IEEE registrant check, resolution, compile.

Run: ``.venv/bin/python benchmarks/bench_kb.py``. Prints one line per figure.
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DATES = (dt.date(2015, 1, 1), dt.date(2020, 6, 1), dt.date(2025, 6, 1))


def _best(func: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Best and median wall time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def _once(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def _show(label: str, best: float, median: float | None = None, extra: str = "") -> None:
    figure = f"{best * 1000:9.2f} ms"
    if median is not None:
        figure += f" (median {median * 1000:.2f} ms)"
    print(f"{label:<48}{figure}{'  ' + extra if extra else ''}")


def _cold_process() -> float:
    """Seconds for a fresh interpreter to import whomade.kb and load the graph once."""
    code = (
        "import time; t = time.perf_counter(); from whomade.kb import load_graph; "
        "load_graph(); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def main() -> None:
    from sqlalchemy import create_engine

    from whomade.db import Base
    from whomade.kb import build_graph, load_graph
    from whomade.kb.ftm import write_ftm
    from whomade.kb.load import load_raw
    from whomade.kb.oui import check_registrants, netaddr_registry
    from whomade.kb.resolve import resolve
    from whomade.kb.store import compile_graph
    from whomade.kb.validate import validate

    _show("import + load_graph, fresh process (best of 3)", min(_cold_process() for _ in range(3)))
    _show("load_graph, first call in this process", _once(load_graph))
    graph = load_graph()
    print(f"  graph {graph.version}: {graph.counts()}")

    _show("load_raw (YAML + model)", *_best(load_raw))
    raw = load_raw()
    _show("validate", *_best(lambda: validate(raw)))
    _show("build_graph (indexes)", *_best(lambda: build_graph(raw)))

    _show("netaddr IEEE registry, first load", _once(netaddr_registry))
    registry, version = netaddr_registry()
    report = check_registrants(graph.identifiers, registry, version)
    _show(
        "oui_registrant check",
        *_best(lambda: check_registrants(graph.identifiers, registry, version)),
        extra=f"{len(report.checks)} names -> {report.prefixes:,} prefixes",
    )

    entity_ids = list(graph.entities)
    calls = len(entity_ids) * len(DATES)

    def resolve_all(include_alleged: bool = False) -> int:
        return sum(
            len(resolve(graph, e, day, include_alleged=include_alleged))
            for day in DATES
            for e in entity_ids
        )

    best, median = _best(resolve_all)
    _show(
        f"resolve, {len(entity_ids)} entities x {len(DATES)} dates",
        best,
        median,
        extra=f"{calls} calls, {resolve_all()} paths, {best / calls * 1e6:.1f} µs/call",
    )
    _show(
        "resolve with allegations, same calls",
        *_best(lambda: resolve_all(include_alleged=True)),
        extra=f"{resolve_all(include_alleged=True)} paths",
    )

    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        Base.metadata.create_all(engine)
        _show("compile into SQLite (replace)", *_best(lambda: compile_graph(engine, graph), 3))
        engine.dispose()
    _show("export FtM JSON lines", *_best(lambda: write_ftm(graph, io.StringIO()), 3))


if __name__ == "__main__":
    main()
