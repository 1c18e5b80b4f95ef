"""Comparing two versions of a list: a pure function over keyed, normalised entry contents.

Entries are matched on their content key (never on an identifier a publisher regenerates); an
entry is *changed* when a compared field differs after normalisation (URL columns are never part
of the content; multi-value fields are compared as sets). Fields one of the two versions could not
supply are left out of the comparison and named in the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from whomade.sources.model import Value


@dataclass(frozen=True)
class DiffItem:
    """What the diff needs of one stored entry."""

    key: str
    name: str
    content: Mapping[str, Value]
    content_hash: str
    source: str = ""
    citation: str = ""


@dataclass(frozen=True)
class FieldChange:
    """One field that differs; for multi-value fields, the items added and removed."""

    field: str
    old: Value | None
    new: Value | None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "field": self.field,
            "old": _json(self.old),
            "new": _json(self.new),
        }
        if self.added or self.removed:
            out["added"] = list(self.added)
            out["removed"] = list(self.removed)
        return out


@dataclass(frozen=True)
class Change:
    """An entry present in both versions whose compared content differs."""

    key: str
    name: str
    old_name: str
    fields: tuple[FieldChange, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.field for f in self.fields)


@dataclass
class ListDiff:
    """Entries added, removed and changed between two versions of one list."""

    added: list[DiffItem] = field(default_factory=list)
    removed: list[DiffItem] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    uncompared: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
        }

    def field_counts(self) -> dict[str, int]:
        """How many changed entries touch each field."""
        out: dict[str, int] = {}
        for change in self.changed:
            for name in change.field_names:
                out[name] = out.get(name, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _json(value: Value | None) -> object:
    return list(value) if isinstance(value, tuple) else value


def compare_contents(
    old: Mapping[str, Value], new: Mapping[str, Value], skip: Iterable[str] = ()
) -> tuple[FieldChange, ...]:
    """The fields whose values differ between two normalised contents."""
    skipped = set(skip)
    changes = []
    for name in sorted((set(old) | set(new)) - skipped):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if isinstance(before, tuple) or isinstance(after, tuple):
            old_set = set(_as_tuple(before))
            new_set = set(_as_tuple(after))
            if old_set == new_set:
                continue
            changes.append(
                FieldChange(
                    name,
                    before,
                    after,
                    added=tuple(sorted(new_set - old_set)),
                    removed=tuple(sorted(old_set - new_set)),
                )
            )
        else:
            changes.append(FieldChange(name, before, after))
    return tuple(changes)


def _as_tuple(value: Value | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return value if isinstance(value, tuple) else (value,)


def diff_versions(
    old: Iterable[DiffItem],
    new: Iterable[DiffItem],
    *,
    uncompared: Iterable[str] = (),
) -> ListDiff:
    """Added, removed and changed entries from ``old`` to ``new`` (both keyed on content)."""
    before = {item.key: item for item in old}
    after = {item.key: item for item in new}
    skip = tuple(sorted(set(uncompared)))
    result = ListDiff(uncompared=skip)
    for key, item in after.items():
        previous = before.get(key)
        if previous is None:
            result.added.append(item)
            continue
        if not skip and previous.content_hash == item.content_hash:
            continue
        fields = compare_contents(previous.content, item.content, skip)
        if fields:
            result.changed.append(Change(key, item.name, previous.name, fields))
    result.removed = [item for key, item in before.items() if key not in after]
    result.added.sort(key=lambda i: (i.name.casefold(), i.key))
    result.removed.sort(key=lambda i: (i.name.casefold(), i.key))
    result.changed.sort(key=lambda c: (c.name.casefold(), c.key))
    return result
