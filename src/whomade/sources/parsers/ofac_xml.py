"""OFAC's XML publications.

* ``SDN.XML`` / ``CONSOLIDATED.XML``: the ``sdnList`` schema (``publshInformation/Publish_Date``,
  one ``sdnEntry`` per listing, keyed on ``uid``, which equals the CSV ``ent_num``).
* ``SDN_ADVANCED.XML`` / ``CONS_ADVANCED.XML``: the Advanced Sanctions Data Model
  (``http://www.un.org/sanctions/1.0``): ``DistinctParty`` profiles whose names, locations and
  programs are spread over reference tables, ``Locations`` and ``SanctionsEntries``.

Both are read incrementally (``iterparse``), so the 100 MB advanced SDN file stays small in memory.
"""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from whomade.sources.errors import ListFormatError
from whomade.sources.model import Citation, ListEntry, Value, clean_text
from whomade.sources.parsers.common import ParsedList, SourceFile, country_code
from whomade.sources.parsers.ofac_csv import remark_dates

ADVANCED_NS = "http://www.un.org/sanctions/1.0"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _events(file: SourceFile) -> Iterator[tuple[str, ET.Element]]:
    try:
        yield from ET.iterparse(io.BytesIO(file.data), events=("start", "end"))
    except ET.ParseError as exc:
        line, _col = exc.position
        raise ListFormatError(
            file.name,
            f"malformed or truncated XML: {exc}",
            line=line,
            expected="a complete XML document",
        ) from None


def root_name(data: bytes) -> str:
    """The local name of the document element (used to tell the two schemas apart)."""
    try:
        for _event, elem in ET.iterparse(io.BytesIO(data), events=("start",)):
            return _local(elem.tag)
    except ET.ParseError:
        return ""
    return ""


def _text(elem: ET.Element | None) -> str:
    return clean_text(elem.text) if elem is not None and elem.text else ""


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    for child in elem:
        if _local(child.tag) == name:
            return child
    return None


def _children(elem: ET.Element | None, name: str) -> list[ET.Element]:
    if elem is None:
        return []
    return [c for c in elem if _local(c.tag) == name]


def _person_name(elem: ET.Element) -> str:
    last, first = _text(_child(elem, "lastName")), _text(_child(elem, "firstName"))
    return f"{last}, {first}" if last and first else last or first


def _us_date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip(), "%m/%d/%Y").date()
    except ValueError:
        return None


def parse_sdn_list(list_id: str, file: SourceFile) -> ParsedList:
    """Parse ``SDN.XML`` or ``CONSOLIDATED.XML`` (``sdnList`` schema)."""
    entries: list[ListEntry] = []
    published: dt.date | None = None
    record_count: int | None = None
    seen_root = False
    for event, elem in _events(file):
        name = _local(elem.tag)
        if event == "start":
            if not seen_root:
                if name != "sdnList":
                    raise ListFormatError(
                        file.name, f"document element is <{name}>", expected="<sdnList>"
                    )
                seen_root = True
            continue
        if name == "Publish_Date":
            published = _us_date(_text(elem))
        elif name == "Record_Count" and _text(elem).isdigit():
            record_count = int(_text(elem))
        elif name == "sdnEntry":
            entries.append(_sdn_entry(list_id, file, elem, len(entries) + 1))
            elem.clear()
    if record_count is not None and record_count != len(entries):
        raise ListFormatError(
            file.name,
            f"Record_Count says {record_count} entries but the file holds {len(entries)}",
            expected="a complete file",
        )
    if not entries:
        raise ListFormatError(file.name, "no <sdnEntry> elements", expected="at least one entry")
    return ParsedList(entries=entries, format=f"ofac-xml-{list_id}", published_on=published)


def _sdn_entry(list_id: str, file: SourceFile, elem: ET.Element, index: int) -> ListEntry:
    uid = _text(_child(elem, "uid"))
    if not uid:
        raise ListFormatError(file.name, f"sdnEntry #{index} has no uid", field="uid")
    addresses, countries = [], []
    for address in _children(_child(elem, "addressList"), "address"):
        parts = [
            _text(_child(address, k))
            for k in ("address1", "address2", "address3", "city", "stateOrProvince", "postalCode")
        ]
        country = _text(_child(address, "country"))
        text = ", ".join(p for p in [*parts, country] if p)
        if text:
            addresses.append(text)
        code = country_code(country) if country else None
        if code:
            countries.append(code)
    aliases = [_person_name(a) for a in _children(_child(elem, "akaList"), "aka")]
    programs = [_text(p) for p in _children(_child(elem, "programList"), "program")]
    remarks = _text(_child(elem, "remarks"))
    details: dict[str, Value] = {}
    title = _text(_child(elem, "title"))
    if title:
        details["title"] = title
    ids = []
    for item in _children(_child(elem, "idList"), "id"):
        parts = [_text(_child(item, k)) for k in ("idType", "idNumber", "idCountry")]
        ids.append(", ".join(sorted(p for p in parts if p)))
    if ids:
        details["ids"] = tuple(ids)
    listed, effective = remark_dates(" ".join(ids) + " " + remarks)
    if effective:
        details["effective_date"] = effective
    return ListEntry(
        list_id=list_id,
        key=uid,
        native_id=uid,
        source=list_id.upper(),
        name=_person_name(elem),
        aliases=tuple(a for a in aliases if a),
        entity_type=(_text(_child(elem, "sdnType")) or "entity").lower(),
        addresses=tuple(addresses),
        countries=tuple(dict.fromkeys(countries)),
        programs=tuple(p for p in programs if p),
        start_date=listed,
        remarks=remarks or None,
        details=details,
        citation=Citation(file.name, f"sdnEntry uid {uid}"),
    )


@dataclass
class _Party:
    fixed_ref: str
    party_type: str | None = None
    primary_name: str = ""
    aliases: list[str] = field(default_factory=list)
    location_ids: list[str] = field(default_factory=list)


@dataclass
class _Refs:
    values: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    subtype_to_type: dict[str, str] = field(default_factory=dict)
    locations: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def parse_advanced(list_id: str, file: SourceFile) -> ParsedList:
    """Parse ``SDN_ADVANCED.XML`` / ``CONS_ADVANCED.XML`` (Advanced Sanctions Data Model)."""
    refs = _Refs()
    parties: list[_Party] = []
    programs: dict[str, set[str]] = defaultdict(set)
    lists: dict[str, set[str]] = defaultdict(set)
    dates: dict[str, list[str]] = defaultdict(list)
    published: dt.date | None = None
    seen_root = False
    for event, elem in _events(file):
        name = _local(elem.tag)
        if event == "start":
            if not seen_root:
                if name != "Sanctions":
                    raise ListFormatError(
                        file.name, f"document element is <{name}>", expected="<Sanctions>"
                    )
                seen_root = True
            continue
        if name == "DateOfIssue":
            published = _advanced_date(elem)
        elif name == "ReferenceValueSets":
            _read_refs(elem, refs)
            elem.clear()
        elif name == "Location":
            refs.locations[elem.get("ID", "")] = _location(elem, refs)
            elem.clear()
        elif name == "DistinctParty":
            parties.append(_party(elem, refs))
            elem.clear()
        elif name == "SanctionsEntry":
            profile = elem.get("ProfileID", "")
            lists[profile].add(refs.values["List"].get(elem.get("ListID", ""), ""))
            for measure in _children(elem, "SanctionsMeasure"):
                kind = refs.values["SanctionsType"].get(measure.get("SanctionsTypeID", ""), "")
                comment = _text(_child(measure, "Comment"))
                if kind == "Program" and comment:
                    programs[profile].add(comment)
            for entry_event in _children(elem, "EntryEvent"):
                when = _advanced_date(_child(entry_event, "Date"))
                if when:
                    dates[profile].append(when.isoformat())
            elem.clear()
    if not parties:
        raise ListFormatError(file.name, "no <DistinctParty> elements", expected="profiles")
    entries = []
    for party in parties:
        located = [refs.locations[i] for i in party.location_ids if i in refs.locations]
        details: dict[str, Value] = {}
        if lists.get(party.fixed_ref):
            details["ofac_lists"] = tuple(sorted(x for x in lists[party.fixed_ref] if x))
        entries.append(
            ListEntry(
                list_id=list_id,
                key=party.fixed_ref,
                native_id=party.fixed_ref,
                source=list_id.upper(),
                name=party.primary_name,
                aliases=tuple(dict.fromkeys(a for a in party.aliases if a != party.primary_name)),
                entity_type=(party.party_type or "entity").lower(),
                addresses=tuple(text for text, _ in located if text),
                countries=tuple(dict.fromkeys(c for _, c in located if c)),
                programs=tuple(sorted(programs.get(party.fixed_ref, ()))),
                start_date=min(dates[party.fixed_ref]) if dates.get(party.fixed_ref) else None,
                details=details,
                citation=Citation(file.name, f"DistinctParty FixedRef {party.fixed_ref}"),
            )
        )
    return ParsedList(entries=entries, format=f"ofac-advanced-{list_id}", published_on=published)


def _advanced_date(elem: ET.Element | None) -> dt.date | None:
    if elem is None:
        return None
    try:
        return dt.date(
            int(_text(_child(elem, "Year"))),
            int(_text(_child(elem, "Month"))),
            int(_text(_child(elem, "Day"))),
        )
    except ValueError:
        return None


def _read_refs(elem: ET.Element, refs: _Refs) -> None:
    for value_set in elem:
        for value in value_set:
            kind = _local(value.tag)
            refs.values[kind][value.get("ID", "")] = _text(value)
            if kind == "PartySubType":
                refs.subtype_to_type[value.get("ID", "")] = value.get("PartyTypeID", "")


def _location(elem: ET.Element, refs: _Refs) -> tuple[str, str | None]:
    order = ["ADDRESS1", "ADDRESS2", "ADDRESS3", "CITY", "STATE/PROVINCE", "POSTAL CODE", "REGION"]
    parts: dict[str, str] = {}
    for part in _children(elem, "LocationPart"):
        kind = refs.values["LocPartType"].get(part.get("LocPartTypeID", ""), "")
        for value in _children(part, "LocationPartValue"):
            text = _text(_child(value, "Value"))
            if text:
                parts.setdefault(kind, text)
    country_elem = _child(elem, "LocationCountry")
    country = ""
    if country_elem is not None:
        country = refs.values["Country"].get(country_elem.get("CountryID", ""), "")
    text = ", ".join(p for p in [*(parts.get(k, "") for k in order), country] if p)
    return text, country_code(country) if country else None


def _party(elem: ET.Element, refs: _Refs) -> _Party:
    party = _Party(fixed_ref=elem.get("FixedRef", ""))
    profile = _child(elem, "Profile")
    if profile is None:
        return party
    party_type_id = refs.subtype_to_type.get(profile.get("PartySubTypeID", ""), "")
    party.party_type = refs.values["PartyType"].get(party_type_id) or None
    for identity in _children(profile, "Identity"):
        groups = {
            g.get("ID", ""): refs.values["NamePartType"].get(g.get("NamePartTypeID", ""), "")
            for g in identity.iter(f"{{{ADVANCED_NS}}}NamePartGroup")
        }
        for alias in _children(identity, "Alias"):
            for documented in _children(alias, "DocumentedName"):
                name = _documented_name(documented, groups)
                if not name:
                    continue
                if alias.get("Primary") == "true" and not party.primary_name:
                    party.primary_name = name
                else:
                    party.aliases.append(name)
    for feature in _children(profile, "Feature"):
        for version in _children(feature, "FeatureVersion"):
            for location in _children(version, "VersionLocation"):
                party.location_ids.append(location.get("LocationID", ""))
    return party


def _documented_name(elem: ET.Element, groups: dict[str, str]) -> str:
    by_type: dict[str, list[str]] = defaultdict(list)
    for part in _children(elem, "DocumentedNamePart"):
        for value in _children(part, "NamePartValue"):
            by_type[groups.get(value.get("NamePartGroupID", ""), "")].append(_text(value))
    last = " ".join(by_type.pop("Last Name", []))
    first = " ".join(by_type.pop("First Name", []))
    rest = " ".join(" ".join(v) for v in by_type.values())
    if last and first:
        return clean_text(f"{last}, {first} {rest}")
    return clean_text(" ".join(p for p in (last, first, rest) if p))
