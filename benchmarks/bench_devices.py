"""Device inventory screening benchmark: ``whomade screen X.csv --kind devices`` as users run it.

    .venv/bin/python benchmarks/bench_devices.py [--records 1000000] [--seed 5] [--keep DIR]

Generates N inventory rows (hostname, ip, mac, vendor, model, http_server, rtsp_server): MACs in
real IEEE MA-L blocks (a few percent in blocks registered to Hikvision, Dahua, Huawei, ZTE,
Hytera...), random and locally administered ones; a few percent with firmware banners such as
"App-webs/", "DNVRS-Webs", "Dahua Rtsp Server"; most rows clear (other makers' banners,
ordinary models). Writes a CSV, then runs ``.venv/bin/whomade screen X.csv --kind devices -o
out.jsonl -q`` as a subprocess with a throwaway database, sampling the process tree's resident
memory with psutil, and prints wall time, records/s and peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
WHOMADE = ROOT / ".venv" / "bin" / "whomade"

LISTED_BANNERS = [
    ("http_server", "App-webs/"),
    ("http_server", "DNVRS-Webs"),
    ("http_server", "Hikvision-Webs"),
    ("rtsp_server", "Dahua Rtsp Server"),
]
CLEAR_BANNERS = [
    ("http_server", "nginx/1.24.0"),
    ("http_server", "Apache/2.4.58 (Ubuntu)"),
    ("http_server", "lighttpd/1.4.59"),
    ("http_server", "Microsoft-IIS/10.0"),
    ("http_server", "GoAhead-Webs"),
    ("rtsp_server", "GStreamer RTSP server"),
    ("rtsp_server", "Axis Communications AB"),
]
CLEAR_MODELS = ["ThinkPad T14", "OptiPlex 7090", "LaserJet Pro M404", "EX2300-48P", "C9300-24T"]
RESTRICTED_WORDS = ("hikvision", "dahua", "huawei", "zte", "hytera", "ezviz", "hikrobot")


def _mac(prefix: str, rng: random.Random) -> str:
    digits = prefix + f"{rng.getrandbits(48 - 4 * len(prefix)):0{12 - len(prefix)}x}"
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def generate(path: Path, count: int, rng: random.Random) -> None:
    from whomade.match.mac import OuiRegistry

    registry = OuiRegistry.from_netaddr()
    ma_l = [a for a in registry if a.registry == "MA-L"]
    restricted = [
        a.prefix for a in ma_l if any(w in a.organization.lower() for w in RESTRICTED_WORDS)
    ]
    others = [a.prefix for a in ma_l]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "hostname", "ip", "mac", "model", "http_server", "rtsp_server"])
        for i in range(count):
            roll = rng.random()
            if roll < 0.03:
                mac = _mac(rng.choice(restricted), rng)
            elif roll < 0.93:
                mac = _mac(rng.choice(others), rng)
            elif roll < 0.97:
                mac = _mac(f"{rng.getrandbits(24):06x}", rng)
            else:
                mac = _mac(f"{rng.getrandbits(24) | 0x020000:06x}", rng)  # locally administered
            banner = {"http_server": "", "rtsp_server": ""}
            roll = rng.random()
            if roll < 0.02:
                field, value = rng.choice(LISTED_BANNERS)
                banner[field] = value
            elif roll < 0.4:
                field, value = rng.choice(CLEAR_BANNERS)
                banner[field] = value
            writer.writerow(
                [
                    f"D{i}",
                    f"host-{i}.corp.example",
                    f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
                    mac,
                    rng.choice(CLEAR_MODELS) if rng.random() < 0.3 else "",
                    banner["http_server"],
                    banner["rtsp_server"],
                ]
            )


def run(csv_path: Path, output: Path, db: Path) -> tuple[float, int, int]:
    """(wall seconds, peak RSS bytes of the process tree, exit code)."""
    env = {**os.environ, "WHOMADE_DB": str(db)}
    command = [str(WHOMADE), "--db", str(db), "screen", str(csv_path)]
    command += ["--kind", "devices", "-o", str(output), "-q"]
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    return time.perf_counter() - started, peak, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the CSV and findings here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "devices.csv"
        started = time.perf_counter()
        generate(source, args.records, random.Random(args.seed))
        size = source.stat().st_size
        print(
            f"generated {args.records:,} device rows ({size / 1e6:,.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        output = folder / "out.jsonl"
        wall, peak, code = run(source, output, Path(tmp) / "bench.sqlite")
        if code != 0:
            print(f"whomade screen failed with exit code {code}")
            return code
        lines = 0
        flagged = 0
        with output.open("rb") as findings:
            for line in findings:
                lines += 1
                flagged += b'"verdict":"clear"' not in line
        print(
            f"whomade screen --kind devices: {wall:.1f} s wall, {args.records / wall:,.0f} "
            f"records/s, peak RSS {peak / 2**20:,.0f} MiB (process tree, sampled every 50 ms)"
        )
        print(f"{lines:,} findings written, {flagged:,} not clear")
    return 0


if __name__ == "__main__":
    sys.exit(main())
