"""`whomade kb export --format ftm`: every entity valid FollowTheMoney, every reference present."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from followthemoney import model

from whomade.kb import Graph
from whomade.kb.ftm import ftm_id


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    from typer.testing import CliRunner

    from whomade.cli import app

    out = tmp_path_factory.mktemp("ftm") / "graph.ftm.json"
    db = out.parent / "unused.sqlite"
    result = CliRunner().invoke(
        app, ["--db", str(db), "kb", "export", "--format", "ftm", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_every_entity_validates(exported: list[dict[str, Any]]) -> None:
    for data in exported:
        proxy = model.get_proxy(data, cleaned=False)
        proxy.schema.validate(data)
        assert proxy.to_dict() == data
        cleaned = model.get_proxy(data, cleaned=True)
        assert cleaned.to_dict()["properties"] == data["properties"], data["id"]


def test_every_reference_exists(exported: list[dict[str, Any]]) -> None:
    ids = [d["id"] for d in exported]
    assert len(ids) == len(set(ids))
    known = set(ids)
    for data in exported:
        proxy = model.get_proxy(data, cleaned=False)
        for prop, value in proxy.itervalues():
            if prop.type.name == "entity":
                assert value in known, (data["id"], prop.name, value)


def test_schemas_and_counts(exported: list[dict[str, Any]], graph: Graph) -> None:
    by_schema = Counter(d["schema"] for d in exported)
    assert by_schema["Document"] == len(graph.sources)
    assert by_schema["Sanction"] == len(graph.listings)
    assert by_schema["Ownership"] + by_schema["UnknownLink"] == len(graph.relations)
    assert by_schema["Company"] + by_schema["Organization"] + by_schema["PublicBody"] == len(
        graph.entities
    )


def test_lorex_ownership_by_dahua_has_dates_and_sources(exported: list[dict[str, Any]]) -> None:
    by_id = {d["id"]: d for d in exported}
    own = by_id[ftm_id("relation", "rel_lorex_formerly_dahua")]
    assert own["schema"] == "Ownership"
    props = own["properties"]
    assert props["owner"] == [ftm_id("entity", "dahua")]
    assert props["asset"] == [ftm_id("entity", "lorex")]
    assert props["startDate"] == ["2018-02"] and props["endDate"] == ["2022-11"]
    assert props["status"] == ["established"]
    assert ftm_id("source", "LOREX_SALE_2022") in props["proof"]
    assert props["sourceUrl"]


def test_alleged_link_keeps_its_status(exported: list[dict[str, Any]]) -> None:
    by_id = {d["id"]: d for d in exported}
    link = by_id[ftm_id("relation", "rel_dahua_supplies_lorex_alleged")]
    assert link["schema"] == "UnknownLink"
    assert link["properties"]["status"] == ["alleged"]
    assert link["properties"]["role"] == ["oem_for"]


def test_hikvision_entity_list_sanction(exported: list[dict[str, Any]], graph: Graph) -> None:
    by_id = {d["id"]: d for d in exported}
    sanction = by_id[ftm_id("listing", "us_entity_list__hikvision")]
    props = sanction["properties"]
    assert props["entity"] == [ftm_id("entity", "hikvision")]
    assert props["authority"] == [graph.lists["us_entity_list"].authority]
    assert props["startDate"] == ["2019-10-09"]
    assert props["programId"] == ["us_entity_list"]
    company = by_id[ftm_id("entity", "hikvision")]
    assert company["schema"] == "Company"
    assert "海康威视" in company["properties"]["alias"]
    assert company["properties"]["country"] == ["cn"]


def test_export_to_stdout_and_bad_format(run) -> None:
    result = run("kb", "export", "--format", "ftm")
    assert result.exit_code == 0
    first = json.loads(result.output.splitlines()[0])
    assert first["schema"] == "Document"
    bad = run("kb", "export", "--format", "csv")
    assert bad.exit_code == 2
    assert "Unknown format" in bad.output


def test_export_to_unwritable_place(run, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("kb", "export", "-o", str(blocker / "sub" / "out.json"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
