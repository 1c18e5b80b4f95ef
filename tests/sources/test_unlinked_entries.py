"""Official list entries no graph entity carries are screenable by name (vendors only)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.sources.conftest import importer
from whomade.kb import Graph, load_graph
from whomade.screen.pipeline import Screener
from whomade.sources.linking import link_version
from whomade.sources.screening import (
    engine_location,
    entry_names,
    graph_list_for,
    graph_with_imported_lists,
    unlinked_entity_id,
)

DPL_2019 = "bis-denied-persons/2019-06-29/dpl.txt"
IN_FORCE = dt.date(2024, 6, 1)
"""The DPL's "DAHUA ELECTRONICS CORPORATION" order runs 2017-09-28 to 2025-11-19 in this file."""


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph()


@pytest.fixture(scope="module")
def db(module_engine: Engine, lists_dir: Path, graph: Graph) -> str:
    """A database with the 2019-06-29 Denied Persons List imported and linked."""
    run = importer(module_engine, lists_dir)
    link_version(module_engine, run("dpl", DPL_2019).version.id, graph)
    return engine_location(module_engine)


def screener(kind: str, graph: Graph, db: str, today: dt.date = IN_FORCE) -> Screener:
    """A screener whose graph carries the imported lists as its kind sees them."""
    screening_graph, _versions, _counts = graph_with_imported_lists(graph, db, kind)
    return Screener(kind, "procurement", graph=screening_graph, db_path=db, today=today)


def finding_for(
    kind: str, graph: Graph, db: str, record: dict[str, str], today: dt.date = IN_FORCE
) -> dict[str, Any]:
    return screener(kind, graph, db, today).screen_record(record, line=1)


def test_denied_persons_and_sdn_rows_feed_their_graph_lists(graph: Graph) -> None:
    assert graph_list_for("dpl", "DPL") == "us_denied_persons"
    assert graph_list_for("csl", "DPL") == "us_denied_persons"
    assert graph_list_for("sdn", "SDN", ["SDGT"]) == "ofac_sdn"
    assert graph_list_for("csl", "SDN") == "ofac_sdn"
    assert {"us_denied_persons", "ofac_sdn"} <= set(graph.lists)
    for list_id in ("us_denied_persons", "ofac_sdn"):
        meanings = graph.lists[list_id].meanings
        assert set(meanings) == {"marketplace", "procurement", "federal", "shopper"}
        assert all(m.sources for m in meanings.values())
        assert meanings["procurement"].level == "high"


def test_entry_names_are_the_printed_name_then_aliases() -> None:
    record = {"name": "ACME Ltd", "aliases": ["acme ltd", "艾克米", "ACME"]}
    assert entry_names(record) == ["ACME Ltd", "艾克米", "ACME"]
    assert entry_names({"name": "", "aliases": []}) == []
    assert unlinked_entity_id("dpl", "k1") == unlinked_entity_id("dpl", "k1")
    assert unlinked_entity_id("dpl", "k1") != unlinked_entity_id("dpl", "k2")


def test_unlinked_entries_become_entities_for_vendors_only(graph: Graph, db: str) -> None:
    vendors_graph, versions, counts = graph_with_imported_lists(graph, db, "vendors")
    catalog_graph, _, catalog_counts = graph_with_imported_lists(graph, db, "catalog")
    assert "dpl" in versions
    assert counts["us_denied_persons"] > 400
    assert "us_denied_persons" not in catalog_counts
    assert set(catalog_graph.entities) == set(graph.entities)
    synthetic = [e for e in vendors_graph.entities.values() if e.id.startswith("list:dpl:")]
    assert len(synthetic) == counts["us_denied_persons"]
    dahua = [e for e in synthetic if e.display_name == "DAHUA ELECTRONICS CORPORATION"]
    assert len(dahua) == 1
    (entity,) = dahua
    assert entity.kind == "company" and not entity.family_root
    assert all(not n.match for n in entity.names)  # matched as list entries, never as aliases
    (listing,) = vendors_graph.listings_of[entity.id]
    assert listing.list == "us_denied_persons" and listing.confidence == "high"
    source = vendors_graph.sources[listing.sources[0]]
    assert source.document == "dpl.txt" and source.kind == "official_list"
    assert source.locator and listing.evidence[0].locator == source.locator
    # cached, and a graph it built passes through unchanged
    again = graph_with_imported_lists(graph, db, "vendors")[0]
    assert again is vendors_graph
    assert graph_with_imported_lists(vendors_graph, db)[0] is vendors_graph


def test_a_supplier_named_as_an_unlinked_entry_is_restricted(graph: Graph, db: str) -> None:
    finding = finding_for(
        "vendors", graph, db, {"id": "v1", "name": "Dahua Electronics Corporation"}
    )
    assert finding["verdict"] == "restricted"
    assert "dahua" not in finding["families"]
    text = str(finding)
    assert "us_denied_persons" in text or "Denied Persons List" in text
    assert "dpl.txt" in text  # the official row is cited
    steps = [step["step"] for step in finding["evidence"]]
    assert steps == ["signal", "listing"]
    assert finding["evidence"][1]["list"] == "us_denied_persons"
    assert finding["risk"]["level"] == "high"


def test_an_expired_denial_no_longer_restricts(graph: Graph, db: str) -> None:
    record = {"id": "v1", "name": "Dahua Electronics Corporation"}
    finding = finding_for("vendors", graph, db, record, today=dt.date(2026, 1, 1))
    assert finding["verdict"] != "restricted"


def test_zhejiang_dahua_is_still_dahua(graph: Graph, db: str) -> None:
    finding = finding_for(
        "vendors", graph, db, {"id": "v2", "name": "Zhejiang Dahua Technology Co., Ltd."}
    )
    assert finding["verdict"] == "restricted"
    assert "dahua" in finding["families"]
    assert not any(f.startswith("list:") for f in finding["families"])


def test_a_namesake_with_extra_words_is_not_the_entry(graph: Graph, db: str) -> None:
    finding = finding_for(
        "vendors", graph, db, {"id": "v3", "name": "Dahua Electronics Corporation Trading"}
    )
    assert not any(f.startswith("list:dpl:") for f in finding["families"])


def test_catalog_titles_do_not_match_list_entries(graph: Graph, db: str) -> None:
    finding = finding_for(
        "catalog", graph, db, {"id": "c1", "title": "DAHUA ELECTRONICS CORPORATION adapter"}
    )
    assert "Denied Persons" not in str(finding)
    assert not any(f.startswith("list:") for f in finding.get("families", []))


def test_vendor_screener_construction_is_cached(graph: Graph, db: str) -> None:
    screener("vendors", graph, db)
    start = time.perf_counter()
    screener("vendors", graph, db)
    assert time.perf_counter() - start < 0.5
