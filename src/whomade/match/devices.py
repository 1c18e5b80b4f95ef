"""Signals in device inventories: MAC address blocks, firmware banners, model strings and names.

A device's burned-in MAC names the IEEE registrant of its address block; a banner (HTTP ``Server``,
RTSP server, TLS certificate, telnet prompt) names the maker of the firmware it runs, whatever
label is on the case. Both are matched exactly: registrant names by equality, banners by the
graph's anchored patterns, so "Shanghai Dahua Scale Factory" is not Dahua and "AZTECH" is not ZTE.

The pipeline's contract is the same as the catalog matcher's (see
:class:`whomade.screen.pipeline.Matcher`). A device inventory is small and every MAC needs a
per-row lookup anyway, so the column pre-filter is simply "some identifying field is filled in".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

import polars as pl

from whomade.kb.graph import Graph
from whomade.kb.model import Identifier
from whomade.match.catalog import CatalogMatcher, _corroborate, catalog_matcher, compat_cue
from whomade.match.filled import any_filled, filled_mask
from whomade.match.mac import OuiRegistry, normalize_registrant, parse_mac
from whomade.match.signals import OneRecordAtATime, Signal
from whomade.match.textmap import fold_key, fold_with_origin

PRODUCT_TOKEN_FIELDS = ("sip_user_agent", "banner", "http_server", "rtsp_server")
VENDOR_FIELDS = ("vendor", "manufacturer")
# Free text where a maker's name, written as a word, says whose software answered.
NAME_FIELDS = (
    "snmp_sysdescr",
    "html_title",
    "device_title",
    "sip_user_agent",
    "sip_banner",
    "banner",
    "telnet_banner",
    "ssh_banner",
    "ftp_banner",
    "http_server",
    "http_www_authenticate",
    "rtsp_server",
    "tls_cert_subject",
    "dhcp_vendor_class",
)
BANNER_FIELDS = (
    "http_server",
    "http_www_authenticate",
    "rtsp_server",
    "tls_cert_subject",
    "telnet_banner",
    "ssh_banner",
)
SCANNED_FIELDS = tuple(
    dict.fromkeys(("mac", "model", *VENDOR_FIELDS, *BANNER_FIELDS, *NAME_FIELDS))
)
# nmap joins the values of a repeated script output with this separator.
MULTI_SEPARATOR = " | "
# Header lines of a raw response captured into a banner field ("Server: App-webs/"), and the
# banner field whose patterns judge each header's value.
_HEADER_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z-]*)\s*:\s*(.*?)\s*$")
_HEADER_FIELDS = {"server": None, "www-authenticate": "http_www_authenticate"}
_SCORES = {"decisive": 1.0, "strong": 0.9, "supporting": 0.7, "weak": 0.3}


@dataclass(frozen=True)
class BannerRule:
    identifier: Identifier
    regex: re.Pattern[str]


def banner_values(field: str, value: str) -> Iterator[tuple[str, str]]:
    """(banner field, value) pairs to test: every " | "-joined value and every line of it, and the
    value of a ``Server:``/``WWW-Authenticate:`` header line routed to the field it belongs to."""
    seen: set[tuple[str, str]] = set()
    for part in value.split(MULTI_SEPARATOR):
        pieces = [part.strip(), *(line.strip() for line in part.splitlines())]
        for piece in pieces:
            if not piece:
                continue
            found = [(field, piece)]
            header = _HEADER_LINE.match(piece)
            if header and header.group(1).lower() in _HEADER_FIELDS:
                target = _HEADER_FIELDS[header.group(1).lower()] or field
                found.append((target, header.group(2)))
            for item in found:
                if item not in seen:
                    seen.add(item)
                    yield item


class DeviceMatcher(OneRecordAtATime):
    """Every device signal extractor, compiled once from the graph."""

    def __init__(self, graph: Graph, registry: OuiRegistry | None = None) -> None:
        self.graph = graph
        self.registry = registry or OuiRegistry.from_netaddr()
        self.catalog: CatalogMatcher = catalog_matcher(graph)
        self._registrants: dict[str, list[Identifier]] = {}
        for ident in graph.identifiers:
            if ident.kind == "oui_registrant" and ident.value:
                key = normalize_registrant(ident.value)
                self._registrants.setdefault(key, []).append(ident)
        self._banners: dict[str, list[BannerRule]] = {}
        for ident in graph.identifiers:
            if ident.kind == "banner" and ident.pattern and ident.field:
                rule = BannerRule(ident, re.compile(ident.pattern, re.IGNORECASE))
                self._banners.setdefault(ident.field, []).append(rule)

    # ------------------------------------------------------------------ candidate scan
    def candidate_mask(self, frame: pl.DataFrame) -> pl.Series:
        """True for every record with an identifying field filled in (a superset of the flagged)."""
        return filled_mask(frame, SCANNED_FIELDS)

    def is_candidate(self, record: Mapping[str, str]) -> bool:
        """The same test as :meth:`candidate_mask`, for one record."""
        return any_filled(record, SCANNED_FIELDS)

    # ------------------------------------------------------------------ signals
    def signals(self, record: Mapping[str, str]) -> list[Signal]:
        """Every signal in one device record."""
        found: list[Signal] = []
        found.extend(self.oui_signals(record.get("mac") or ""))
        banners = self.banner_signals(record)
        found.extend(banners)
        found.extend(self.model_signals(record.get("model") or ""))
        found.extend(self.product_token_signals(record))
        found.extend(self.vendor_signals(record))
        # A banner already says more about its field than the name inside it.
        explained = {(s.field, s.entity) for s in banners}
        found.extend(s for s in self.name_signals(record) if (s.field, s.entity) not in explained)
        return _corroborate(_unique(found))

    def oui_signals(self, mac: str) -> list[Signal]:
        """The entity whose exact IEEE registrant name holds the MAC's block; nothing for locally
        administered, multicast or unknown addresses."""
        info = parse_mac(mac)
        if not info.identifies_maker or info.normalized is None:
            return []
        assignment = self.registry.lookup(info.normalized)
        if assignment is None:
            return []
        out = []
        for ident in self._registrants.get(normalize_registrant(assignment.organization), []):
            entity = self.graph.entities[ident.entity]
            out.append(
                Signal(
                    kind="oui",
                    field="mac",
                    text=mac,
                    span=(0, len(mac)),
                    entity=ident.entity,
                    rule=ident.id,
                    score=_SCORES[ident.strength],
                    strength=ident.strength,
                    explanation=f"MAC {info.normalized} is in the IEEE {assignment.registry} block "
                    f"{assignment.prefix} registered to {assignment.organization!r}, "
                    f"{entity.display_name}: its network interface was made by or for "
                    f"{entity.display_name}",
                    sources=tuple(ident.cited()),
                    extra={"oui_prefix": assignment.prefix, "registry": self.registry.version},
                )
            )
        return out

    def banner_signals(self, record: Mapping[str, str]) -> list[Signal]:
        """Firmware banners: the graph's patterns on the record field each one names."""
        out: list[Signal] = []
        for source_field in BANNER_FIELDS:
            value = record.get(source_field) or ""
            if not value.strip():
                continue
            for target, text in banner_values(source_field, value):
                for rule in self._banners.get(target, []):
                    match = rule.regex.search(text)
                    if match is None:
                        continue
                    ident = rule.identifier
                    entity = self.graph.entities[ident.entity]
                    start = value.find(text)
                    span = (start, start + len(text)) if start >= 0 else (0, len(value))
                    out.append(
                        Signal(
                            kind="banner",
                            field=source_field,
                            text=text,
                            span=span,
                            entity=ident.entity,
                            rule=ident.id,
                            score=_SCORES[ident.strength],
                            strength=ident.strength,
                            explanation=f"the {source_field} banner {text!r} is "
                            f"{entity.display_name}'s ({ident.what or ident.id}): the device runs "
                            f"{entity.display_name} firmware, whatever label it carries",
                            sources=tuple(ident.cited()),
                            corroborated=not ident.corroboration_required,
                        )
                    )
        return out

    def model_signals(self, model: str) -> list[Signal]:
        """The graph's model grammars on the model field (weak ones need corroboration)."""
        if not model.strip():
            return []
        return self.catalog._model_signals({"model": model})

    def product_token_signals(self, record: Mapping[str, str]) -> list[Signal]:
        """Model grammars on the product part of ``product/version`` strings (SIP user agents,
        server banners: RFC 3261 and RFC 9110 write the product first, its version after '/')."""
        out: list[Signal] = []
        for field in PRODUCT_TOKEN_FIELDS:
            for value in (record.get(field) or "").split(MULTI_SEPARATOR):
                product, slash, _version = value.strip().partition("/")
                if not slash or not product.strip():
                    continue
                for signal in self.catalog._model_signals({"model": product.strip()}):
                    out.append(
                        dataclasses.replace(
                            signal,
                            field=field,
                            explanation=f"{signal.explanation}; the product part of the "
                            f"{field} {value.strip()!r}",
                        )
                    )
        return out

    def vendor_signals(self, record: Mapping[str, str]) -> list[Signal]:
        """A vendor/manufacturer field that is exactly one of an entity's names."""
        out: list[Signal] = []
        for field in VENDOR_FIELDS:
            for value in (v.strip() for v in (record.get(field) or "").split(MULTI_SEPARATOR)):
                if not value:
                    continue
                for hit in self.catalog._aliases.get(fold_key(value), []):
                    if hit.product_id:
                        continue
                    entity = self.graph.entities[hit.entity]
                    out.append(
                        Signal(
                            kind="vendor_field",
                            field=field,
                            text=value,
                            span=(0, len(value)),
                            entity=hit.entity,
                            rule=f"name:{hit.name_kind}",
                            score=0.9,
                            strength="strong",
                            explanation=f"the {field} field is {value!r}, a name of "
                            f"{entity.display_name}",
                            sources=hit.sources,
                        )
                    )
        return out

    def name_signals(self, record: Mapping[str, str]) -> list[Signal]:
        """An entity's name, as a whole word, in a descriptive or banner text field."""
        out: list[Signal] = []
        for field in NAME_FIELDS:
            text = record.get(field) or ""
            if not text.strip():
                continue
            folded = fold_with_origin(text)
            for start, end, key, hits in self.catalog._iter_aliases(folded):
                if key in self.catalog._brand_only:
                    continue
                span = folded.span(start, end)
                cue = compat_cue(folded.folded[:start], folded.folded[end:])
                for hit in hits:
                    if hit.product_id:
                        continue
                    entity = self.graph.entities[hit.entity]
                    explanation = f"the {field} text names {entity.display_name} ({hit.name})"
                    if cue:
                        explanation += f", but only as '{cue}': compatibility, not the maker"
                    out.append(
                        Signal(
                            kind="name",
                            field=field,
                            text=text[span[0] : span[1]],
                            span=span,
                            entity=hit.entity,
                            rule=f"name:{hit.name_kind}",
                            score=0.7,
                            strength="supporting",
                            explanation=explanation,
                            sources=hit.sources,
                            compat=cue is not None,
                            compat_cue=cue,
                        )
                    )
        return out


def _unique(signals: Iterable[Signal]) -> list[Signal]:
    """One signal per (kind, field, entity, rule, span): a line and its " | " part can repeat."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for signal in signals:
        key = (signal.kind, signal.field, signal.entity, signal.rule, signal.span)
        if key not in seen:
            seen.add(key)
            out.append(signal)
    return out


@cache
def device_matcher(graph: Graph) -> DeviceMatcher:
    """The device matcher for a graph, built once."""
    return DeviceMatcher(graph)
