"""Reading stored lists: versions, a version's entries, diffs between versions, entries by name."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from whomade.sources.diff import DiffItem, ListDiff, diff_versions
from whomade.sources.errors import ListImportError
from whomade.sources.importer import VersionInfo, current_version
from whomade.sources.names import matching_form
from whomade.sources.store import ListEntryLink, ListEntryName, ListEntryRow, ListVersion


class VersionNotFound(ListImportError):
    """No stored version matches what was asked."""


def versions(session: Session, list_id: str | None = None) -> list[VersionInfo]:
    """Stored versions, by list then import order."""
    query = select(ListVersion).order_by(ListVersion.list_id, ListVersion.seq)
    if list_id:
        query = query.where(ListVersion.list_id == list_id)
    return [VersionInfo.of(v) for v in session.scalars(query)]


def find_version(session: Session, list_id: str, ref: str | None) -> ListVersion:
    """A version by ``N``/``vN`` (sequence), ``latest``, or a prefix of its file hash."""
    if ref is None or ref == "latest":
        found = current_version(session, list_id)
        if found is None:
            raise VersionNotFound(f"no complete version of {list_id!r} is stored")
        return found
    text = ref.lower().removeprefix("v")
    query = select(ListVersion).where(ListVersion.list_id == list_id)
    if text.isdigit():
        found = session.scalars(query.where(ListVersion.seq == int(text))).first()
    else:
        found = session.scalars(query.where(ListVersion.file_hash.startswith(text))).first()
    if found is None:
        raise VersionNotFound(f"{list_id} has no version {ref!r} (see `whomade lists versions`)")
    return found


def default_pair(session: Session, list_id: str) -> tuple[ListVersion, ListVersion]:
    """The last two complete versions of a list (older, newer)."""
    rows = session.scalars(
        select(ListVersion)
        .where(ListVersion.list_id == list_id, ListVersion.complete.is_(True))
        .order_by(ListVersion.seq.desc())
        .limit(2)
    ).all()
    if len(rows) < 2:
        raise VersionNotFound(
            f"{list_id} has {len(rows)} complete version(s); a diff needs two "
            "(or name them with --from/--to)"
        )
    return rows[1], rows[0]


def diff_items(session: Session, version_id: int) -> list[DiffItem]:
    """The diff view of every entry of a version."""
    rows = session.execute(
        select(
            ListEntryRow.key,
            ListEntryRow.name,
            ListEntryRow.content,
            ListEntryRow.content_hash,
            ListEntryRow.source,
            ListEntryRow.record,
        ).where(ListEntryRow.version_id == version_id)
    ).all()
    items = []
    for key, name, content, digest, source, record in rows:
        shown = name or str((record.get("details") or {}).get("description", ""))[:80]
        citation = record.get("citation") or {}
        items.append(
            DiffItem(
                key=key,
                name=shown,
                content={k: tuple(v) if isinstance(v, list) else v for k, v in content.items()},
                content_hash=digest,
                source=source,
                citation=f"{citation.get('file', '')}, {citation.get('locator', '')}",
            )
        )
    return items


@dataclass(frozen=True)
class GraphFlag:
    """A diff item that touches the knowledge graph: a new or changed entry naming a known entity
    or family, or a removed one."""

    key: str
    name: str
    change: str
    entity_id: str | None
    family: str | None
    reason: str


@dataclass
class VersionDiff:
    """A diff between two stored versions, with the entries that touch the graph flagged."""

    list_id: str
    old: VersionInfo
    new: VersionInfo
    diff: ListDiff
    flags: list[GraphFlag] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``added``, ``removed``, ``changed`` arrays plus versions and flags."""
        flagged = {f.key: f for f in self.flags}

        def item(i: DiffItem) -> dict[str, Any]:
            out: dict[str, Any] = {
                "key": i.key,
                "name": i.name,
                "source": i.source,
                "citation": i.citation,
            }
            if i.key in flagged:
                out["graph"] = _flag_dict(flagged[i.key])
            return out

        changed = []
        for change in self.diff.changed:
            entry: dict[str, Any] = {
                "key": change.key,
                "name": change.name,
                "fields": [f.to_dict() for f in change.fields],
            }
            if change.old_name != change.name:
                entry["old_name"] = change.old_name
            if change.key in flagged:
                entry["graph"] = _flag_dict(flagged[change.key])
            changed.append(entry)
        return {
            "list": self.list_id,
            "from": _version_dict(self.old),
            "to": _version_dict(self.new),
            "counts": self.diff.counts,
            "changed_fields": self.diff.field_counts(),
            "uncompared_fields": list(self.diff.uncompared),
            "added": [item(i) for i in self.diff.added],
            "removed": [item(i) for i in self.diff.removed],
            "changed": changed,
            "graph_flags": [_flag_dict(f) for f in self.flags],
        }


def _flag_dict(flag: GraphFlag) -> dict[str, Any]:
    return {
        "key": flag.key,
        "name": flag.name,
        "change": flag.change,
        "entity": flag.entity_id,
        "family": flag.family,
        "reason": flag.reason,
    }


def _version_dict(info: VersionInfo) -> dict[str, Any]:
    return {
        "seq": info.seq,
        "format": info.format,
        "source_url": info.source_url,
        "file_hash": info.file_hash,
        "retrieved_at": info.retrieved_at.isoformat(),
        "published_on": info.published_on.isoformat() if info.published_on else None,
        "entries": info.entry_count,
        "complete": info.complete,
    }


def links_of(session: Session, version_id: int) -> dict[str, list[ListEntryLink]]:
    """The stored graph links of a version, by entry key."""
    out: dict[str, list[ListEntryLink]] = defaultdict(list)
    for link in session.scalars(
        select(ListEntryLink).where(ListEntryLink.version_id == version_id)
    ):
        out[link.key].append(link)
    return dict(out)


def diff_stored(
    session: Session, list_id: str, from_ref: str | None = None, to_ref: str | None = None
) -> VersionDiff:
    """Diff two stored versions (default: the last two complete ones)."""
    if from_ref is None and to_ref is None:
        old, new = default_pair(session, list_id)
    else:
        new = find_version(session, list_id, to_ref)
        if from_ref is None:
            older = session.scalars(
                select(ListVersion)
                .where(
                    ListVersion.list_id == list_id,
                    ListVersion.seq < new.seq,
                    ListVersion.complete.is_(True),
                )
                .order_by(ListVersion.seq.desc())
                .limit(1)
            ).first()
            if older is None:
                raise VersionNotFound(f"{list_id} has no complete version before v{new.seq}")
            old = older
        else:
            old = find_version(session, list_id, from_ref)
    uncompared = set(old.uncompared or ()) | set(new.uncompared or ())
    result = diff_versions(
        diff_items(session, old.id), diff_items(session, new.id), uncompared=uncompared
    )
    flags = graph_flags(result, links_of(session, old.id), links_of(session, new.id))
    return VersionDiff(list_id, VersionInfo.of(old), VersionInfo.of(new), result, flags)


def graph_flags(
    result: ListDiff,
    old_links: Mapping[str, Iterable[ListEntryLink]],
    new_links: Mapping[str, Iterable[ListEntryLink]],
) -> list[GraphFlag]:
    """Diff items that touch the graph: new entries or new names of linked entities, and removed
    linked entries; plus new entries or names that mention a family's name without a link."""
    flags: list[GraphFlag] = []
    families = _family_words()
    for item in result.added:
        links = list(new_links.get(item.key, ()))
        if links:
            flags.extend(_linked_flags(item.key, item.name, "added", links, "new entry naming"))
        else:
            flags.extend(_mention_flags(item.key, item.name, "added", [item.name], families))
    for change in result.changed:
        new_names = [
            n
            for f in change.fields
            if f.field in ("name", "aliases")
            for n in (f.added or ((f.new,) if isinstance(f.new, str) else ()))
        ]
        if not new_names:
            continue
        links = list(new_links.get(change.key, ()))
        if links:
            flags.extend(
                _linked_flags(change.key, change.name, "changed", links, "new name or alias for")
            )
        else:
            flags.extend(_mention_flags(change.key, change.name, "changed", new_names, families))
    for item in result.removed:
        links = list(old_links.get(item.key, ()))
        if links:
            flags.extend(_linked_flags(item.key, item.name, "removed", links, "entry removed for"))
    return flags


def _linked_flags(
    key: str, name: str, change: str, links: list[ListEntryLink], what: str
) -> list[GraphFlag]:
    out = []
    for link in links:
        family = f" (family {link.family})" if link.family else ""
        out.append(
            GraphFlag(
                key,
                name,
                change,
                link.entity_id,
                link.family,
                f"{what} graph entity {link.entity_id}{family}: {link.explanation}",
            )
        )
    return out


def _mention_flags(
    key: str, name: str, change: str, names: list[str], families: Mapping[str, str]
) -> list[GraphFlag]:
    for text in names:
        words = set(matching_form(text).split())
        for word, family in families.items():
            if word in words:
                return [
                    GraphFlag(
                        key,
                        name,
                        change,
                        None,
                        family,
                        f"'{text}' contains the name '{word}' of family {family} but matches no "
                        "graph entity: review whether it is a new subsidiary or an unrelated "
                        "company",
                    )
                ]
    return []


def _family_words() -> dict[str, str]:
    """One-word short names of family roots ("hikvision", "dahua"...) → family id."""
    from whomade.sources.linking import load_graph_or_none

    graph, _problem = load_graph_or_none()
    if graph is None:
        return {}
    out = {}
    for entity in graph.entities.values():
        if not entity.family_root:
            continue
        for name in entity.names:
            form = matching_form(name.name)
            if name.match and form and " " not in form and name.kind in ("short", "brand"):
                out[form] = entity.id
    return out


@dataclass(frozen=True)
class NamedEntry:
    """An entry of a current list version that carries one of the asked names."""

    list_id: str
    version: int
    published_on: str | None
    key: str
    name: str
    matched_name: str
    matched_as: str
    source: str
    programs: tuple[str, ...]
    start_date: str | None
    notice: str | None
    citation: str
    linked_entities: tuple[str, ...] = ()


def _session(session_or_engine: Session | Engine) -> tuple[Session, bool]:
    if isinstance(session_or_engine, Session):
        return session_or_engine, False
    return Session(session_or_engine), True


def current_versions(session: Session) -> list[ListVersion]:
    """The version in use of every list (the latest complete one)."""
    list_ids = session.scalars(select(ListVersion.list_id).distinct()).all()
    found = [current_version(session, list_id) for list_id in sorted(list_ids)]
    return [v for v in found if v is not None]


def entries_naming(session_or_engine: Session | Engine, names: list[str]) -> list[NamedEntry]:
    """Entries of the current version of every list whose name or an alias is one of ``names``
    (case, punctuation, spacing and legal forms ignored, any script), or that were linked to a
    graph entity carrying one of them. For ``whomade kb show``."""
    forms = {f: n for n in names if (f := matching_form(n))}
    if not forms:
        return []
    session, own = _session(session_or_engine)
    try:
        current = {v.id: v for v in current_versions(session)}
        if not current:
            return []
        hits = session.execute(
            select(
                ListEntryName.version_id,
                ListEntryName.key,
                ListEntryName.name,
                ListEntryName.kind,
                ListEntryName.norm,
            ).where(
                ListEntryName.norm.in_(list(forms)), ListEntryName.version_id.in_(list(current))
            )
        ).all()
        matched: dict[tuple[int, str], tuple[str, str]] = {}
        for version_id, key, name, kind, _norm in hits:
            matched.setdefault((version_id, key), (name, kind))
        linked = session.execute(
            select(
                ListEntryLink.version_id,
                ListEntryLink.key,
                ListEntryLink.entity_id,
                ListEntryLink.entity_name,
            ).where(ListEntryLink.version_id.in_(list(current)))
        ).all()
        named_entities = _graph_entities_named(names)
        entities_of: dict[tuple[int, str], list[str]] = defaultdict(list)
        for version_id, key, entity_id, entity_name in linked:
            entities_of[(version_id, key)].append(entity_id)
            if matching_form(entity_name) in forms or entity_id in named_entities:
                matched.setdefault((version_id, key), (entity_name, f"linked to {entity_id}"))
        return _named_entries(session, current, matched, entities_of)
    finally:
        if own:
            session.close()


def _graph_entities_named(names: list[str]) -> set[str]:
    """Graph entities carrying one of the names (so "海康威视" finds the Hikvision entries)."""
    from whomade.sources.linking import load_graph_or_none

    graph, _problem = load_graph_or_none()
    if graph is None:
        return set()
    return {entity.id for name in names for entity in graph.find(name)}


def _named_entries(
    session: Session,
    current: Mapping[int, ListVersion],
    matched: Mapping[tuple[int, str], tuple[str, str]],
    entities_of: Mapping[tuple[int, str], list[str]],
) -> list[NamedEntry]:
    out = []
    by_version: dict[int, list[str]] = defaultdict(list)
    for version_id, key in matched:
        by_version[version_id].append(key)
    for version_id, keys in by_version.items():
        version = current[version_id]
        rows = session.execute(
            select(ListEntryRow.key, ListEntryRow.record).where(
                ListEntryRow.version_id == version_id, ListEntryRow.key.in_(keys)
            )
        ).all()
        for key, record in rows:
            name, kind = matched[(version_id, key)]
            citation = record.get("citation") or {}
            out.append(
                NamedEntry(
                    list_id=version.list_id,
                    version=version.seq,
                    published_on=version.published_on.isoformat() if version.published_on else None,
                    key=key,
                    name=record.get("name") or "",
                    matched_name=name,
                    matched_as=kind,
                    source=record.get("source") or "",
                    programs=tuple(record.get("programs") or ()),
                    start_date=record.get("start_date"),
                    notice=record.get("notice"),
                    citation=f"{citation.get('file', '')}, {citation.get('locator', '')}",
                    linked_entities=tuple(sorted(set(entities_of.get((version_id, key), ())))),
                )
            )
    return sorted(out, key=lambda e: (e.list_id, e.source, e.name.casefold(), e.key))


def version_entries(session: Session, version_id: int) -> list[dict[str, Any]]:
    """The stored records of a version's entries."""
    return [
        record
        for (record,) in session.execute(
            select(ListEntryRow.record)
            .where(ListEntryRow.version_id == version_id)
            .order_by(ListEntryRow.id)
        )
    ]
