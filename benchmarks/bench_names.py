"""Company-name matching benchmark: quality against nomenklatura, and NameIndex speed.

Quality: every pair of ../shared/eval/names_dev.csv scored by whomade (spelling only, and with the
knowledge graph's recorded names) and by nomenklatura's matchers (LogicV2, LogicV1, NameMatcher on
followthemoney Company entities), each at its natural threshold and at its best threshold.

Speed: N generated supplier names (default 100,000) matched with NameIndex against the ~19,000
entity names and aliases of the Consolidated Screening List (read at run time from
../shared/lists/csl/2022-05-16/consolidated.csv), against brute force: rapidfuzz
``process.cdist`` of every record with every entry, timed on a sample and extrapolated.

    .venv/bin/python benchmarks/bench_names.py [--records 100000] [--brute-sample 400] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from whomade.match.names import (
    DEFAULT_THRESHOLD,
    KnownNames,
    NameIndex,
    compare_names,
)

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
EVAL_PAIRS = SHARED / "eval" / "names_dev.csv"
CSL = SHARED / "lists" / "csl" / "2022-05-16" / "consolidated.csv"
NOMENKLATURA_THRESHOLD = 0.7  # yente's default match threshold for its scoring algorithms


# --------------------------------------------------------------------------- quality


def f1_at(scores: Sequence[float], truth: Sequence[bool], threshold: float) -> float:
    tp = sum(s >= threshold and t for s, t in zip(scores, truth, strict=True))
    fp = sum(s >= threshold and not t for s, t in zip(scores, truth, strict=True))
    fn = sum(s < threshold and t for s, t in zip(scores, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def best_f1(scores: Sequence[float], truth: Sequence[bool]) -> tuple[float, float]:
    candidates = sorted(set(scores) | {1.0})
    return max((f1_at(scores, truth, t), t) for t in candidates)


def nomenklatura_scorers() -> list[tuple[str, Callable[[str, str], float]]]:
    from followthemoney import model
    from nomenklatura.matching import LogicV1, LogicV2, NameMatcher, ScoringConfig

    ids = itertools.count()

    def entity(name: str):  # type: ignore[no-untyped-def]
        proxy = model.make_entity("Company")
        proxy.id = f"bench-{next(ids)}"  # fresh ids: the matchers cache per entity id
        proxy.add("name", name)
        return proxy

    scorers = []
    for algorithm in (LogicV2, LogicV1, NameMatcher):
        config = ScoringConfig(
            weights={}, config={key: var.default for key, var in algorithm.CONFIG.items()}
        )

        def score(a: str, b: str, algorithm=algorithm, config=config) -> float:  # type: ignore[no-untyped-def]
            return float(algorithm.compare(entity(a), entity(b), config).score)

        scorers.append((f"nomenklatura {algorithm.NAME}", score))
    return scorers


def known_names() -> KnownNames | None:
    from whomade.match.cli import known_names_from_graph

    return known_names_from_graph()


def quality() -> None:
    if not EVAL_PAIRS.exists():
        print(f"quality: {EVAL_PAIRS} not found, skipped")
        return
    with EVAL_PAIRS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pairs = [(r["name1"], r["name2"]) for r in rows]
    truth = [r["is_match"].strip() == "1" for r in rows]
    known = known_names()
    ours: list[tuple[str, Callable[[str, str], float], float]] = [
        ("whomade (spelling only)", lambda a, b: compare_names(a, b).score, DEFAULT_THRESHOLD),
    ]
    if known is not None:
        ours.append(
            (
                "whomade (+ graph names)",
                lambda a, b: compare_names(a, b, known=known).score,
                DEFAULT_THRESHOLD,
            )
        )
    scorers = ours + [(n, s, NOMENKLATURA_THRESHOLD) for n, s in nomenklatura_scorers()]
    print(f"Quality on {EVAL_PAIRS.name}: {len(pairs)} pairs, {sum(truth)} matches")
    print(f"{'matcher':32} {'threshold':>9} {'F1':>6} {'best F1':>8} {'at':>6} {'pairs/s':>9}")
    for label, scorer, threshold in scorers:
        started = time.perf_counter()
        scores = [scorer(a, b) for a, b in pairs]
        elapsed = time.perf_counter() - started
        best, at = best_f1(scores, truth)
        print(
            f"{label:32} {threshold:9.2f} {f1_at(scores, truth, threshold):6.3f} "
            f"{best:8.3f} {at:6.3f} {len(pairs) / elapsed:9,.0f}"
        )
    print()


# --------------------------------------------------------------------------- speed


def list_entry_names() -> list[str]:
    """Entity, vessel and aircraft names and aliases of the CSL (individuals left out)."""
    names: dict[str, None] = {}
    with CSL.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row.get("type") == "Individual":
                continue
            for name in [row.get("name") or "", *(row.get("alt_names") or "").split(";")]:
                if name.strip():
                    names[name.strip()] = None
    return list(names)


PLACES = [
    "Shenzhen",
    "Guangzhou",
    "Hangzhou",
    "Ningbo",
    "Dongguan",
    "Xiamen",
    "Suzhou",
    "Wuxi",
    "Shanghai",
    "Beijing",
    "Foshan",
    "Qingdao",
    "Tianjin",
    "Wuhan",
    "Chengdu",
    "Yiwu",
]
SYLLABLES = [
    "xin",
    "da",
    "hua",
    "tong",
    "feng",
    "sheng",
    "li",
    "jia",
    "hong",
    "mei",
    "rui",
    "an",
    "tai",
    "yuan",
    "kang",
    "xing",
    "guang",
    "bo",
    "yi",
    "heng",
    "chang",
    "jin",
    "long",
    "wei",
    "de",
    "ke",
    "chuang",
    "zhi",
    "lian",
]
INDUSTRIES = [
    "Electronics",
    "Technology",
    "Industrial",
    "Trading",
    "Precision Machinery",
    "Plastic Products",
    "Lighting",
    "Packaging",
    "Textile",
    "Optoelectronics",
    "Smart Home",
    "Hardware",
    "Auto Parts",
    "Medical Devices",
    "New Energy",
    "Communication Equipment",
    "Import & Export",
    "Intelligent Technology",
    "Security Technology",
    "Cable",
]
FORMS = [
    "Co., Ltd.",
    "Co.,Ltd",
    "CO., LTD",
    "Limited",
    "Company Limited",
    "Inc.",
    "LLC",
    "Corp.",
    "GmbH",
    "S.A.",
    "Pty Ltd",
    "Ltd.",
    "",
    "Corporation",
    "S.r.l.",
    "B.V.",
]
WESTERN = [
    "Anderson",
    "Baker",
    "Summit",
    "Pioneer",
    "Evergreen",
    "Apex",
    "Harbor",
    "Granite",
    "Riverside",
    "Northstar",
    "Bluewater",
    "Keystone",
    "Liberty",
    "Meridian",
    "Sterling",
    "Cascade",
    "Redwood",
    "Atlas",
    "Beacon",
    "Crestline",
    "Falcon",
    "Horizon",
    "Ironwood",
    "Juniper",
    "Lakeshore",
    "Maple",
    "Oakridge",
    "Pinnacle",
    "Quantum",
    "Sierra",
    "Titan",
    "Vanguard",
    "Westfield",
]
WESTERN_TRADES = [
    "Supply",
    "Distribution",
    "Logistics",
    "Components",
    "Systems",
    "Solutions",
    "Manufacturing",
    "Tools",
    "Instruments",
    "Controls",
    "Networks",
    "Devices",
]
CN_PLACES = [
    "深圳市",
    "广州市",
    "杭州市",
    "宁波市",
    "东莞市",
    "厦门市",
    "苏州市",
    "无锡市",
    "上海",
    "北京",
]
CN_CHARS = "新达华通丰盛利佳宏美瑞安泰源康兴光博益恒昌金龙威德科创智联"
CN_INDUSTRIES = [
    "电子",
    "科技",
    "实业",
    "贸易",
    "精密机械",
    "塑料制品",
    "照明",
    "包装",
    "纺织",
    "光电",
    "智能",
    "五金",
    "汽车配件",
    "医疗器械",
    "新能源",
    "通信设备",
]
CN_FORMS = ["有限公司", "股份有限公司", "有限责任公司"]


def perturb(name: str, rng: random.Random) -> str:
    """A supplier's way of writing a list name: case, punctuation, legal form, order, typo."""
    words = name.replace(",", " ").replace(".", " ").split()
    choice = rng.randrange(6)
    if choice == 0:
        return name.upper() if rng.random() < 0.5 else name.title()
    if choice == 1:
        return f"{' '.join(words)} {rng.choice(FORMS)}".strip()
    if choice == 2 and len(words) > 1:
        rng.shuffle(words)
        return " ".join(words)
    if choice == 3:
        longest = max(range(len(words)), key=lambda i: len(words[i]))
        word = words[longest]
        if len(word) > 5:
            cut = rng.randrange(1, len(word) - 1)
            words[longest] = word[:cut] + word[cut + 1 :]
        return " ".join(words)
    if choice == 4:
        return name.replace(",", "").replace(".", "")
    return name


def synthetic_name(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.5:
        trade = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3)))).title()
        place = rng.choice(PLACES) + " " if rng.random() < 0.8 else ""
        return f"{place}{trade} {rng.choice(INDUSTRIES)} {rng.choice(FORMS[:6])}".strip()
    if style < 0.62:
        trade = "".join(rng.choice(CN_CHARS) for _ in range(2))
        return f"{rng.choice(CN_PLACES)}{trade}{rng.choice(CN_INDUSTRIES)}{rng.choice(CN_FORMS)}"
    first = rng.choice(WESTERN)
    second = rng.choice(WESTERN) if rng.random() < 0.3 else ""
    return f"{first} {second} {rng.choice(WESTERN_TRADES)} {rng.choice(FORMS)}".replace("  ", " ")


def generate_suppliers(
    entries: Sequence[str], count: int, rng: random.Random
) -> tuple[list[str], int]:
    """``count`` supplier names, 10 % of them written variants of list names (returned first)."""
    variants = [perturb(rng.choice(entries), rng) for _ in range(count // 10)]
    others = [synthetic_name(rng) for _ in range(count - len(variants))]
    return variants + others, len(variants)


def brute_force_rate(sample: Sequence[str], entries: Sequence[str], workers: int) -> float:
    """Records per second of rapidfuzz ``cdist`` (every record x every entry), on a sample."""
    started = time.perf_counter()
    process.cdist(
        sample,
        entries,
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        workers=workers,
        dtype="uint8",
    )
    return len(sample) / (time.perf_counter() - started)


def index_rate(entries: Sequence[str], records: Sequence[str]) -> tuple[float, float, int]:
    """(build seconds, records per second of CPU time, records matched) for a NameIndex."""
    started = time.perf_counter()
    index = NameIndex((str(i), name) for i, name in enumerate(entries))
    build = time.perf_counter() - started
    cpu = time.process_time()
    matched = sum(1 for found in index.search_many(records, limit=1) if found)
    return build, len(records) / (time.process_time() - cpu), matched


def speed(records: int, brute_sample: int, seed: int) -> None:
    if not CSL.exists():
        print(f"speed: {CSL} not found, skipped")
        return
    rng = random.Random(seed)
    entries = list_entry_names()
    suppliers, variant_count = generate_suppliers(entries, records, rng)
    distinct = len(set(suppliers))
    print(
        f"Speed: {len(suppliers):,} generated supplier names ({distinct:,} distinct, "
        f"{variant_count:,} written variants of list names) against {len(entries):,} "
        f"CSL entity names and aliases (one core unless said)"
    )

    started = time.perf_counter()
    index = NameIndex((str(i), name) for i, name in enumerate(entries))
    build = time.perf_counter() - started
    print(f"  NameIndex build:       {build:8.2f} s ({len(index):,} names)")
    started, cpu = time.perf_counter(), time.process_time()
    results = list(index.search_many(suppliers, limit=1))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    rate = len(suppliers) / cpu
    matched = sum(1 for r in results if r)
    print(
        f"  NameIndex.search_many: {elapsed:8.2f} s wall, {cpu:.2f} s CPU = {rate:,.0f} "
        f"records/s of CPU; {matched:,} records matched an entry"
    )
    found = sum(1 for r in results[:variant_count] if r)
    print(f"  written variants of list names matched: {found:,} of {variant_count:,}")

    sample = rng.sample(suppliers, min(brute_sample, len(suppliers)))
    one_core = brute_force_rate(sample, entries, workers=1)
    all_cores = brute_force_rate(sample, entries, workers=-1)
    print(
        f"  brute force, rapidfuzz cdist token_sort_ratio on {len(sample)} records x "
        f"{len(entries):,} entries (extrapolated): {one_core:,.0f} records/s on one core "
        f"({len(suppliers) / one_core:,.0f} s for all), {all_cores:,.0f} records/s on all cores"
    )
    print(
        f"  NameIndex vs rapidfuzz brute force, one core each: {rate / one_core:,.1f}x "
        "(the brute force only scores strings; it decides nothing)"
    )
    small = sample[:10]
    started = time.process_time()
    for name in small:
        for entry in entries:
            compare_names(name, entry)
    full_rate = len(small) / (time.process_time() - started)
    print(
        f"  brute force with compare_names on every pair (the same decisions), extrapolated "
        f"from {len(small)} records: {full_rate:,.2f} records/s -> NameIndex is "
        f"{rate / full_rate:,.0f}x faster"
    )

    # Brute force grows with the list, the index with the candidates: a four times larger list.
    extra = [synthetic_name(rng) for _ in range(3 * len(entries))]
    big = entries + extra
    probe = suppliers[: max(1, len(suppliers) // 10)]
    big_build, big_rate, _ = index_rate(big, probe)
    big_brute = brute_force_rate(sample, big, workers=1)
    print(
        f"  with {len(big):,} entries (CSL + {len(extra):,} generated names), "
        f"{len(probe):,} records: NameIndex build {big_build:.1f} s, {big_rate:,.0f} records/s; "
        f"brute force {big_brute:,.0f} records/s; ratio {big_rate / big_brute:,.1f}x"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--brute-sample", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_quality:
        quality()
    if not args.skip_speed:
        speed(args.records, args.brute_sample, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
