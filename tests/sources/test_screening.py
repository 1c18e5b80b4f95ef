"""Listings from imported official lists: which rows become graph listings, and how they cite."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.sources.conftest import importer
from whomade.kb import Graph, load_graph
from whomade.sources.linking import link_version
from whomade.sources.screening import (
    engine_location,
    graph_list_for,
    graph_with_imported_lists,
    imported_listings,
)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph()


@pytest.fixture(scope="module")
def imported(module_engine: Engine, lists_dir: Path, graph: Graph) -> Engine:
    """The full 2022 CSL, the 2025-12 OFAC consolidated set and a DPL release, linked."""
    run = importer(module_engine, lists_dir)
    for list_id, path in (
        ("csl", "csl/2022-05-16/consolidated.csv"),
        ("cons", "ofac-consolidated/2025-12-19"),
        ("dpl", "bis-denied-persons/2022-09-07/dpl.txt"),
    ):
        link_version(module_engine, run(list_id, path).version.id, graph)
    return module_engine


def test_which_official_rows_feed_which_graph_list() -> None:
    entity_list = "Entity List (EL) - Bureau of Industry and Security"
    assert graph_list_for("csl", "EL") == "us_entity_list"
    assert graph_list_for("csl", "CMIC") == "ofac_ns_cmic"
    assert graph_list_for("csl", "SDN") == "ofac_sdn"
    assert graph_list_for("csl", entity_list) is None  # stored rows carry the short code
    assert graph_list_for("cons", "CONS", ["CMIC-EO13959"]) == "ofac_ns_cmic"
    assert graph_list_for("cons", "CONS", ["UKRAINE-EO13662"]) is None
    assert graph_list_for("el", "EL") == "us_entity_list"
    assert graph_list_for("fcc", "") == "fcc_covered_list"
    assert graph_list_for("dpl", "DPL") == "us_denied_persons"
    assert graph_list_for("sdn", "SDN", ["SDGT"]) == "ofac_sdn"


def test_imported_listings_cite_file_and_row(imported: Engine, graph: Graph) -> None:
    found = imported_listings(imported, graph)
    counts = found.counts()
    assert set(counts) == {"us_entity_list", "ofac_ns_cmic"}  # DPL and SDN rows feed no list
    assert counts["us_entity_list"] >= 30 and counts["ofac_ns_cmic"] >= 20
    assert set(found.versions) == {"csl", "cons", "dpl"}
    assert found.versions["csl"].startswith("v1 sha256:80e780b91b7b")
    (hik,) = [x for x in found.listings if x.entity == "hikvision" and x.list == "us_entity_list"]
    assert hik.listed_as == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert (hik.added, hik.confidence) == ("2019-10-09", "high")
    assert hik.notice is not None and "84 FR 54002" in hik.notice
    source = found.sources[hik.sources[0]]
    assert source.document == "consolidated.csv"
    assert source.title.startswith("Consolidated Screening List, version 1 (file sha256 80e780b9")
    assert source.url is not None and source.url.startswith("file://")
    assert source.locator is not None and source.locator.startswith("row ")
    assert hik.evidence[0].locator == source.locator
    # OFAC's NS-CMIC rows from the consolidated set, with its own citation
    cmic = {x.entity for x in found.listings if x.sources[0].startswith("LIST_CONS_")}
    assert {"hikvision", "huawei", "huawei_holding"} <= cmic
    # only same-name links: the fuzzy matcher's "Affiliated Entity" rows do not make listings
    assert all("the name matcher" not in (x.notes or "") for x in found.listings)
    # an affiliate printed with a distinguishing bracket is not read as Huawei itself
    assert not any("(Australia)" in (x.listed_as or "") for x in found.listings)


def test_graph_with_imported_lists_is_cached_and_cheap(imported: Engine, graph: Graph) -> None:
    location = engine_location(imported)
    extended, versions, counts = graph_with_imported_lists(graph, location)
    assert extended is not graph and extended.version.startswith(graph.version + "+lists:")
    assert len(extended.listings) == len(graph.listings) + sum(counts.values())
    assert {s for x in extended.listings for s in x.sources} <= set(extended.sources)
    assert "hikvision" in extended.listings_of and set(versions) == {"csl", "cons", "dpl"}
    started = time.perf_counter()
    again, _, _ = graph_with_imported_lists(graph, location)
    assert again is extended
    assert time.perf_counter() - started < 0.5


def test_no_database_file_means_the_graph_alone(tmp_path: Path, graph: Graph) -> None:
    missing = str(tmp_path / "none.sqlite")
    assert graph_with_imported_lists(graph, missing) == (graph, {}, {})
    assert not Path(missing).exists()  # nothing was created
    assert graph_with_imported_lists(graph, None) == (graph, {}, {})
