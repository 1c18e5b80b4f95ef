"""Seed ``src/whomade/kb/data/*.yaml`` from the researched fact base in ``../shared/research``.

Run once by a maintainer (``python tools/seed_kb.py``); the output is committed and reviewed like
code, and ``whomade kb validate`` checks it. Facts that carry no source in the research (e.g. an
FCC grantee code marked NOT_VERIFIED) are dropped, never invented; every drop is printed.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESEARCH = ROOT.parent / "shared" / "research"
OUT = ROOT / "src" / "whomade" / "kb" / "data"

LIST_IDS = {
    "us_bis_entity_list": "us_entity_list",
    "ndaa_889": "ndaa_889",
    "fcc_covered_list": "fcc_covered_list",
    "ofac_ns_cmic": "ofac_ns_cmic",
    "dod_1260h": "dod_1260h",
    "dhs_uflpa_entity_list": "dhs_uflpa",
    "uk_sensitive_sites_surveillance_2022": "uk_sensitive_sites_2022",
    "texas_prohibited_technologies": "texas_prohibited_technologies",
}
LIST_SHORT = {
    "us_entity_list": "Entity List",
    "ndaa_889": "NDAA §889",
    "fcc_covered_list": "FCC Covered List",
    "ofac_ns_cmic": "NS-CMIC List",
    "dod_1260h": "DoD 1260H list",
    "dhs_uflpa": "UFLPA Entity List",
    "uk_sensitive_sites_2022": "UK sensitive-sites surveillance instruction",
    "texas_prohibited_technologies": "Texas Prohibited Technologies List",
}
LIST_REACH = {
    "us_entity_list": "date_dependent",
    "ndaa_889": "subsidiaries_and_affiliates",
    "fcc_covered_list": "subsidiaries_and_affiliates",
    "ofac_ns_cmic": "listed_names",
    "dod_1260h": "listed_names",
    "dhs_uflpa": "listed_names",
    "uk_sensitive_sites_2022": "listed_names",
    "texas_prohibited_technologies": "listed_names",
}
LIST_IMPORTER = {
    "us_entity_list": "csl",
    "ofac_ns_cmic": "cons",
    "fcc_covered_list": "fcc",
    "dod_1260h": "1260h",
    "dhs_uflpa": "uflpa",
}
# Our reading of how a listing translates into a risk level per context (DESIGN.md "Risk by user
# context"); the text of each meaning comes from the research and cites its sources.
LEVELS = {
    "us_entity_list": {
        "marketplace": "high",
        "procurement": "high",
        "federal": "medium",
        "shopper": "high",
    },
    "ndaa_889": {
        "marketplace": "high",
        "procurement": "high",
        "federal": "prohibited",
        "shopper": "high",
    },
    "fcc_covered_list": {
        "marketplace": "high",
        "procurement": "high",
        "federal": "prohibited",
        "shopper": "high",
    },
    "ofac_ns_cmic": {
        "marketplace": "info",
        "procurement": "low",
        "federal": "low",
        "shopper": "info",
    },
    "dod_1260h": {
        "marketplace": "medium",
        "procurement": "medium",
        "federal": "high",
        "shopper": "medium",
    },
    "dhs_uflpa": {
        "marketplace": "high",
        "procurement": "high",
        "federal": "high",
        "shopper": "medium",
    },
    "uk_sensitive_sites_2022": {
        "marketplace": "info",
        "procurement": "low",
        "federal": "info",
        "shopper": "info",
    },
    "texas_prohibited_technologies": {
        "marketplace": "info",
        "procurement": "low",
        "federal": "low",
        "shopper": "info",
    },
}
CONTEXT_KEYS = {
    "marketplace": "marketplace",
    "procurer": "procurement",
    "federal_contractor": "federal",
    "shopper": "shopper",
}
ENTITY_KINDS = {
    "company": "company",
    "product_line": "product_line",
    "brand": "brand",
    "group_of_companies": "group",
    "company_group": "group",
    "government_body": "government_body",
}
BANNER_FIELDS = {
    ("http", "Server header"): "http_server",
    ("http / rtsp", "WWW-Authenticate realm"): "http_www_authenticate",
    ("rtsp", "Server header"): "rtsp_server",
    ("tls", "certificate subject"): "tls_cert_subject",
    ("telnet", "login banner"): "telnet_banner",
    ("ssh", "banner"): "ssh_banner",
}

dropped: list[str] = []


def text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def load(name: str) -> Any:
    return yaml.safe_load((RESEARCH / name).read_text(encoding="utf-8"))


def clean(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v not in (None, [], {}, "")}


def seed_sources() -> list[dict[str, Any]]:
    out = []
    for source_id, src in load("sources.yaml")["sources"].items():
        notes = src.get("notes")
        extra = [
            f"{k}: {src[k]}" for k in ("repo", "package", "mirror_seen", "also_seen") if src.get(k)
        ]
        if extra:
            notes = "; ".join([*(str(x) for x in extra), *([notes] if notes else [])])
        document = None if src.get("url") else f"{src['title']} ({src.get('seen_via')})"
        out.append(
            clean(
                {
                    "id": source_id,
                    "title": src["title"],
                    "url": src.get("url"),
                    "document": document,
                    "publisher": src.get("publisher"),
                    "date": text(src.get("date")),
                    "kind": src.get("kind"),
                    "reliability": src.get("reliability"),
                    "seen_via": src.get("seen_via"),
                    "notes": notes,
                }
            )
        )
    return out


def seed_entities() -> list[dict[str, Any]]:
    out = []
    for ent in load("entities.yaml")["entities"]:
        names = []
        for name in ent["names"]:
            sources = as_list(name.get("src"))
            if not sources:
                dropped.append(f"name {name['name']!r} of {ent['id']}: no source")
                continue
            names.append(
                clean(
                    {
                        "name": name["name"],
                        "lang": name.get("lang", "en"),
                        "script": name.get("script", "Latn"),
                        "kind": name.get("kind", "variant"),
                        "valid_from": text(name.get("valid_from")),
                        "valid_to": text(name.get("valid_to")),
                        "sources": sources,
                        "notes": name.get("evidence"),
                    }
                )
            )
        facts = []
        for note in ent.get("ownership_notes") or []:
            facts.append(
                clean(
                    {
                        "fact": note["fact"],
                        "valid_at": text(note.get("valid_at")),
                        "confidence": note.get("confidence", "medium"),
                        "sources": as_list(note.get("src")),
                        "disagrees_with": as_list(note.get("disagreement_with")),
                    }
                )
            )
        for key, value in (ent.get("identifiers") or {}).items():
            facts.append(
                {
                    "fact": f"{key}: {value['value']}",
                    "confidence": "high",
                    "sources": as_list(value.get("src")),
                }
            )
        founded = ent.get("founded")
        if founded:
            facts.append(
                {
                    "fact": f"founded: {founded['value']}",
                    "confidence": "medium",
                    "sources": as_list(founded.get("src")),
                }
            )
        sources: dict[str, None] = {}
        for name in names:
            for source_id in name["sources"]:
                sources.setdefault(source_id, None)
        notes = [
            ent.get("notes"),
            ent.get("match_requires") and f"match requires: {ent['match_requires']}",
        ]
        out.append(
            clean(
                {
                    "id": ent["id"],
                    "kind": ENTITY_KINDS[ent["type"]],
                    "role": ent.get("role"),
                    "family_root": ent.get("role") == "restricted_parent" or None,
                    "country": ent.get("country"),
                    "sources": list(sources),
                    "notes": " ".join(n for n in notes if n) or None,
                    "names": names,
                    "facts": facts,
                }
            )
        )
    return out


def seed_relations() -> list[dict[str, Any]]:
    out = []
    for rel in load("relations.yaml")["relations"]:
        subjects = as_list(rel["from"])
        evidence = [
            clean({"source": e["src"], "quote": e.get("quote"), "locator": e.get("where")})
            for e in rel.get("evidence") or []
            if e.get("src")
        ]
        if not evidence:
            dropped.append(f"relation {rel['id']}: no source")
            continue
        notes = [rel.get("notes")]
        for key in (
            "valid_at",
            "majority_until",
            "ownership_split",
            "observed",
            "pending_change",
            "disagreement",
        ):
            if rel.get(key):
                notes.append(f"{key}: {text(rel[key])}")
        for subject in subjects:
            rel_id = rel["id"] if len(subjects) == 1 else f"{rel['id']}__{subject}"
            out.append(
                clean(
                    {
                        "id": rel_id,
                        "subject": subject,
                        "predicate": rel["type"],
                        "object": rel["to"],
                        "valid_from": text(rel.get("valid_from")),
                        "valid_to": text(rel.get("valid_to")),
                        "valid_to_status": rel.get("valid_to_status"),
                        "confidence": rel["confidence"],
                        "status": rel["status"],
                        "evidence": evidence,
                        "notes": " ".join(str(n) for n in notes if n) or None,
                    }
                )
            )
    return out


def _examples_sources(pattern: dict[str, Any]) -> list[str]:
    sources: dict[str, None] = {}
    for example in pattern.get("examples_seen") or []:
        for source_id in as_list(example.get("src")):
            sources.setdefault(source_id, None)
    for source_id in as_list(pattern.get("semantics_src")) + as_list(pattern.get("src")):
        sources.setdefault(source_id, None)
    return list(sources)


def _literal_example(regex: str) -> str | None:
    """The one string a pattern of plain literals matches (anchors and escapes removed)."""
    body = regex.removeprefix("^").removesuffix("$")
    body = body.replace("\\.", ".").replace("\\/", "/")
    if re.search(r"[\\\[\](){}*+?|]", body):
        return None
    return body


def _registrant_names(text: str) -> list[str]:
    """'A Co.,Ltd. / Co., Ltd.' lists two spellings of one name: complete the short one."""
    names: list[str] = []
    for part in (p.strip() for p in text.split(" / ")):
        if names and part.lower().startswith("co"):
            base = re.split(r"\s+Co\b", names[-1], maxsplit=1)[0]
            part = f"{base} {part}"
        names.append(part)
    return names


def seed_identifiers() -> list[dict[str, Any]]:
    data = load("identifiers.yaml")
    out: list[dict[str, Any]] = []
    for pat in data["model_patterns"]:
        sources = _examples_sources(pat)
        examples = pat.get("test_match") or []
        if not sources or not examples:
            dropped.append(f"model pattern {pat['id']}: no source or no example")
            continue
        notes = [pat.get("notes")]
        if pat.get("known_false_matches"):
            notes.append("known false matches: " + "; ".join(pat["known_false_matches"]))
        out.append(
            clean(
                {
                    "id": pat["id"],
                    "kind": "model_pattern",
                    "entity": pat["entity"],
                    "pattern": pat["regex"],
                    "what": pat.get("what"),
                    "examples": examples,
                    "must_not_match": pat.get("test_no_match"),
                    "strength": pat["strength"],
                    "corroboration_required": pat.get("corroboration_required"),
                    "confidence": pat["confidence"],
                    "sources": sources,
                    "notes": " ".join(n for n in notes if n) or None,
                }
            )
        )
    for row in data["fcc_grantee_codes"]:
        sources = as_list(row.get("src"))
        if not row.get("code") or not sources or row.get("confidence") in (None, "none"):
            dropped.append(
                f"FCC grantee code {row.get('code')} ({row['entity']}): {row.get('status')}"
            )
            continue
        out.append(
            clean(
                {
                    "id": f"fcc_{row['code'].lower()}",
                    "kind": "fcc_grantee",
                    "entity": row["entity"],
                    "value": row["code"],
                    "what": f"FCC grantee code of {row.get('applicant_as_seen') or row['entity']}; e.g. {row.get('example_fcc_id')}",
                    "strength": row.get("strength", "strong"),
                    "confidence": row["confidence"],
                    "sources": sources,
                    "notes": row.get("notes"),
                }
            )
        )
    for row in data["mac_ouis"]["counts_by_registrant"]:
        if not row.get("entity"):
            dropped.append(f"OUI registrant {row['org']}: no entity ({row.get('note')})")
            continue
        for index, org in enumerate(_registrant_names(row["org"])):
            out.append(
                clean(
                    {
                        "id": f"oui_{row['entity']}_{index + 1}",
                        "kind": "oui_registrant",
                        "entity": row["entity"],
                        "value": org,
                        "what": "IEEE registrant name (exact); prefixes come from the registry itself",
                        "strength": "strong",
                        "confidence": "high",
                        "sources": ["IEEE_OUI"],
                        "notes": row.get("note"),
                    }
                )
            )
    for banner in data["device_banners"]:
        regex = banner.get("regex")
        field = BANNER_FIELDS.get((banner.get("protocol"), banner.get("field")))
        if banner.get("protocol") == "ssh":
            field = "ssh_banner"
        if banner.get("id", "").endswith("_trap") or not banner.get("entity"):
            dropped.append(f"banner {banner['id']}: a trap, not an identifier")
            continue
        if not regex or not field:
            dropped.append(f"banner {banner['id']}: no field-level regex ({banner.get('field')})")
            continue
        examples = list(banner.get("test_match") or banner.get("examples") or [])
        literal = _literal_example(regex)
        if not examples and literal:
            examples = [literal]
        if not examples:
            dropped.append(f"banner {banner['id']}: no example seen in its source")
            continue
        out.append(
            clean(
                {
                    "id": banner["id"],
                    "kind": "banner",
                    "entity": banner["entity"],
                    "field": field,
                    "pattern": regex,
                    "what": f"{banner.get('protocol')} {banner.get('field')}",
                    "examples": examples,
                    "strength": banner.get("strength", "strong"),
                    "corroboration_required": banner.get("corroboration_required"),
                    "confidence": banner.get("confidence", "medium"),
                    "sources": as_list(banner.get("src")),
                    "notes": " ".join(
                        str(x)
                        for x in (
                            banner.get("where"),
                            banner.get("line") and f"nmap line {banner['line']}",
                            banner.get("notes"),
                        )
                        if x
                    )
                    or None,
                }
            )
        )
    for row in data["usb_pci_vendor_ids"]:
        if not row.get("entity"):
            dropped.append(f"USB/PCI id {row['vendor_id']}: no entity ({row.get('notes')})")
            continue
        out.append(
            clean(
                {
                    "id": f"{row['bus']}_{row['vendor_id']}",
                    "kind": "usb_vendor",
                    "entity": row["entity"],
                    "value": row["vendor_id"],
                    "what": f"{row['bus'].upper()} vendor id listed as {row['name_as_listed']}",
                    "strength": row.get("strength", "strong"),
                    "confidence": row.get("confidence", "high"),
                    "sources": as_list(row.get("src")),
                    "notes": row.get("notes"),
                }
            )
        )
    return out


def _meanings(list_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    base_sources: dict[str, None] = {}
    for key in (
        "what_it_does_src",
        "scope_src",
        "affiliates_clause_src",
        "does_not_src",
        "bis_guidance_src",
    ):
        for source_id in as_list(raw.get(key)):
            base_sources.setdefault(source_id, None)
    for official in raw.get("official_sources") or []:
        for source_id in as_list(official.get("src")):
            base_sources.setdefault(source_id, None)
    meanings = {}
    for key, context in CONTEXT_KEYS.items():
        meaning_text = (raw.get("meaning") or {}).get(key)
        if not meaning_text:
            continue
        sources = dict.fromkeys(as_list((raw.get("meaning") or {}).get(f"{key}_src")))
        sources.update(base_sources)
        meanings[context] = {
            "level": LEVELS[list_id][context],
            "text": meaning_text,
            "sources": list(sources),
        }
    return meanings


def seed_lists() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lists, listings = [], []
    for raw in load("lists.yaml")["lists"]:
        list_id = LIST_IDS[raw["id"]]
        meanings = _meanings(list_id, raw)
        sources: dict[str, None] = {}
        for meaning in meanings.values():
            sources.update(dict.fromkeys(meaning["sources"]))
        files = [
            clean(
                {
                    "url": official.get("url"),
                    "format": official.get("format"),
                    "what": official.get("what"),
                    "importer": LIST_IMPORTER.get(list_id) if official.get("format") else None,
                }
            )
            for official in raw.get("official_sources") or []
        ]
        if not sources:
            for entry in raw.get("entries") or []:
                sources.update(dict.fromkeys(as_list(entry.get("src"))))
        scope = raw.get("scope_of_affiliates") or raw.get("affiliates_clause")
        lists.append(
            clean(
                {
                    "id": list_id,
                    "name": raw["name"],
                    "short_name": LIST_SHORT[list_id],
                    "authority": raw["issuer"],
                    "legal_basis": raw.get("legal_basis"),
                    "official_files": files,
                    "reach": LIST_REACH[list_id],
                    "reach_note": scope,
                    "effect": raw.get("what_it_does") or raw.get("notes"),
                    "meanings": meanings,
                    "sources": list(sources),
                }
            )
        )
        entries = list(raw.get("entries") or [])
        if list_id == "ndaa_889":
            part_a = next(p for p in raw["parts"] if p["id"] == "part_a")
            for named in raw["named_entities"]:
                entries.append(
                    {
                        **named,
                        "added": part_a["effective"],
                        "citation": "Pub. L. 115-232 §889(f)(3); Part A prohibition effective 2019-08-13",
                        "confidence": "high",
                        "src": as_list(named.get("src")) + as_list(part_a.get("src")),
                    }
                )
        for entry in entries:
            sources_list = as_list(entry.get("src"))
            if not sources_list:
                dropped.append(f"listing {list_id}/{entry.get('entity')}: no source")
                continue
            notes = [entry.get("notes")]
            if entry.get("effective"):
                notes.append(f"effective {text(entry['effective'])}")
            if entry.get("announced"):
                notes.append(f"announced {text(entry['announced'])}")
            if entry.get("present_in_editions"):
                notes.append(
                    "editions: " + ", ".join(text(d) for d in entry["present_in_editions"])
                )
            listings.append(
                clean(
                    {
                        "id": f"{list_id}__{entry['entity']}",
                        "entity": entry["entity"],
                        "list": list_id,
                        "listed_as": entry.get("listed_as"),
                        "added": text(entry.get("added")),
                        "removed": text(entry.get("removed")),
                        "notice": entry.get("citation"),
                        "scope": entry.get("scope"),
                        "confidence": entry.get("confidence", "high"),
                        "sources": sources_list,
                        "notes": " ".join(str(n) for n in notes if n) or None,
                    }
                )
            )
    return lists, listings


HEADER = """# whomade knowledge graph: {what}
# Seeded by tools/seed_kb.py from the researched fact base (../shared/research), then maintained by
# hand. Every fact cites ids from sources.yaml; `whomade kb validate` checks sources, references,
# regexes and dates. Do not add a fact without a source.
"""


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def write(name: str, what: str, payload: dict[str, Any]) -> None:
    body = yaml.dump(payload, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    (OUT / name).write_text(HEADER.format(what=what) + body, encoding="utf-8")


def main() -> int:
    if not RESEARCH.is_dir():
        print(f"no research folder at {RESEARCH}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    lists, listings = seed_lists()
    write("sources.yaml", "sources (citations)", {"sources": seed_sources()})
    write("entities.yaml", "entities and their names", {"entities": seed_entities()})
    write(
        "relations.yaml", "relations between entities, with dates", {"relations": seed_relations()}
    )
    write(
        "identifiers.yaml", "identifiers that betray the maker", {"identifiers": seed_identifiers()}
    )
    write(
        "lists.yaml", "restriction lists and who is on them", {"lists": lists, "listings": listings}
    )
    for line in dropped:
        print("dropped:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
