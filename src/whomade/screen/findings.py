"""From signals to a finding: resolve each signal through the graph, decide the verdict, weigh the
risk for the user's context, write the warning, and lay out the evidence chain link by link.

The finding is the contract every interface shows (see ../shared/DESIGN.md). Pure functions only.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from whomade.kb.graph import Graph
from whomade.kb.model import CONTEXTS, Context, RestrictionList, parse_partial_date
from whomade.kb.resolve import Path, resolve
from whomade.match.signals import STRENGTH_RANK, Signal

Verdict = Literal["restricted", "linked", "review", "clear"]
VERDICT_RANK: dict[str, int] = {"restricted": 4, "linked": 3, "review": 2, "clear": 1}
LEVEL_RANK = {"prohibited": 5, "high": 4, "medium": 3, "low": 2, "info": 1, "none": 0}
_MADE_BY_KINDS = {
    "alias",
    "product",
    "brand_field",
    "manufacturer_field",
    "model_pattern",
    "fcc_id",
    "oui",
    "banner",
    "vendor_field",
    "name",
}
_PREDICATE_PHRASES = {
    "subsidiary_of": "is a subsidiary of",
    "brand_of": "is a brand of",
    "affiliate_of": "is an affiliate of",
    "formerly_owned_by": "was owned by",
    "white_label_of": "is a white label of",
}


@dataclass(frozen=True)
class Resolved:
    """A signal and the paths it resolves to, at the date that applies to it."""

    signal: Signal
    on: dt.date
    paths: tuple[Path, ...]
    alleged: tuple[Path, ...]


def record_date(value: str | None, today: dt.date) -> dt.date:
    """The listing's date (first day of a partial ISO date), or today when missing or unreadable."""
    return _record_date(value, today) if value else today


@lru_cache(maxsize=1 << 14)
def _record_date(value: str, today: dt.date) -> dt.date:
    text = value.strip()[:10]
    try:
        return parse_partial_date(text)[0]
    except ValueError:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return today


def _signal_date(signal: Signal, listing_date: dt.date) -> dt.date:
    if signal.released:
        return _first_day(signal.released)
    return listing_date


@lru_cache(maxsize=4096)
def _first_day(partial_date: str) -> dt.date:
    return parse_partial_date(partial_date)[0]


@lru_cache(maxsize=16)
def _boundaries(graph: Graph) -> tuple[dt.date, ...]:
    """Every day on which some relation starts or stops being valid."""
    days: set[dt.date] = set()
    for relation in graph.relations:
        start, end = relation.window()
        if start:
            days.add(start)
        if end:
            days.add(end + dt.timedelta(days=1))
    return tuple(sorted(days))


def _anchor(graph: Graph, day: dt.date) -> dt.date:
    """The first day of the interval between relation boundaries that holds ``day``."""
    bounds = _boundaries(graph)
    interval = bisect_right(bounds, day)
    return bounds[interval - 1] if interval else dt.date.min


@lru_cache(maxsize=65536)
def _paths_in_interval(
    graph: Graph, entity_id: str, on: dt.date, today: dt.date
) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    paths = resolve(graph, entity_id, on, today)
    alleged = tuple(
        p
        for p in resolve(graph, entity_id, on, today, include_alleged=True)
        if p.status == "alleged"
    )
    return tuple(paths), alleged


def _is_own_name(graph: Graph, path: Path) -> bool:
    """The listed maker itself, or its own-name product line (HUAWEI Mate, ZTE Blade)."""
    if not path.links:
        return True
    return all(
        link.relation.predicate == "brand_of" and graph.entities[link.source].kind == "product_line"
        for link in path.links
    )


def _confirmed(path: Path) -> bool:
    """At least one of the lists reached rests on a primary (high-confidence) source."""
    return any(listing.confidence == "high" for listing in path.listings)


def _tier(graph: Graph, path: Path) -> Verdict:
    if not _confirmed(path):
        return "review"
    if _is_own_name(graph, path):
        return "restricted"
    if any(link.relation.scope == "some" for link in path.links):
        return "review"
    if path.confidence in ("high", "medium"):
        return "linked"
    return "review"


def _family_of(graph: Graph, path: Path) -> str:
    for entity_id in path.entities:
        if graph.entities[entity_id].family_root:
            return entity_id
    return path.end


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    families: tuple[str, ...]
    chosen: tuple[tuple[Resolved, Path], ...]
    reasons: tuple[str, ...]


def decide(graph: Graph, resolved: list[Resolved]) -> Decision:
    """The verdict and the evidence it rests on.

    ``restricted``/``linked`` need a made-by signal that is neither a compatibility mention nor an
    uncorroborated weak pattern, resolved through non-alleged links. Everything else that touched a
    listed entity (compatibility mentions, sellers, look-alike names, low-confidence or alleged
    links, weak patterns alone) is ``review``, with the reason.
    """
    best: Verdict = "clear"
    chosen: list[tuple[Resolved, Path]] = []
    reasons: list[str] = []
    for item in resolved:
        signal = item.signal
        made_by = (
            signal.kind in _MADE_BY_KINDS
            and not signal.compat
            and signal.corroborated
            and signal.strength != "weak"
            and not signal.conflict
            and not (signal.field == "description" and signal.kind in ("alias", "product"))
        )
        for path in item.paths:
            tier: Verdict = _tier(graph, path) if made_by else "review"
            if tier == "restricted" and signal.field == "parent":
                # The record names a listed company as its parent: the record itself is a
                # subsidiary, reached through that link.
                tier = "linked"
            if not made_by:
                reasons.append(_review_reason(signal))
            elif tier == "review" and not _confirmed(path):
                reasons.append(
                    f"{graph.entities[path.end].display_name}'s listing is known only from "
                    "secondary sources; confirm it on the official list"
                )
            elif tier == "review" and any(x.relation.scope == "some" for x in path.links):
                reasons.append(
                    f"only some {graph.entities[path.start].display_name} products are reported "
                    f"to come from {graph.entities[path.end].display_name}"
                )
            elif tier == "review":
                reasons.append(
                    f"the link to {graph.entities[path.end].display_name} rests on "
                    f"{path.confidence}-confidence sources only"
                )
            if VERDICT_RANK[tier] > VERDICT_RANK[best]:
                best, chosen = tier, [(item, path)]
            elif VERDICT_RANK[tier] == VERDICT_RANK[best] and tier != "clear":
                chosen.append((item, path))
        for path in item.alleged:
            reasons.append(
                f"alleged only: {graph.entities[path.start].display_name} → "
                f"{graph.entities[path.end].display_name} (an allegation, not a finding)"
            )
            if VERDICT_RANK[best] < VERDICT_RANK["review"]:
                best, chosen = "review", [(item, path)]
            elif best == "review":
                chosen.append((item, path))
    reached = dict.fromkeys(_family_of(graph, path) for _, path in chosen)
    roots = [f for f in reached if graph.entities[f].family_root]
    families = tuple(roots or reached)
    if best in ("restricted", "linked"):
        reasons = []
    return Decision(best, families, tuple(chosen), tuple(dict.fromkeys(reasons)))


def _review_reason(signal: Signal) -> str:
    if signal.conflict:
        return f"'{signal.text}' is named, but {signal.conflict}"
    if signal.compat:
        return f"'{signal.text}' is named only for compatibility ('{signal.compat_cue}')"
    if signal.kind == "seller":
        return f"only the seller's name matches ('{signal.text}'); who sells is not who makes"
    if signal.kind == "lookalike_name":
        return f"'{signal.text}' only looks like a restricted name"
    if not signal.corroborated or signal.strength == "weak":
        return f"'{signal.text}' fits a model grammar shared with unrelated products"
    if signal.field == "description":
        return f"'{signal.text}' appears only in the description"
    return f"weak evidence: {signal.explanation}"


def _applies(lst: RestrictionList, path: Path) -> bool:
    """Whether a list's own reach covers the product's maker on this path."""
    return not path.links or lst.reach == "subsidiaries_and_affiliates" or _is_own_name_links(path)


def _is_own_name_links(path: Path) -> bool:
    return all(link.relation.predicate == "brand_of" for link in path.links)


def risk(graph: Graph, decision: Decision, context: Context) -> dict[str, Any]:
    """The risk level for the user's context, from the lists' own meanings (data, not code)."""
    if decision.verdict == "clear":
        return {
            "context": context,
            "level": "none",
            "why": "nothing links this record to a listed entity",
        }
    if decision.verdict == "review":
        return {
            "context": context,
            "level": "low",
            "why": "needs review: " + "; ".join(decision.reasons[:3]),
        }
    level, why_lists = "info", []
    for _item, path in decision.chosen:
        for listing in path.listings:
            lst = graph.lists[listing.list]
            meaning = lst.meanings.get(context)
            if meaning is None or not _applies(lst, path):
                continue
            why_lists.append(lst.short_name)
            if LEVEL_RANK[meaning.level] > LEVEL_RANK[level]:
                level = meaning.level
    makers = ", ".join(graph.entities[f].display_name for f in decision.families)
    lists_text = ", ".join(dict.fromkeys(why_lists)) or "lists that name the maker only"
    return {"context": context, "level": level, "why": f"{makers}: {lists_text}"}


@lru_cache(maxsize=1024)
def _date_text(value: str | None) -> str:
    if not value:
        return "an unrecorded date"
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day.strftime('%B %Y')}"


def warning(graph: Graph, decision: Decision, context: Context) -> str | None:
    """A plain-language warning a shop could show: facts and lists, never more than the evidence."""
    if decision.verdict == "clear":
        return None
    if decision.verdict == "review":
        first = decision.reasons[0] if decision.reasons else "the evidence is weak"
        return (
            "We could not confirm who made this product. It mentions a company on a U.S. "
            f"restriction list, but {first}. A reviewer should check it before any label is shown."
        )
    item, path = decision.chosen[0]
    sentences = [_chain_sentence(graph, item, path)]
    named: list[str] = []
    for listing in path.listings:
        lst = graph.lists[listing.list]
        meaning = lst.meanings.get(context)
        if meaning is None or LEVEL_RANK[meaning.level] < LEVEL_RANK["medium"]:
            continue
        notice = f"; {listing.notice}" if listing.notice and len(listing.notice) < 40 else ""
        named.append(f"{lst.short_name} (since {_date_text(listing.added)}{notice})")
    if named:
        maker = graph.entities[path.end].display_name
        sentences.append(f"{maker} is on these U.S. government lists: " + "; ".join(named) + ".")
    if context == "federal" and any(listing.list == "ndaa_889" for listing in path.listings):
        sentences.append(
            "Under NDAA section 889 federal agencies may not buy, and contractors must report, "
            "covered equipment from this maker or its subsidiaries and affiliates."
        )
    return " ".join(sentences)


def _chain_sentence(graph: Graph, item: Resolved, path: Path) -> str:
    signal = item.signal
    start = graph.entities[path.start].display_name
    maker = graph.entities[path.end]
    if not path.links:
        return f"This listing names {maker.legal_name} ({signal.text})."
    parts = []
    for link in path.links:
        rel = link.relation
        source_name = graph.entities[link.source].display_name
        target_name = graph.entities[link.target].legal_name
        if link.reversed:  # maker oem_for brand
            phrase = f"{source_name} products are reported to be made by {target_name}"
        else:
            verb = _PREDICATE_PHRASES.get(rel.predicate, rel.predicate)
            phrase = f"{source_name} {verb} {target_name}"
        if rel.valid_from or rel.valid_to:
            phrase += f" ({rel.valid_from or '…'} to {rel.valid_to or 'today'})"
        parts.append(phrase)
    lead = (
        f"This product is sold under the {start} name"
        if signal.kind != "product"
        else (f"This is the {signal.text}, launched {signal.released}")
    )
    return f"{lead}; " + "; ".join(parts) + "."


def evidence_chain(graph: Graph, decision: Decision) -> list[dict[str, Any]]:
    """signal → relation links → listings, each with its sources and confidence."""
    steps: list[dict[str, Any]] = []
    seen: set[str] = set()
    shown: set[int] = set()
    for item, path in decision.chosen:
        if id(item) not in shown:
            shown.add(id(item))
            signal_step = item.signal.to_evidence()
            signal_step["resolved_at"] = item.on.isoformat()
            steps.append(signal_step)
        for link in path.links:
            rel = link.relation
            if f"rel:{rel.id}" in seen:
                continue
            seen.add(f"rel:{rel.id}")
            steps.append(
                {
                    "step": "relation",
                    "id": rel.id,
                    "subject": rel.subject,
                    "predicate": rel.predicate,
                    "object": rel.object,
                    "valid_from": rel.valid_from,
                    "valid_to": rel.valid_to,
                    "confidence": rel.confidence,
                    "status": rel.status,
                    "sources": rel.cited(),
                }
            )
        for listing in path.listings:
            if f"lst:{listing.id}" in seen:
                continue
            seen.add(f"lst:{listing.id}")
            steps.append(
                {
                    "step": "listing",
                    "entity": listing.entity,
                    "list": listing.list,
                    "since": listing.added,
                    "until": listing.removed,
                    "notice": listing.notice,
                    "listed_as": listing.listed_as,
                    "confidence": listing.confidence,
                    "sources": listing.cited(),
                }
            )
    return steps


@lru_cache(maxsize=8192)
def citation(graph: Graph, source_id: str) -> dict[str, Any]:
    """A source as a finding cites it: title, url or document, publisher, date (read-only)."""
    source = graph.sources[source_id]
    fields = {
        "title": source.title,
        "url": source.url,
        "document": source.document,
        "publisher": source.publisher,
        "date": source.date,
        "locator": source.locator,
    }
    return {k: v for k, v in fields.items() if v}


def citations(graph: Graph, steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every source id the evidence cites, resolved to its citation."""
    out: dict[str, dict[str, Any]] = {}
    for step in steps:
        for source_id in step.get("sources", ()):
            if source_id in graph.sources and source_id not in out:
                out[source_id] = citation(graph, source_id)
    return out


def build_finding(
    graph: Graph,
    record_id: str,
    signals: list[Signal],
    *,
    context: Context,
    listing_date: dt.date,
    today: dt.date,
    versions: dict[str, Any],
    line: int | None = None,
) -> dict[str, Any]:
    """The finding for one record (see DESIGN.md for its shape).

    Findings of records with the same signals share their read-only parts (risk, citations,
    evidence steps other than the signals'): treat a finding as immutable.
    """
    if context not in CONTEXTS:
        raise ValueError(f"unknown context {context!r}; expected one of {', '.join(CONTEXTS)}")
    days = tuple(_signal_date(signal, listing_date) for signal in signals)
    body = _finding_body(
        graph, tuple(signals), tuple(_anchor(graph, d) for d in days), context, today
    )
    finding: dict[str, Any] = {
        "id": record_id,
        "verdict": body.verdict,
        "families": list(body.families),
        "risk": body.risk,
        "warning": body.warning,
        "evidence": [
            step if index is None else {**step, "resolved_at": days[index].isoformat()}
            for step, index in body.evidence
        ],
    }
    if body.reasons:
        finding["reasons"] = list(body.reasons)
    if body.other_signals:
        finding["other_signals"] = list(body.other_signals)
    finding["citations"] = body.citations
    finding["as_of"] = today.isoformat()
    finding["versions"] = versions
    if line is not None:
        finding["line"] = line
    return finding


@dataclass(frozen=True)
class _Body:
    """Everything in a finding that follows from its signals and their date intervals.

    ``evidence`` pairs each step with the index of its signal (None for links and listings):
    a signal step gets the exact day it was resolved at, which the interval does not hold.
    """

    verdict: Verdict
    families: tuple[str, ...]
    risk: dict[str, Any]
    warning: str | None
    evidence: tuple[tuple[dict[str, Any], int | None], ...]
    reasons: tuple[str, ...]
    other_signals: tuple[dict[str, Any], ...]
    citations: dict[str, dict[str, Any]]


@lru_cache(maxsize=1 << 12)
def _finding_body(
    graph: Graph,
    signals: tuple[Signal, ...],
    anchors: tuple[dt.date, ...],
    context: Context,
    today: dt.date,
) -> _Body:
    """Resolution at ``on`` only depends on which relation windows contain it (list membership
    is judged today), so any day between two boundaries resolves like the interval's first day,
    and records with the same signals in the same intervals share one body."""
    resolved = [
        Resolved(signal, on, *_paths_in_interval(graph, signal.entity, on, today))
        for signal, on in zip(signals, anchors, strict=True)
    ]
    decision = decide(graph, resolved)
    steps = evidence_chain(graph, decision)
    index_of = {id(item): index for index, item in enumerate(resolved)}
    chosen_items = [item for item, _ in decision.chosen]
    signal_steps = iter(dict.fromkeys(id(item) for item in chosen_items))
    evidence: list[tuple[dict[str, Any], int | None]] = []
    for step in steps:
        if step["step"] == "signal":
            evidence.append(
                (
                    {k: v for k, v in step.items() if k != "resolved_at"},
                    index_of[next(signal_steps)],
                )
            )
        else:
            evidence.append((step, None))
    shown = {id(item.signal) for item in chosen_items}
    unresolved = (
        [s.to_evidence() for s in signals if id(s) not in shown][:10]
        if decision.verdict != "clear"
        else []
    )
    return _Body(
        verdict=decision.verdict,
        families=decision.families,
        risk=risk(graph, decision, context),
        warning=warning(graph, decision, context),
        evidence=tuple(evidence),
        reasons=decision.reasons,
        other_signals=tuple(unresolved),
        citations=citations(graph, steps),
    )


def clear_finding(
    record_id: str,
    context: Context,
    today: dt.date,
    versions: dict[str, Any],
    line: int | None = None,
) -> dict[str, Any]:
    """The finding of a record no signal fired on."""
    finding: dict[str, Any] = {
        "id": record_id,
        "verdict": "clear",
        "families": [],
        "risk": {
            "context": context,
            "level": "none",
            "why": "nothing links this record to a listed entity",
        },
        "warning": None,
        "evidence": [],
        "citations": {},
        "as_of": today.isoformat(),
        "versions": versions,
    }
    if line is not None:
        finding["line"] = line
    return finding


def strongest(signals: Iterable[Signal]) -> Signal | None:
    return max(signals, key=lambda s: (STRENGTH_RANK[s.strength], s.score), default=None)
