"""The signal: one piece of evidence in a record that points at an entity of the graph."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import polars as pl

Strength = Literal["decisive", "strong", "supporting", "weak"]
STRENGTH_RANK: dict[str, int] = {"decisive": 4, "strong": 3, "supporting": 2, "weak": 1}


@lru_cache(maxsize=1024)
def _rounded(score: float) -> float:
    """Scores take few values; rounding a float is slow enough to show in a big run."""
    return round(score, 3)


@dataclass(frozen=True)
class Signal:
    """What was found, where, by which rule, how strongly, and why it matters.

    ``compat`` marks a mention that only says the product works with the entity's equipment
    ("mount for Hikvision cameras"): evidence about compatibility, not about the maker.
    ``released`` is the launch date of a matched product model: resolution then happens at that
    date instead of the listing's.
    """

    kind: str
    field: str
    text: str
    span: tuple[int, int]
    entity: str
    rule: str
    score: float
    strength: Strength
    explanation: str
    sources: tuple[str, ...] = ()
    compat: bool = False
    compat_cue: str | None = None
    released: str | None = None
    corroborated: bool = True
    conflict: str | None = None
    """Why another field contradicts this signal (the brand field names another company)."""
    extra: dict[str, str] = dataclass_field(default_factory=dict, compare=False, hash=False)

    def to_evidence(self) -> dict[str, object]:
        step: dict[str, object] = {
            "step": "signal",
            "kind": self.kind,
            "field": self.field,
            "text": self.text,
            "span": list(self.span),
            "entity": self.entity,
            "rule": self.rule,
            "score": _rounded(self.score),
            "strength": self.strength,
            "explanation": self.explanation,
        }
        if self.sources:
            step["sources"] = list(self.sources)
        if self.compat:
            step["compatibility_only"] = True
        if self.released:
            step["released"] = self.released
        if self.conflict:
            step["conflict"] = self.conflict
        return step


class OneRecordAtATime:
    """For matchers without a column pass: a batch's signals are each record's :meth:`signals`.

    Subclasses define ``signals``; :meth:`batch_signals` is what the screening pipeline calls.
    """

    def signals(self, record: Mapping[str, str]) -> list[Signal]:
        raise NotImplementedError

    def batch_signals(
        self, frame: pl.DataFrame, records: Iterable[Mapping[str, str]]
    ) -> Iterator[tuple[Mapping[str, str], list[Signal]]]:
        """Each record of a batch with its :meth:`signals`, one at a time."""
        for record in records:
            yield record, self.signals(record)
