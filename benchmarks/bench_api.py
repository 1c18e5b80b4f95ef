"""HTTP API load benchmark (issue 7): ``whomade serve`` with 1 then 2 workers, on loopback only.

    python benchmarks/bench_api.py [--rate 500] [--seconds 8] [--workers 1 2] [--no-wrk]

For each worker count it starts ``whomade serve`` on a free 127.0.0.1 port with a throwaway
database and a ``screen`` key, and measures:

- **fixed rate** ``POST /v1/screen`` at ``--rate`` req/s (default 500): an open-loop client in a
  separate process sends request *i* at ``i / rate`` over a pool of keep-alive connections and
  times it from that scheduled moment, so a server that falls behind is not flattered
  (no coordinated omission). Debian has no ``wrk2``, so this client is Python (asyncio with
  pre-encoded HTTP/1.1 requests, uvloop when installed: far cheaper than an HTTP library);
- **maximum throughput** of ``POST /v1/screen``: ``wrk`` (closed loop, 16 connections) when it
  is installed, else the Python client closed-loop;
- ``POST /v1/screen/batch`` of 1,000 records, one request at a time (``wrk -c1`` or Python).

wrk's request bodies come from a Lua script this benchmark writes to a temporary directory. Every
run is bounded (``--seconds``, at most 10). Records are rows of ``benchmarks/generate_catalog.py``
(mostly ordinary products, a few percent Hikvision/Dahua/Huawei... products and brands, some
compatibility-only accessories). It prints req/s and p50/p90/p99 and whether the targets hold
(single record p99 < 10 ms at 500 req/s; a batch of 1,000 < 100 ms, judged on p99 and p50).

Nothing is pinned: client and server share the machine's cores (2 on CI), so the client's CPU is
taken from the server and the figures are pessimistic for a server with its own machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
WHOMADE = ROOT / ".venv" / "bin" / "whomade"
HOST = "127.0.0.1"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_catalog import COLUMNS, generate_row  # noqa: E402

SINGLE_P99_TARGET_MS = 10.0
BATCH_TARGET_MS = 100.0
MAX_SECONDS = 10.0

Result = dict[str, Any]


# --- workload -----------------------------------------------------------------------------------


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


def single_bodies(count: int = 5_000) -> list[bytes]:
    return [
        json.dumps({"kind": "catalog", "context": "marketplace", "record": r}).encode()
        for r in records(count)
    ]


def batch_body(size: int = 1_000) -> bytes:
    payload = {"kind": "catalog", "context": "marketplace", "records": records(size, seed=11)}
    return json.dumps(payload).encode()


def raw_request(path: str, key: str, body: bytes) -> bytes:
    """A complete HTTP/1.1 keep-alive POST, encoded once."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


# --- figures ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def summary(label: str, ms: list[float], elapsed: float, failures: int) -> Result:
    return {
        "label": label,
        "requests": len(ms),
        "req_s": len(ms) / elapsed if elapsed else 0.0,
        "p50": percentile(ms, 0.50),
        "p90": percentile(ms, 0.90),
        "p99": percentile(ms, 0.99),
        "failures": failures,
    }


def show(result: Result) -> None:
    print(
        f"  {result['label']:<44} {result['requests']:>6} req {result['req_s']:>8.1f} req/s  "
        f"p50 {result['p50']:>7.2f}  p90 {result['p90']:>7.2f}  p99 {result['p99']:>7.2f} ms  "
        f"failures {result['failures']}"
    )


# --- the Python client (runs in its own process) ------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection that sends pre-encoded requests."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port, limit=2**24)
        return cls(reader, writer)

    async def send(self, request: bytes) -> int:
        """Send one request and read its whole response; the status code."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        if match is None:
            raise RuntimeError("response without Content-Length")
        await self.reader.readexactly(int(match.group(1)))
        return status

    def close(self) -> None:
        self.writer.close()


async def open_loop(
    port: int, requests: list[bytes], rate: float, seconds: float, connections: int
) -> Result:
    """Request *i* is due at ``i / rate``; its latency counts from then, queueing included."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(port))
    for index in range(min(200, len(requests))):  # warm up connections and caches
        conn = await pool.get()
        await conn.send(requests[index])
        pool.put_nowait(conn)
    latencies: list[float] = []
    failures = 0

    async def one(request: bytes, due: float) -> None:
        nonlocal failures
        conn = await pool.get()
        try:
            failures += await conn.send(request) != 200
        finally:
            pool.put_nowait(conn)
        latencies.append((time.perf_counter() - due) * 1000)

    total = int(rate * seconds)
    tasks = []
    started = time.perf_counter()
    for index in range(total):
        due = started + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[index % len(requests)], due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    while not pool.empty():
        pool.get_nowait().close()
    return summary(
        f"/v1/screen at {rate:g} req/s offered (open loop)", latencies, elapsed, failures
    )


async def closed_loop(
    port: int, requests: list[bytes], concurrency: int, seconds: float, label: str
) -> Result:
    """``concurrency`` connections sending back to back until ``seconds`` have passed."""
    latencies: list[float] = []
    failures = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def client(offset: int) -> None:
        nonlocal failures
        conn = await Connection.open(port)
        index = offset
        try:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                failures += await conn.send(requests[index % len(requests)]) != 200
                latencies.append((time.perf_counter() - sent) * 1000)
                index += concurrency
        finally:
            conn.close()

    await asyncio.gather(*(client(i) for i in range(concurrency)))
    return summary(label, latencies, time.perf_counter() - started, failures)


def client_main(spec_path: str) -> None:
    """``--client SPEC``: run one measurement described by a JSON file; print its result."""
    spec = json.loads(Path(spec_path).read_text())
    body_file = Path(spec["bodies"])
    if spec["mode"] == "batch":
        bodies = [body_file.read_bytes()]
    else:
        bodies = [line.encode() for line in body_file.read_text().splitlines()]
    requests = [raw_request(spec["path"], spec["key"], body) for body in bodies]
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    if spec["mode"] == "open":
        work = open_loop(spec["port"], requests, spec["rate"], spec["seconds"], 64)
    else:
        work = closed_loop(
            spec["port"], requests, spec["concurrency"], spec["seconds"], spec["label"]
        )
    print(json.dumps(asyncio.run(work)))


def python_client(tmp: Path, **spec: Any) -> Result:
    spec_file = tmp / "client.json"
    spec_file.write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, __file__, "--client", str(spec_file)],
        check=True,
        capture_output=True,
        text=True,
        timeout=spec["seconds"] + 60,
    )
    return dict(json.loads(done.stdout))


# --- wrk ----------------------------------------------------------------------------------------

WRK_SCRIPT = """
local bodies = {}
local file = assert(io.open(%(bodies)s, "rb"))
if %(one_body)s then
  bodies[1] = file:read("*a")
else
  for line in file:lines() do bodies[#bodies + 1] = line end
end
file:close()
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. %(key)s}
local index = 0
request = function()
  index = index %% #bodies + 1
  return wrk.format("POST", %(path)s, headers, bodies[index])
end
"""

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_run(
    tmp: Path, url: str, path: str, key: str, bodies: Path, *, batch: bool, connections: int,
    seconds: float, label: str,
) -> Result:  # fmt: skip
    script = tmp / ("batch.lua" if batch else "single.lua")
    # JSON string literals are valid Lua string literals for these plain ASCII values.
    values = {"bodies": json.dumps(str(bodies)), "key": json.dumps(key), "path": json.dumps(path)}
    script.write_text(WRK_SCRIPT % {**values, "one_body": "true" if batch else "false"})
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script),
         url + path],
        check=True, capture_output=True, text=True, timeout=seconds + 30,
    )  # fmt: skip
    out = done.stdout
    quantiles = {
        int(share): float(value) * UNITS[unit]
        for share, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", out)
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "label": label,
        "requests": int(total.group(1)) if total else 0,
        "req_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": quantiles.get(50, float("nan")),
        "p90": quantiles.get(90, float("nan")),
        "p99": quantiles.get(99, float("nan")),
        "failures": (int(failures.group(1)) if failures else 0)
        + (sum(int(n) for n in errors.groups()) if errors else 0),
    }


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    server = subprocess.Popen(
        [str(WHOMADE), "--db", str(db), "serve", "--host", HOST, "--port", str(port),
         "--workers", str(workers), "--rate", "1000000", "--burst", "1000000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the JSON access log: one line per request
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"whomade serve exited with code {server.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    time.sleep(1.0 if workers > 1 else 0.2)  # let every worker come up
                    return server, port
        except OSError:
            pass
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


def measure(workers: int, args: argparse.Namespace, tmp: Path, use_wrk: bool) -> list[Result]:
    from whomade.api.store import create_key
    from whomade.db import connect

    db = tmp / f"bench-{workers}.sqlite"
    key = create_key(connect(str(db)), "bench", "screen")
    singles, batch = tmp / "singles.jsonl", tmp / "batch.json"
    server, port = start_server(db, workers)
    url = f"http://{HOST}:{port}"
    seconds = min(args.seconds, MAX_SECONDS)
    common = {"port": port, "key": key}
    try:
        tool = "wrk" if use_wrk else "python client"
        print(f"whomade serve --workers {workers} on {url} (throughput and batch: {tool})")
        fixed = python_client(
            tmp, mode="open", path="/v1/screen", bodies=str(singles), rate=args.rate,
            seconds=seconds, **common,
        )  # fmt: skip
        show(fixed)
        cpu = server_cpu(server)
        label = f"/v1/screen max throughput, {args.connections} conns"
        if use_wrk:
            ceiling = wrk_run(
                tmp, url, "/v1/screen", key, singles, batch=False,
                connections=args.connections, seconds=seconds, label=label,
            )  # fmt: skip
        else:
            ceiling = python_client(
                tmp, mode="closed", path="/v1/screen", bodies=str(singles),
                concurrency=args.connections, seconds=seconds, label=label, **common,
            )  # fmt: skip
        used = server_cpu(server) - cpu
        show(ceiling)
        if ceiling["requests"]:
            print(
                f"  server CPU per single request: {used / ceiling['requests'] * 1000:.3f} ms "
                f"(at full load, client sharing the cores)"
            )
        label = "/v1/screen/batch of 1,000, 1 conn"
        if use_wrk:
            batched = wrk_run(
                tmp, url, "/v1/screen/batch", key, batch, batch=True, connections=1,
                seconds=seconds, label=label,
            )  # fmt: skip
        else:
            batched = python_client(
                tmp, mode="batch", path="/v1/screen/batch", bodies=str(batch),
                concurrency=1, seconds=seconds, label=label, **common,
            )  # fmt: skip
        show(batched)
    finally:
        server.terminate()
        server.wait(timeout=30)
    single_ok = fixed["p99"] < SINGLE_P99_TARGET_MS and fixed["failures"] == 0
    batch_ok = batched["p99"] < BATCH_TARGET_MS and batched["failures"] == 0
    print(
        f"  target single p99 < {SINGLE_P99_TARGET_MS:g} ms at {args.rate:g} req/s: "
        f"{'MET' if single_ok else 'NOT MET'} (p99 {fixed['p99']:.2f} ms); "
        f"batch of 1,000 < {BATCH_TARGET_MS:g} ms: "
        f"p99 {'MET' if batch_ok else 'NOT MET'} ({batched['p99']:.1f} ms), "
        f"p50 {'MET' if batched['p50'] < BATCH_TARGET_MS else 'NOT MET'} "
        f"({batched['p50']:.1f} ms)"
    )
    return [fixed, ceiling, batched]


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--client":
        client_main(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="Offered single-record load.")
    parser.add_argument("--seconds", type=float, default=8.0, help="Length of each run (≤ 10).")
    parser.add_argument("--connections", type=int, default=16, help="For max throughput.")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-wrk", action="store_true", help="Use the Python client only.")
    args = parser.parse_args()
    use_wrk = shutil.which("wrk") is not None and not args.no_wrk

    print(
        f"machine: {os.cpu_count()} CPUs shared by server and client (nothing pinned), "
        f"load average {os.getloadavg()[0]:.2f} (1 min); wrk: "
        f"{'yes' if use_wrk else 'no, Python client'}; fixed rate: Python open-loop client"
    )
    with tempfile.TemporaryDirectory(prefix="whomade-bench-api-") as name:
        tmp = Path(name)
        (tmp / "singles.jsonl").write_bytes(b"\n".join(single_bodies()) + b"\n")
        (tmp / "batch.json").write_bytes(batch_body())
        for workers in args.workers:
            measure(workers, args, tmp, use_wrk)


if __name__ == "__main__":
    main()
