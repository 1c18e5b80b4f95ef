"""List endpoints over real HTTP, on real Denied Persons List files from ../shared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import LiveApi, bearer, start_api
from whomade.api.app import ApiSettings
from whomade.db import connect
from whomade.sources.importer import import_path

DPL = Path(__file__).resolve().parents[2] / ".." / "shared" / "lists" / "bis-denied-persons"
RELEASES = ("2019-06-29", "2022-09-07")


@pytest.fixture(scope="module")
def lists_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    if not all((DPL / day / "dpl.txt").is_file() for day in RELEASES):
        pytest.skip("../shared/lists/bis-denied-persons is absent")
    db = tmp_path_factory.mktemp("api-lists") / "api.sqlite"
    engine = connect(str(db))
    for day in RELEASES:
        import_path(engine, "dpl", DPL / day / "dpl.txt")
    yield from start_api(db, ApiSettings(rate_per_second=1000, burst=1000))


@pytest.fixture
def http(lists_api: LiveApi) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=lists_api.url, timeout=30, headers=bearer(lists_api.keys["read"])
    ) as client:
        yield client


def test_lists_show_imported_versions_and_graph_meanings(http: httpx.Client) -> None:
    body = http.get("/v1/lists").json()
    imported = {item["id"]: item for item in body["imported"]}
    assert imported["dpl"]["versions"] == 2
    assert imported["dpl"]["current"]["seq"] == 2
    assert imported["csl"]["current"] is None
    graph = {item["id"]: item for item in body["graph"]}
    assert "us_entity_list" in graph
    assert {"marketplace", "federal"} <= graph["ndaa_889"]["meanings"].keys()
    assert graph["ndaa_889"]["meanings"]["federal"]["level"] == "prohibited"


def test_version_names_the_lists_in_use(http: httpx.Client) -> None:
    version = http.get("/v1/version").json()
    assert version["lists"]["dpl"]["seq"] == 2 and version["lists"]["dpl"]["file_hash"]


def test_versions_of_a_list(http: httpx.Client) -> None:
    body = http.get("/v1/lists/dpl/versions").json()
    assert body["list"] == "dpl"
    assert [v["seq"] for v in body["versions"]] == [1, 2]
    assert all(v["entries"] > 100 and v["complete"] for v in body["versions"])
    assert http.get("/v1/lists/nope/versions").status_code == 404


def test_diff_between_two_dpl_releases(http: httpx.Client) -> None:
    body = http.get("/v1/lists/dpl/diff", params={"from": "1", "to": "2"}).json()
    assert body["list"] == "dpl" and body["from"]["seq"] == 1 and body["to"]["seq"] == 2
    assert body["added"] and body["removed"]
    assert body["counts"]["added"] == len(body["added"])
    assert all(item["key"] and item["citation"] for item in body["added"])
    default = http.get("/v1/lists/dpl/diff").json()
    assert default["counts"] == body["counts"]
    missing = http.get("/v1/lists/dpl/diff", params={"from": "1", "to": "9"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert http.get("/v1/lists/csl/diff").status_code == 404
