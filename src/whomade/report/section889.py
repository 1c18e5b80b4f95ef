"""The NDAA §889 inventory report: per device, a determination a contracting officer can act on.

Findings come from the screening pipeline (federal context); this module only reads them and maps
each to one of three determinations (:func:`determine`), then lays the report out as plain data
(:func:`build_report`) that is rendered to HTML (:func:`render_html`, autoescaped: every device
field is hostile input) or written as JSON. The rule dates are the graph's where the graph holds
them (the §889 and FCC Covered List listings) and the research's, with its sources, where it does
not (Part B).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape

from whomade.inputs import CANONICAL_FIELDS
from whomade.kb.graph import Graph
from whomade.match.mac import parse_mac
from whomade.screen.findings import citation

Code = Literal["covered", "inquiry", "no_link"]
CODES: tuple[Code, ...] = ("covered", "inquiry", "no_link")
LABELS: dict[Code, str] = {
    "covered": "Covered equipment from a covered entity (or its subsidiary/affiliate)",
    "inquiry": "Needs inquiry",
    "no_link": "No covered-entity link found in the evidence available",
}
LIST_ID = "ndaa_889"
FCC_LIST_ID = "fcc_covered_list"
TEMPLATES = Path(__file__).parent / "templates"

# Part B is not a listing in the graph; its date and text are the research's
# (../shared/research/lists.yaml ndaa_889.parts), with the sources named there.
PART_A_TEXT = (
    "Agencies may not procure or obtain covered telecommunications equipment or services as a "
    "substantial or essential component of any system."
)
PART_A_SOURCES = ("VENABLE_2020_889B", "IPVM_AUG13_2019", "IPVM_FAR_BAN_2019")
PART_B_DATE = "2020-08-13"
PART_B_TEXT = (
    "Agencies may not contract with an entity that uses covered equipment or services, whether "
    "or not that use is in performance of a federal contract."
)
PART_B_SOURCES = ("FAR_2020_15293", "BLANKROME_2020_889B", "VENABLE_2020_889B")
REQUIREMENTS = (
    "Part A (since 2019-08-13): a federal agency may not procure or obtain this equipment "
    "(FAR 52.204-25).",
    "Part B (since 2020-08-13): the contractor must represent, after a reasonable inquiry, "
    "whether it uses covered equipment anywhere in its operations (FAR 52.204-24 / 52.204-26); "
    "this device is a finding to disclose and report.",
)
IDENTIFYING_FIELDS = tuple(
    f for f in CANONICAL_FIELDS["devices"] if f not in ("id", "hostname", "ip", "date")
)
DEVICE_COLUMNS = ("hostname", "ip", "mac", "vendor", "manufacturer", "model")


@dataclass(frozen=True)
class CoveredEntity:
    """A §889-named company a device's evidence reaches, with the reach of its listing."""

    entity: str
    name: str
    listed_as: str | None
    since: str | None
    scope: str | None


@dataclass(frozen=True)
class Determination:
    """What §889 means for one device, and what to check or do next."""

    code: Code
    label: str
    summary: str
    checks: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    covered_entities: tuple[CoveredEntity, ...] = ()
    checked_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleDate:
    """A date the report rests on, with its sources."""

    rule: str
    date: str
    text: str
    sources: tuple[str, ...] = field(default_factory=tuple)


def listing_scope(graph: Graph, entity_id: str) -> str | None:
    """The reach of an entity's §889 listing; "same as Hytera" is followed to Hytera's text."""
    scope = next((x.scope for x in graph.listings_of.get(entity_id, ()) if x.list == LIST_ID), None)
    if scope and scope.lower().startswith("same as "):
        other = scope[len("same as ") :].strip().lower()
        for listing in graph.listings:
            entity = graph.entities.get(listing.entity)
            names = {listing.entity.lower()}
            if entity is not None:
                names.add(entity.display_name.lower())
            if listing.list == LIST_ID and other in names and listing.entity != entity_id:
                return listing.scope
    return scope


def _active(step: Mapping[str, Any], as_of: str) -> bool:
    until = step.get("until")
    return not until or str(until) > as_of


def covered_entities(
    graph: Graph, finding: Mapping[str, Any], as_of: str
) -> tuple[CoveredEntity, ...]:
    """The §889-listed companies a finding's evidence chain reaches with a listing in force."""
    out: dict[str, CoveredEntity] = {}
    for step in finding.get("evidence") or ():
        if step.get("step") != "listing" or step.get("list") != LIST_ID:
            continue
        entity_id = str(step.get("entity"))
        if entity_id in out or not _active(step, as_of):
            continue
        entity = graph.entities.get(entity_id)
        out[entity_id] = CoveredEntity(
            entity=entity_id,
            name=entity.display_name if entity else entity_id,
            listed_as=step.get("listed_as"),
            since=step.get("since"),
            scope=listing_scope(graph, entity_id),
        )
    return tuple(out.values())


def checked_fields(record: Mapping[str, Any]) -> tuple[str, ...]:
    """The identifying fields the device record actually had."""
    return tuple(f for f in IDENTIFYING_FIELDS if str(record.get(f) or "").strip())


def _scope_check(entity: CoveredEntity) -> str:
    scope = entity.scope or "the equipment the statute names"
    if "public safety" in scope:
        return (
            f"Confirm the use: §889 names {entity.name} {scope}. A camera or radio used for site "
            "security or surveillance is within it."
        )
    return f"Confirm the equipment type: §889 names {entity.name} {scope}."


def _label_check(record: Mapping[str, Any], finding: Mapping[str, Any]) -> str | None:
    """A device labelled with one name whose firmware or MAC says another maker."""
    label = str(record.get("vendor") or record.get("manufacturer") or "").strip()
    if not label:
        return None
    signal_kinds = {
        str(s.get("kind"))
        for s in finding.get("evidence") or ()
        if s.get("step") == "signal" and s.get("field") not in ("vendor", "manufacturer")
    }
    if not signal_kinds & {"banner", "oui", "name"}:
        return None
    families = [f.lower() for f in finding.get("families") or ()]
    if any(f in label.lower() for f in families):
        return None
    return (
        f"The device is labelled '{label}', but its firmware banner or MAC block names another "
        "maker: a banner names the firmware's maker. Ask the vendor, in writing, who manufactured "
        "the device."
    )


_REASON_CHECKS = (
    (
        "model grammar",
        "Confirm the maker with the vendor's invoice, the label on the device, or its firmware "
        "banner (HTTP/RTSP server header).",
    ),
    (
        "alleged only",
        "This is an allegation, not a finding: ask the vendor, in writing, who manufactured the "
        "device and keep the answer on file.",
    ),
    (
        "only some",
        "Only some of this brand's products come from the covered maker: ask the vendor who "
        "manufactured this model; check the label, FCC ID and firmware banner.",
    ),
    (
        "secondary sources",
        "Confirm the listing on the official list before acting on it.",
    ),
    (
        "compatibility",
        "The covered maker is named only for compatibility: check that the device is not itself "
        "made by it (label, FCC ID, firmware banner).",
    ),
    (
        "confidence sources only",
        "The ownership or manufacturing link rests on weak sources: ask the vendor who "
        "manufactured the device.",
    ),
    (
        "is named, but",
        "The record's fields disagree about the maker: check the device's label and firmware "
        "banner, and ask the vendor.",
    ),
)


def review_checks(reasons: Iterable[str]) -> tuple[str, ...]:
    """Concrete things to check for each reason a finding needs review (reason first)."""
    checks: list[str] = []
    for reason in reasons:
        action = next(
            (text for cue, text in _REASON_CHECKS if cue in reason),
            "Ask the vendor who manufactured the device.",
        )
        checks.append(f"Why: {reason}. Check: {action}")
    return tuple(dict.fromkeys(checks)) or (
        "Ask the vendor who manufactured the device (invoice, label, firmware banner).",
    )


def determine(
    graph: Graph,
    finding: Mapping[str, Any],
    record: Mapping[str, Any] | None = None,
    *,
    as_of: str | None = None,
) -> Determination:
    """The §889 determination for one screened device (a finding of the federal context)."""
    record = record or {}
    day = as_of or str(finding.get("as_of") or dt.date.today().isoformat())
    verdict = finding.get("verdict")
    entities = covered_entities(graph, finding, day)
    fields = checked_fields(record)
    names = ", ".join(e.name for e in entities)
    if verdict in ("restricted", "linked") and entities:
        checks = [_scope_check(e) for e in entities]
        label_check = _label_check(record, finding)
        if label_check:
            checks.append(label_check)
        how = "made by" if verdict == "restricted" else "linked through a brand/OEM/affiliate to"
        return Determination(
            code="covered",
            label=LABELS["covered"],
            summary=f"The evidence shows this device is {how} {names}, named in §889.",
            checks=tuple(checks),
            requirements=REQUIREMENTS,
            covered_entities=entities,
            checked_fields=fields,
        )
    if verdict == "review":
        reached = f" It may be linked to {names}, named in §889." if entities else ""
        return Determination(
            code="inquiry",
            label=LABELS["inquiry"],
            summary="The evidence is not strong enough either way." + reached,
            checks=review_checks(finding.get("reasons") or ())
            + tuple(f"If the maker is confirmed: {_scope_check(e)}" for e in entities),
            covered_entities=entities,
            checked_fields=fields,
        )
    checks = []
    mac = str(record.get("mac") or "").strip()
    if mac and parse_mac(mac).locally_administered:
        checks.append(
            f"The MAC {mac} is locally administered (set by software, often randomised): it does "
            "not identify the maker. Identify the device another way (label, banner, vendor)."
        )
    if verdict in ("restricted", "linked"):
        families = ", ".join(finding.get("families") or ())
        summary = (
            f"Linked to {families}, which is on other U.S. restriction lists but not named in §889."
        )
    elif fields:
        summary = "Checked " + ", ".join(fields) + ": none links the device to a covered entity."
    else:
        summary = "The record has no identifying field (MAC, vendor, model, banner) to check."
        checks.append("Collect the device's MAC, label, model or firmware banner and re-run.")
    return Determination(
        code="no_link",
        label=LABELS["no_link"],
        summary=summary,
        checks=tuple(checks),
        checked_fields=fields,
    )


def rule_dates(graph: Graph) -> tuple[RuleDate, ...]:
    """§889 Part A and Part B, and the FCC Covered List, each with a date and its sources."""
    ndaa = [x for x in graph.listings if x.list == LIST_ID and x.added]
    covered_ids = {x.entity for x in ndaa}
    fcc = [x for x in graph.listings if x.list == FCC_LIST_ID and x.entity in covered_ids]
    out = []
    if ndaa:
        out.append(
            RuleDate(
                "NDAA §889 Part A",
                min(str(x.added) for x in ndaa),
                PART_A_TEXT,
                _known(graph, PART_A_SOURCES),
            )
        )
    out.append(
        RuleDate("NDAA §889 Part B", PART_B_DATE, PART_B_TEXT, _known(graph, PART_B_SOURCES))
    )
    dated = [x for x in fcc if x.added]
    if dated:
        first = min(str(x.added) for x in dated)
        sources = [s for x in dated if x.added == first for s in x.cited()]
        names = ", ".join(graph.entities[x.entity].display_name for x in dated if x.added == first)
        out.append(
            RuleDate(
                "FCC Covered List",
                first,
                f"Equipment of {names} placed on the FCC Covered List.",
                _known(graph, sources),
            )
        )
    return tuple(out)


def _known(graph: Graph, source_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(s for s in dict.fromkeys(source_ids) if s in graph.sources)


def describe_step(graph: Graph, step: Mapping[str, Any]) -> str:
    """One evidence step as a sentence."""
    kind = step.get("step")
    if kind == "signal":
        return str(step.get("explanation") or f"{step.get('field')}: {step.get('text')}")
    if kind == "relation":
        subject = _name(graph, step.get("subject"))
        obj = _name(graph, step.get("object"))
        predicate = str(step.get("predicate", "")).replace("_", " ")
        window = ""
        if step.get("valid_from") or step.get("valid_to"):
            window = f", {step.get('valid_from') or '…'} to {step.get('valid_to') or 'today'}"
        return (
            f"{subject} {predicate} {obj} ({step.get('confidence')} confidence, "
            f"{step.get('status')}{window})"
        )
    if kind == "listing":
        lst = graph.lists.get(str(step.get("list")))
        list_name = lst.short_name if lst else step.get("list")
        verb = "is named in" if step.get("list") == LIST_ID else "is on the"
        since = step.get("since") or "a date not recorded"
        text = f"{_name(graph, step.get('entity'))} {verb} {list_name} since {since}"
        if step.get("until"):
            text += f" (removed {step.get('until')})"
        if step.get("notice"):
            text += f"; {step.get('notice')}"
        if step.get("listed_as"):
            text += f"; listed as “{step.get('listed_as')}”"
        return text
    return str(step)


def _name(graph: Graph, entity_id: Any) -> str:
    entity = graph.entities.get(str(entity_id))
    return entity.display_name if entity else str(entity_id)


def build_report(
    graph: Graph,
    rows: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    *,
    inventory: str,
    as_of: dt.date,
    row_errors: Sequence[str] = (),
) -> dict[str, Any]:
    """The whole report as plain data: header, summary, one entry per (record, finding), sources."""
    day = as_of.isoformat()
    devices = []
    cited: dict[str, dict[str, Any]] = {}
    counts: Counter[str] = Counter()
    for record, finding in rows:
        decision = determine(graph, finding, record, as_of=day)
        counts[decision.code] += 1
        for source_id, known_citation in (finding.get("citations") or {}).items():
            cited.setdefault(source_id, dict(known_citation))
        evidence = [
            {
                "step": step.get("step"),
                "text": describe_step(graph, step),
                "sources": list(step.get("sources") or ()),
            }
            for step in finding.get("evidence") or ()
        ]
        devices.append(
            {
                "id": finding.get("id"),
                "line": finding.get("line"),
                **{c: str(record.get(c) or "") for c in DEVICE_COLUMNS},
                "verdict": finding.get("verdict"),
                "families": list(finding.get("families") or ()),
                "determination": asdict(decision),
                "warning": finding.get("warning"),
                "evidence": evidence,
            }
        )
    dates = rule_dates(graph)
    for rule in dates:
        for source_id in rule.sources:
            cited.setdefault(source_id, citation(graph, source_id))
    return {
        "title": "NDAA §889 inventory report",
        "inventory": inventory,
        "as_of": day,
        "graph_version": graph.version,
        "counts": {code: counts.get(code, 0) for code in CODES},
        "labels": dict(LABELS),
        "total": len(devices),
        "summary": summary_sentences(counts, len(devices)),
        "rule_dates": [asdict(r) for r in dates],
        "devices": devices,
        "row_errors": list(row_errors),
        "citations": dict(sorted(cited.items())),
        "disclaimer": (
            "This report is not legal advice. It reads the records supplied and the public "
            "sources cited; a device with no link found may still be covered, and the "
            "determination rests with the contractor's reasonable inquiry and counsel."
        ),
    }


def summary_sentences(counts: Mapping[str, int], total: int) -> list[str]:
    """Plain sentences for a contracting officer."""

    def devices(n: int) -> str:
        return f"{n} device{'s' if n != 1 else ''}"

    covered = counts.get("covered", 0)
    inquiry = counts.get("inquiry", 0)
    no_link = counts.get("no_link", 0)
    return [
        f"{devices(total)} screened against the NDAA §889 covered entities (Huawei, ZTE, Hytera, "
        "Hikvision, Dahua) and their subsidiaries, affiliates and brands.",
        f"{devices(covered)}: the evidence shows covered equipment from a covered entity "
        "(or its subsidiary/affiliate); these are to be disclosed and reported.",
        f"{devices(inquiry)}: evidence points toward a covered entity but is not conclusive; "
        "each lists what to check before the representation is made.",
        f"{devices(no_link)}: no covered-entity link found in the evidence available "
        "(this is not a finding of compliance).",
    ]


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page (inline CSS, no external assets)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("section889.html.j2").render(report=report)
