"""Impact of a list update: which stored findings the latest diff can change, re-screened.

The core is pure: :func:`impact_scope` turns a diff into the names, graph entities and families it
touches; :func:`finding_affected` tells whether a stored finding mentions any of them; and
:func:`verdict_changes` compares old and new findings. :func:`run_impact` wires them to the
database: it reads the screening stage's saved findings through
``whomade.screen.store.impact_source(engine)`` when the store offers one (an object with
``findings()`` yielding ``(record_id, record, finding)`` and ``rescreen(records)`` returning
``{record_id: finding}``), else through ``stored_findings(engine)`` and a re-screen with
``whomade.screen.pipeline.Screener`` (:class:`ScreenStoreSource`). Without stored findings, the
report lists what the diffs touch and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from whomade.sources.diff import DiffItem
from whomade.sources.errors import ListImportError
from whomade.sources.names import matching_form
from whomade.sources.query import VersionDiff, current_versions, diff_stored
from whomade.sources.screening import engine_location


@dataclass
class ImpactScope:
    """What a list diff touches: names (matching forms), graph entities and families."""

    list_id: str
    old_seq: int
    new_seq: int
    names: set[str] = field(default_factory=set)
    entities: set[str] = field(default_factory=set)
    families: set[str] = field(default_factory=set)
    entries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_id,
            "from": self.old_seq,
            "to": self.new_seq,
            "entries": self.entries,
            "names": sorted(self.names),
            "entities": sorted(self.entities),
            "families": sorted(self.families),
        }


def _item_names(item: DiffItem) -> list[str]:
    names = [item.name]
    aliases = item.content.get("aliases", ())
    names.extend(aliases if isinstance(aliases, tuple) else (aliases,))
    return [n for n in names if n]


def impact_scope(version_diff: VersionDiff) -> ImpactScope:
    """The names, entities and families of every added, removed or changed entry."""
    diff = version_diff.diff
    scope = ImpactScope(version_diff.list_id, version_diff.old.seq, version_diff.new.seq)
    items = [*diff.added, *diff.removed]
    names = [n for item in items for n in _item_names(item)]
    for change in diff.changed:
        names.extend((change.name, change.old_name))
        for item_field in change.fields:
            if item_field.field == "aliases":
                names.extend((*item_field.added, *item_field.removed))
    scope.names = {form for n in names if (form := matching_form(n))}
    scope.entries = len(items) + len(diff.changed)
    for flag in version_diff.flags:
        if flag.entity_id:
            scope.entities.add(flag.entity_id)
        if flag.family:
            scope.families.add(flag.family)
    return scope


def _texts(finding: Mapping[str, Any]) -> Iterable[str]:
    for step in finding.get("evidence") or ():
        for key in ("text", "subject", "object", "entity", "listed_as"):
            value = step.get(key)
            if isinstance(value, str):
                yield value


def finding_affected(finding: Mapping[str, Any], scopes: Iterable[ImpactScope]) -> bool:
    """Whether a stored finding involves a family, entity or name one of the diffs touched: its
    families, the entities in its evidence, or a changed name written in its texts (whole words,
    case, punctuation and legal forms ignored)."""
    families = set(finding.get("families") or ())
    texts = list(_texts(finding))
    padded = [f" {matching_form(t)} " for t in texts]
    for scope in scopes:
        if families & scope.families or set(texts) & scope.entities:
            return True
        if any(f" {name} " in text for name in scope.names for text in padded):
            return True
    return False


@dataclass(frozen=True)
class VerdictChange:
    """A record whose verdict (or families) differs after re-screening."""

    record_id: str
    old_verdict: str
    new_verdict: str
    old_families: tuple[str, ...]
    new_families: tuple[str, ...]


def verdict_changes(
    old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]
) -> list[VerdictChange]:
    """Records whose verdict or families differ between two sets of findings (by record id)."""
    changes = []
    for record_id, before in old.items():
        after = new.get(record_id)
        if after is None:
            continue
        pair = (before.get("verdict"), after.get("verdict"))
        fam = (tuple(before.get("families") or ()), tuple(after.get("families") or ()))
        if pair[0] != pair[1] or set(fam[0]) != set(fam[1]):
            changes.append(VerdictChange(record_id, str(pair[0]), str(pair[1]), fam[0], fam[1]))
    return sorted(changes, key=lambda c: c.record_id)


class FindingSource(Protocol):
    """What the screening stage offers for impact analysis."""

    def findings(self) -> Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]: ...

    def rescreen(
        self, records: Mapping[str, Mapping[str, Any]]
    ) -> Mapping[str, Mapping[str, Any]]: ...


@dataclass
class ImpactReport:
    """Scopes of the latest diffs, and the re-screened records whose verdict changed."""

    scopes: list[ImpactScope] = field(default_factory=list)
    checked: int = 0
    affected: int = 0
    changes: list[VerdictChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scopes": [s.to_dict() for s in self.scopes],
            "findings_checked": self.checked,
            "findings_affected": self.affected,
            "changes": [c.__dict__ for c in self.changes],
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        out = []
        for scope in self.scopes:
            out.append(
                f"{scope.list_id} v{scope.old_seq} → v{scope.new_seq}: {scope.entries} entries "
                f"changed; graph entities touched: {', '.join(sorted(scope.entities)) or 'none'}; "
                f"families: {', '.join(sorted(scope.families)) or 'none'}"
            )
        out.extend(self.notes)
        if self.checked:
            out.append(
                f"{self.affected} of {self.checked} stored findings touched; re-screened; "
                f"{len(self.changes)} verdict(s) changed"
            )
        for change in self.changes:
            out.append(
                f"  {change.record_id}: {change.old_verdict} {list(change.old_families)} → "
                f"{change.new_verdict} {list(change.new_families)}"
            )
        return out


def latest_scopes(engine: Engine, list_ids: list[str] | None = None) -> list[ImpactScope]:
    """The scope of the last diff (last two complete versions) of each list that has one."""
    scopes = []
    with Session(engine) as session:
        for version in current_versions(session):
            if list_ids and version.list_id not in list_ids:
                continue
            try:
                scopes.append(impact_scope(diff_stored(session, version.list_id)))
            except ListImportError:
                continue
    return scopes


class ScreenStoreSource:
    """The screening store's saved findings (latest run per record) and a re-screen with the
    current graph and the current imported list versions of the same database, through
    ``whomade.screen.pipeline.Screener``, per saved kind and context."""

    def __init__(self, engine: Engine, stored: Callable[[Engine], Iterable[Mapping[str, Any]]]):
        self.engine = engine
        self.stored = stored
        self._meta: dict[str, tuple[str, str]] = {}

    def findings(self) -> Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
        seen: set[str] = set()
        for row in self.stored(self.engine):  # newest run first
            record_id = str(row["record_id"])
            if record_id in seen:
                continue
            seen.add(record_id)
            record = row.get("record") or {}
            self._meta[record_id] = (str(row.get("kind") or "catalog"), str(row.get("context")))
            texts = [{"text": v} for v in record.values() if isinstance(v, str)]
            finding = {
                "id": record_id,
                "verdict": row.get("verdict"),
                "families": row.get("families") or [],
                "evidence": texts,
            }
            yield record_id, record, finding

    def rescreen(self, records: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
        from whomade.screen.pipeline import Screener

        screeners: dict[tuple[str, str], Any] = {}
        out = {}
        for record_id, record in records.items():
            kind, context = self._meta.get(record_id, ("catalog", "marketplace"))
            if (kind, context) not in screeners:
                screeners[(kind, context)] = Screener(
                    kind,
                    context,  # type: ignore[arg-type]
                    db_path=engine_location(self.engine),
                )
            out[record_id] = screeners[(kind, context)].screen_record(record)
        return out


def _finding_source(engine: Engine) -> FindingSource | None:
    try:
        from whomade.screen import store
    except ImportError:
        return None
    factory: Callable[[Engine], FindingSource] | None = getattr(store, "impact_source", None)
    if factory is not None:
        return factory(engine)
    stored = getattr(store, "stored_findings", None)
    return ScreenStoreSource(engine, stored) if stored is not None else None


def run_impact(
    engine: Engine, list_ids: list[str] | None = None, source: FindingSource | None = None
) -> ImpactReport:
    """Re-screen the stored findings the latest diffs can change; report verdict changes."""
    report = ImpactReport(scopes=latest_scopes(engine, list_ids))
    if not report.scopes:
        report.notes.append("no list has two complete versions yet: nothing to compare")
        return report
    source = source or _finding_source(engine)
    if source is None:
        report.notes.append(
            "stored findings are not available (the screening store offers no impact_source): "
            "showing what the diffs touch only"
        )
        return report
    old: dict[str, Mapping[str, Any]] = {}
    records: dict[str, Mapping[str, Any]] = {}
    for record_id, record, finding in source.findings():
        report.checked += 1
        if finding_affected(finding, report.scopes):
            old[record_id] = finding
            records[record_id] = record
    report.affected = len(old)
    if records:
        report.changes = verdict_changes(old, source.rescreen(records))
    return report
