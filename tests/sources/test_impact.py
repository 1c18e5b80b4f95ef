"""Impact of a list update on stored findings: the pure parts, and the wiring with a finding
source shaped like the screening store's (which does not exist yet)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.sources.conftest import importer
from whomade.sources.impact import (
    finding_affected,
    impact_scope,
    run_impact,
    verdict_changes,
)
from whomade.sources.names import matching_form
from whomade.sources.query import diff_stored


def finding(record_id: str, verdict: str, families: list[str], text: str) -> dict[str, Any]:
    return {
        "id": record_id,
        "verdict": verdict,
        "families": families,
        "evidence": [{"step": "signal", "kind": "name", "field": "title", "text": text}],
    }


class Findings:
    """Stored findings and a re-screen function, as ``impact_source`` would offer them."""

    def __init__(self, stored: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]):
        self.stored = stored
        self.after = after
        self.rescreened: list[str] = []

    def findings(self) -> Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
        for record_id, item in self.stored.items():
            yield record_id, {"title": item["evidence"][0]["text"]}, item

    def rescreen(self, records: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        self.rescreened = sorted(records)
        return {r: self.after[r] for r in records}


def test_scope_of_the_real_dpl_update(engine: Engine, lists_dir: Path) -> None:
    run = importer(engine, lists_dir)
    run("dpl", "bis-denied-persons/2022-09-07/dpl.txt")
    run("dpl", "bis-denied-persons/2023-11-30/dpl.txt")
    with Session(engine) as session:
        result = diff_stored(session, "dpl")
    scope = impact_scope(result)
    assert scope.entries == 230 + 146 + 18
    assert {matching_form(i.name) for i in (*result.diff.added, *result.diff.removed)} <= (
        scope.names
    )
    assert "dahua electronics" not in scope.names  # unchanged between the two releases
    assert scope.families == set()


def test_affected_findings_and_verdict_changes(engine: Engine, lists_dir: Path) -> None:
    run = importer(engine, lists_dir)
    run("dpl", "bis-denied-persons/2022-09-07/dpl.txt")
    run("dpl", "bis-denied-persons/2023-11-30/dpl.txt")
    with Session(engine) as session:
        added = diff_stored(session, "dpl").diff.added[0].name
    stored = {
        "A": finding("A", "clear", [], added),
        "B": finding("B", "clear", [], "DAHUA ELECTRONICS CORPORATION"),
        "C": finding("C", "restricted", ["hikvision"], "Hikvision DS-2CD2043"),
    }
    source = Findings(stored, after={"A": finding("A", "review", [], added)})
    report = run_impact(engine, ["dpl"], source=source)
    assert (report.checked, report.affected) == (3, 1)
    assert source.rescreened == ["A"]
    (change,) = report.changes
    assert (change.record_id, change.old_verdict, change.new_verdict) == ("A", "clear", "review")
    assert any("1 verdict(s) changed" in line for line in report.lines())


def test_pure_helpers() -> None:
    from whomade.sources.impact import ImpactScope

    scope = ImpactScope("csl", 1, 2, names={"dahua technology"}, families={"dahua"})
    assert finding_affected(finding("x", "linked", ["dahua"], "Lorex camera"), [scope])
    assert finding_affected(finding("y", "clear", [], "Dahua Technology Co., Ltd."), [scope])
    assert not finding_affected(finding("z", "clear", [], "Dahua Electronics"), [scope])
    old: dict[str, dict[str, Any]] = {
        "x": {"verdict": "linked", "families": ["dahua"]},
        "y": {"verdict": "clear"},
    }
    new: dict[str, dict[str, Any]] = {
        "x": {"verdict": "linked", "families": ["dahua"]},
        "y": {"verdict": "review"},
    }
    (change,) = verdict_changes(old, new)
    assert change.record_id == "y" and change.new_verdict == "review"


def test_impact_with_the_screening_store(engine: Engine, lists_dir: Path) -> None:
    """Saved findings of a real screening run, re-screened after the real DPL 2022 → 2023 update:
    only the record naming a changed entry is re-screened; its verdict does not change, because
    screening decides on the graph, not on DPL rows."""
    store = pytest.importorskip("whomade.screen.store")
    pipeline = pytest.importorskip("whomade.screen.pipeline")
    if not hasattr(store, "stored_findings") or not hasattr(store, "save_findings"):
        pytest.skip("the screening store has no saved findings API yet")
    try:
        screener = pipeline.Screener("catalog", "marketplace")
    except Exception as exc:  # the graph is another stage's data, possibly mid-edit
        pytest.skip(f"screening is not available: {exc}")
    run = importer(engine, lists_dir)
    run("dpl", "bis-denied-persons/2022-09-07/dpl.txt")
    run("dpl", "bis-denied-persons/2023-11-30/dpl.txt")
    with Session(engine) as session:
        changed = diff_stored(session, "dpl").diff.changed[0].name
    records = [
        {"id": "r1", "title": f"Spare parts supplied by {changed}"},
        {"id": "r2", "title": "Hikvision DS-2CD2043G2-I 4MP dome camera"},
    ]
    run_id = store.start_run(
        engine,
        input_path="catalog.csv",
        output_path="-",
        kind="catalog",
        context="marketplace",
        as_of="2026-11-25",
        graph_version=screener.graph.version,
    )
    store.save_findings(engine, run_id, [(r, screener.screen_record(r)) for r in records])
    report = run_impact(engine, ["dpl"])
    assert (report.checked, report.affected) == (2, 1)
    assert report.changes == []
