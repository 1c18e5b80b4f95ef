"""MAC lookup speed: IEEE registry load time and lookups per second.

Run: .venv/bin/python benchmarks/bench_mac.py [count]
"""

from __future__ import annotations

import random
import sys
import time

from whomade.match.mac import OuiRegistry, parse_mac


def _colon(digits: str) -> str:
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _rate(label: str, count: int, seconds: float, hits: int) -> None:
    print(f"{label:<52} {count / seconds:>12,.0f}/s  ({hits:,} found, {seconds:.2f} s)")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(20261125)

    started = time.perf_counter()
    registry = OuiRegistry.from_netaddr()
    print(f"registry load (first call)   {time.perf_counter() - started:.3f} s")
    started = time.perf_counter()
    OuiRegistry.from_netaddr()
    print(f"registry load (cached)       {(time.perf_counter() - started) * 1e6:.1f} µs")
    print(f"assignments {len(registry):,}; {registry.version}")

    uniform = [_colon(f"{rng.getrandbits(48):012x}") for _ in range(count)]
    ma_l = [a.prefix for a in registry if a.registry == "MA-L"]
    # Device-like addresses: inside assigned blocks, so every lookup walks all prefix lengths.
    assigned = [_colon(rng.choice(ma_l) + f"{rng.getrandbits(24):06x}") for _ in range(count)]
    mixed_forms = [
        (
            m.replace(":", "-"),
            m.replace(":", ""),
            m[:2] + m[3:5] + "." + m[6:8] + m[9:11] + "." + m[12:14] + m[15:],
        )[i % 3]
        for i, m in enumerate(assigned)
    ]

    for label, macs in (
        ("lookup, uniformly random 48-bit values", uniform),
        ("lookup, addresses inside assigned MA-L blocks", assigned),
        ("lookup, same in dash / bare / Cisco-dotted forms", mixed_forms),
    ):
        lookup = registry.lookup
        started = time.perf_counter()
        hits = sum(1 for mac in macs if lookup(mac) is not None)
        _rate(label, len(macs), time.perf_counter() - started, hits)

    sample = assigned[: count // 5]
    started = time.perf_counter()
    valid = sum(1 for mac in sample if parse_mac(mac).valid)
    _rate(
        "parse_mac (full validation and classification)",
        len(sample),
        time.perf_counter() - started,
        valid,
    )


if __name__ == "__main__":
    main()
