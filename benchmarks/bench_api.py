"""HTTP API load benchmark (issue 7): ``whomade serve`` with 1 then 2 workers, on loopback only.

    python benchmarks/bench_api.py [--rate 500] [--seconds 10] [--batches 30] [--workers 1 2]

For each worker count it starts ``whomade serve`` on a free 127.0.0.1 port with a throwaway
database and a ``screen`` key, then drives it with an async httpx client:

- ``POST /v1/screen`` at a fixed offered load (open loop: request *i* is due at ``i / rate``;
  latency counts from when it was due, so a server that falls behind is not flattered), then
  closed-loop at 32 concurrent requests for the maximum throughput;
- ``POST /v1/screen/batch`` with 1,000 records, one request at a time.

Records are mixed and realistic: rows of ``benchmarks/generate_catalog.py`` (mostly ordinary
products, a few percent Hikvision/Dahua/Huawei... products and brands, some compatibility-only
accessories). It prints req/s and p50/p99 latency and whether the targets hold (single record p99
< 10 ms at 500 req/s; a batch of 1,000 < 100 ms). The client runs on the same machine and takes
CPU from the server; figures from a loaded or 2-core machine are pessimistic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
WHOMADE = ROOT / ".venv" / "bin" / "whomade"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_catalog import COLUMNS, generate_row  # noqa: E402

SINGLE_P99_TARGET_MS = 10.0
BATCH_TARGET_MS = 100.0


def records(count: int, seed: int = 7) -> list[dict[str, str]]:
    """``count`` catalog records as the API takes them (``sku`` becomes ``id``)."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        row = dict(zip(COLUMNS, generate_row(rng, index), strict=True))
        row["id"] = row.pop("sku")
        row.pop("price", None)
        out.append(row)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [
            str(WHOMADE),
            "--db",
            str(db),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--rate",
            "1000000",
            "--burst",
            "1000000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the JSON access log: one line per request
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"whomade serve exited with code {server.returncode}")
        time.sleep(0.1)
    server.terminate()
    raise SystemExit("whomade serve did not start within 60 s")


def server_cpu(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds used so far by the server and its worker processes."""
    process = psutil.Process(server.pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            times = each.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(label: str, latencies: list[float], elapsed: float, failures: int) -> dict[str, Any]:
    ms = [x * 1000 for x in latencies]
    result = {
        "label": label,
        "requests": len(latencies),
        "req_s": len(latencies) / elapsed if elapsed else 0.0,
        "p50": statistics.median(ms) if ms else float("nan"),
        "p99": percentile(ms, 0.99) if ms else float("nan"),
        "failures": failures,
    }
    print(
        f"  {label:<34} {result['requests']:>6} req  {result['req_s']:>8.1f} req/s  "
        f"p50 {result['p50']:>7.2f} ms  p99 {result['p99']:>7.2f} ms  failures {failures}"
    )
    return result


async def open_loop(
    http: httpx.AsyncClient, body: list[dict[str, Any]], rate: float, seconds: float
) -> dict[str, Any]:
    """Requests due at a fixed rate, each timed from when it was due."""
    total = int(rate * seconds)
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()

    async def one(index: int, due: float) -> None:
        nonlocal failures
        response = await http.post("/v1/screen", json=body[index % len(body)])
        if response.status_code != 200:
            failures += 1
        latencies.append(time.perf_counter() - due)

    tasks = []
    for index in range(total):  # each request starts when due, not all at once
        due = started + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(one(index, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return summary(f"/v1/screen at {rate:g} req/s offered", latencies, elapsed, failures)


async def closed_loop(
    http: httpx.AsyncClient, body: list[dict[str, Any]], concurrency: int, seconds: float
) -> dict[str, Any]:
    """``concurrency`` clients sending back to back: the throughput ceiling."""
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def client(offset: int) -> None:
        nonlocal failures
        index = offset
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            response = await http.post("/v1/screen", json=body[index % len(body)])
            latencies.append(time.perf_counter() - sent)
            failures += response.status_code != 200
            index += concurrency

    await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    return summary(f"/v1/screen, {concurrency} concurrent", latencies, elapsed, failures)


async def batches(
    http: httpx.AsyncClient, batch: list[dict[str, str]], count: int
) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()
    payload = {"kind": "catalog", "context": "marketplace", "records": batch}
    for _ in range(count):
        sent = time.perf_counter()
        response = await http.post("/v1/screen/batch", json=payload)
        latencies.append(time.perf_counter() - sent)
        failures += response.status_code != 200 or len(response.json()["findings"]) != len(batch)
    elapsed = time.perf_counter() - started
    return summary(f"/v1/screen/batch of {len(batch):,}", latencies, elapsed, failures)


async def drive(
    url: str, key: str, args: argparse.Namespace, server: subprocess.Popen[bytes]
) -> list[dict[str, Any]]:
    singles = [{"kind": "catalog", "context": "marketplace", "record": r} for r in records(5_000)]
    batch = records(1_000, seed=11)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as http:
        for record in singles[:200]:  # warm up connections and caches
            await http.post("/v1/screen", json=record)
        results = [await open_loop(http, singles, args.rate, args.seconds)]
        cpu = server_cpu(server)
        results.append(await closed_loop(http, singles, 32, args.seconds / 2))
        used = server_cpu(server) - cpu
        print(
            f"  server CPU per single request: {used / results[-1]['requests'] * 1000:.2f} ms "
            f"(ceiling ≈ {results[-1]['requests'] / used:,.0f} req/s per busy core)"
        )
        await http.post("/v1/screen/batch", json={"records": batch})
        results.append(await batches(http, batch, args.batches))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="Offered single-record load.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of the open loop.")
    parser.add_argument("--batches", type=int, default=30, help="Batch requests to time.")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    from whomade.api.store import create_key
    from whomade.db import connect

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min)")
    for workers in args.workers:
        with tempfile.TemporaryDirectory(prefix="whomade-bench-api-") as tmp:
            db = Path(tmp) / "bench.sqlite"
            key = create_key(connect(str(db)), "bench", "screen")
            server, url = start_server(db, workers)
            try:
                print(f"whomade serve --workers {workers} on {url}")
                single, _ceiling, batch = asyncio.run(drive(url, key, args, server))
            finally:
                server.terminate()
                server.wait(timeout=30)
        single_ok = single["p99"] < SINGLE_P99_TARGET_MS and single["failures"] == 0
        batch_ok = batch["p50"] < BATCH_TARGET_MS and batch["failures"] == 0
        print(
            f"  target single p99 < {SINGLE_P99_TARGET_MS:g} ms at {args.rate:g} req/s: "
            f"{'MET' if single_ok else 'NOT MET'} (p99 {single['p99']:.2f} ms); "
            f"target batch of 1,000 < {BATCH_TARGET_MS:g} ms: {'MET' if batch_ok else 'NOT MET'} "
            f"(p50 {batch['p50']:.1f} ms, p99 {batch['p99']:.1f} ms)"
        )


if __name__ == "__main__":
    main()
