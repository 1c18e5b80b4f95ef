"""Linking list entries to knowledge-graph entities, screening by name, and graph flags in diffs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.sources.conftest import importer
from whomade.sources.linking import GraphLinker, link_version
from whomade.sources.names import matching_form
from whomade.sources.query import diff_stored, entries_naming
from whomade.sources.store import ListEntryLink


@pytest.fixture(scope="module")
def graph() -> Any:
    kb = pytest.importorskip("whomade.kb")
    loaded, _problems = kb.load_checked()
    if "hikvision" not in loaded.entities or "dahua" not in loaded.entities:
        pytest.skip("the knowledge graph has no hikvision/dahua entities yet")
    return loaded


@pytest.fixture(scope="module")
def linked(module_engine: Engine, lists_dir: Path, graph: Any) -> dict[str, Any]:
    run = importer(module_engine, lists_dir)
    summaries = {}
    for list_id, relative in (
        ("csl", "csl/2022-05-16/consolidated.csv"),
        ("cons", "ofac-consolidated/2025-12-19"),
        ("dpl", "bis-denied-persons/2023-11-30/dpl.txt"),
    ):
        result = run(list_id, relative)
        summaries[list_id] = link_version(module_engine, result.version.id, graph)
    return summaries


def links(engine: Engine, **where: str) -> list[ListEntryLink]:
    with Session(engine) as session:
        query = select(ListEntryLink)
        for column, value in where.items():
            query = query.where(getattr(ListEntryLink, column) == value)
        return list(session.scalars(query))


def test_matching_form_ignores_case_punctuation_legal_forms_and_script_spacing() -> None:
    assert matching_form("Hangzhou Hikvision Digital Technology Co., Ltd.") == matching_form(
        "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD"
    )
    assert matching_form("Dahua Technology Company") == matching_form("Dahua Technology")
    assert matching_form("杭州海康威视数字技术股份有限公司") == "杭州海康威视数字技术"
    assert matching_form("ООО Рога и копыта") == "roga i kopyta"
    assert matching_form("DAHUA ELECTRONICS CORPORATION") != matching_form("Dahua")


def test_hikvision_entity_list_row_resolves_to_hikvision(
    module_engine: Engine, linked: dict[str, Any]
) -> None:
    (link,) = links(module_engine, key="EL:hangzhou hikvision digital technology co ltd:2019-10-09")
    assert (link.entity_id, link.family, link.score) == ("hikvision", "hikvision", 1.0)
    assert "legal forms are ignored" in link.explanation
    (cmic,) = links(module_engine, key="CMIC:30946")
    assert cmic.entity_id == "hikvision"
    (ofac,) = links(module_engine, key="30946")
    assert ofac.entity_id == "hikvision"


def test_dahua_technology_links_but_dahua_electronics_does_not(
    module_engine: Engine, linked: dict[str, Any]
) -> None:
    (link,) = links(module_engine, key="EL:dahua technology:2019-10-09")
    assert link.entity_id == "dahua"
    electronics = [
        link
        for link in links(module_engine)
        if "dahua electronics" in link.key or "DAHUA ELECTRONICS" in link.matched_name
    ]
    assert electronics == []
    assert linked["dpl"].linked == 0


def test_link_counts_per_list(linked: dict[str, Any]) -> None:
    csl = linked["csl"]
    assert csl.entries == 14160
    assert csl.linked >= 50
    assert csl.by_family["hikvision"] >= 2 and csl.by_family["dahua"] == 1
    assert csl.by_family["huawei"] >= 30
    assert linked["cons"].by_entity["hikvision"] == 1


def test_linker_refuses_lookalikes(graph: Any) -> None:
    linker = GraphLinker(graph)
    assert linker.link("k", ["DAHUA ELECTRONICS CORPORATION"]) == []
    assert linker.link("k", ["Shanghai Dahua Scale Factory"]) == []
    (hik,) = linker.link("k", ["杭州海康威视数字技术股份有限公司"])
    assert hik.entity_id == "hikvision"
    (bracketed,) = linker.link("k", ["Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)"])
    assert bracketed.entity_id == "hikvision" and bracketed.score < 1.0


def test_entries_naming_for_kb_show(module_engine: Engine, linked: dict[str, Any]) -> None:
    found = entries_naming(
        module_engine, ["Hangzhou Hikvision Digital Technology Co., Ltd.", "海康威视"]
    )
    got = {(e.list_id, e.source, e.name) for e in found}
    assert got == {
        ("cons", "CONS", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD."),
        ("csl", "CMIC", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD."),
        ("csl", "EL", "Hangzhou Hikvision Digital Technology Co., Ltd."),
    }
    el = next(e for e in found if e.source == "EL")
    assert el.start_date == "2019-10-09" and el.notice == "84 FR 54002; 85 FR 44159"
    assert el.linked_entities == ("hikvision",)
    dahua = entries_naming(module_engine, ["Dahua Technology Company"])
    assert [(e.source, e.name) for e in dahua] == [("EL", "Dahua Technology")]
    unlinked = entries_naming(module_engine, ["Dahua Electronics Corp."])
    assert [(e.list_id, e.name, e.linked_entities) for e in unlinked] == [
        ("csl", "DAHUA ELECTRONICS CORPORATION", ()),
        ("dpl", "DAHUA ELECTRONICS CORPORATION", ()),
    ]


def test_diff_flags_entries_touching_the_graph(
    module_engine: Engine, lists_dir: Path, graph: Any
) -> None:
    """The truncated 2023 CSL copy (whole rows only, stored as partial) against 2022: it lacks the
    2019 Entity List rows, so the diff removes the Hikvision and Dahua rows and must flag them."""
    from whomade.sources.importer import import_path

    partial = import_path(
        module_engine, "csl", lists_dir / "csl/2023-11-30-truncated/csl.csv", allow_partial=True
    )
    link_version(module_engine, partial.version.id, graph)
    with Session(module_engine) as session:
        result = diff_stored(session, "csl", "1", str(partial.version.seq))
    flagged = {(f.key, f.entity_id, f.family, f.change) for f in result.flags}
    assert (
        "EL:hangzhou hikvision digital technology co ltd:2019-10-09",
        "hikvision",
        "hikvision",
        "removed",
    ) in flagged
    assert ("EL:dahua technology:2019-10-09", "dahua", "dahua", "removed") in flagged
    assert not any(f.change == "removed" and f.key.startswith("DPL:dahua") for f in result.flags)
    as_json = result.to_dict()
    assert set(as_json) >= {"added", "removed", "changed", "graph_flags"}
    removed = {r["key"]: r for r in as_json["removed"]}
    assert removed["EL:dahua technology:2019-10-09"]["graph"]["entity"] == "dahua"
