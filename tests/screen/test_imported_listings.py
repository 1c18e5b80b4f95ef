"""The screener consults the official lists imported into its database (``db_path``)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from tests.conftest import SHARED, needs_shared
from whomade.db import connect
from whomade.kb import Graph, load_graph
from whomade.screen.pipeline import Screener
from whomade.sources.importer import import_path
from whomade.sources.linking import link_version

TODAY = dt.date(2026, 11, 25)
HIKMICRO = {"id": "r1", "title": "HIKMICRO E1L thermal imaging camera", "brand": "HIKMICRO"}


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph()


@pytest.fixture(scope="module")
def csl_db(tmp_path_factory: pytest.TempPathFactory, graph: Graph) -> str:
    """A database holding the full 2022-05-16 CSL (14,160 rows), linked to the graph."""
    source = needs_shared(SHARED / "lists" / "csl" / "2022-05-16" / "consolidated.csv")
    path = str(tmp_path_factory.mktemp("screen-lists") / "lists.sqlite")
    engine = connect(path)
    link_version(engine, import_path(engine, "csl", source).version.id, graph)
    return path


def test_without_a_database_the_graph_alone(tmp_path: Path, graph: Graph) -> None:
    screener = Screener("catalog", graph=graph, today=TODAY, db_path=str(tmp_path / "no.sqlite"))
    assert screener.graph is graph and screener.versions["lists"] == {}
    assert screener.screen_record(HIKMICRO)["verdict"] == "linked"


def test_official_rows_reach_the_finding(csl_db: str, graph: Graph) -> None:
    started = time.perf_counter()
    screener = Screener("catalog", graph=graph, today=TODAY, db_path=csl_db)
    first = time.perf_counter() - started
    assert screener.graph is not graph
    assert screener.versions["graph"].startswith(graph.version + "+lists:")
    assert screener.versions["lists"] == {"csl": "v1 sha256:80e780b91b7b"}
    finding = screener.screen_record(HIKMICRO)
    assert finding["verdict"] == "restricted"
    (listing,) = [s for s in finding["evidence"] if s.get("step") == "listing"]
    assert listing["list"] == "us_entity_list"
    assert listing["listed_as"] == "Hangzhou Hikmicro Sensing Technology Co."
    (source_id,) = listing["sources"]
    cited = finding["citations"][source_id]
    assert cited["document"] == "consolidated.csv"
    assert cited["title"].startswith("Consolidated Screening List, version 1 (file sha256")
    locator = screener.graph.sources[source_id].locator
    assert locator is not None and locator.startswith("row ")
    # Curated and official listings of Hikvision both show; the official row is cited.
    hik = screener.screen_record(
        {"id": "r2", "title": "Hikvision DS-2CD2043G2-I dome camera", "brand": "Hikvision"}
    )
    cited_ids = [s["sources"] for s in hik["evidence"] if s.get("step") == "listing"]
    assert any(ids[0].startswith("LIST_CSL_V1_") for ids in cited_ids)
    assert any("FR_2019_22210" in ids for ids in cited_ids)
    started = time.perf_counter()
    Screener("catalog", "federal", graph=graph, today=TODAY, db_path=csl_db)
    again = time.perf_counter() - started
    assert again < 0.5, (first, again)
