"""`whomade kb show NAME`: any alias, any script, any case; both directions; sources resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from whomade.kb import Graph
from whomade.kb.show import entity_view, suggestions


@pytest.mark.parametrize(
    ("query", "entity_id"),
    [
        ("dahua", "dahua"),
        ("DAHUA", "dahua"),
        ("Zhejiang Dahua Technology Co., Ltd.", "dahua"),
        ("浙江大华技术股份有限公司", "dahua"),
        ("海康威视", "hikvision"),
        ("海康威視", "hikvision"),
        ("hikvision", "hikvision"),
        ("ezviz", "ezviz_brand"),
        ("萤石", "ezviz_brand"),
    ],
)
def test_show_finds_by_any_name(run, query: str, entity_id: str) -> None:
    result = run("kb", "show", query, "--json")
    assert result.exit_code == 0, result.output
    views = json.loads(result.output)
    assert [v["id"] for v in views] == [entity_id]


def test_show_dahua_text(run) -> None:
    result = run("kb", "show", "dahua")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Zhejiang Dahua Technology Co., Ltd." in out
    assert "浙江大华技术股份有限公司" in out
    assert "Relations" in out
    assert "formerly owned Lorex (lorex)" in out  # incoming, read from Dahua's side
    assert "2018-02 → 2022-11" in out
    assert "ALLEGED" in out  # post-2022 Lorex supply is shown as an allegation
    assert "Entity List" in out and "2019-10-09" in out
    assert "Sources" in out and "FR_2019_22210" in out


def test_show_hikvision_in_chinese_text(run) -> None:
    result = run("kb", "show", "海康威视")
    assert result.exit_code == 0, result.output
    assert "Hangzhou Hikvision Digital Technology Co., Ltd." in result.output
    assert "brand of" not in result.output.split("Relations")[0]


def test_view_has_names_relations_identifiers_listings_and_sources(graph: Graph) -> None:
    view = entity_view(graph, "dahua")
    scripts = {(n["lang"], n["script"]) for n in view["names"]}
    assert {("en", "Latn"), ("zh", "Hans")} <= scripts
    assert all({"name", "lang", "script", "kind", "sources"} <= n.keys() for n in view["names"])

    out_ids = {r["id"] for r in view["relations"] if r["direction"] == "out"}
    in_ids = {r["id"] for r in view["relations"] if r["direction"] == "in"}
    assert "rel_lorex_formerly_dahua" in in_ids
    assert "rel_huacheng_sub_dahua" in in_ids
    assert "rel_dahua_supplies_lorex_alleged" in out_ids
    lorex = next(r for r in view["relations"] if r["id"] == "rel_lorex_formerly_dahua")
    assert lorex["valid_from"] == "2018-02" and lorex["valid_to"] == "2022-11"
    assert lorex["confidence"] == "high" and lorex["status"] == "established"
    assert lorex["other"] == "lorex" and lorex["sources"]

    assert {i["kind"] for i in view["identifiers"]} >= {"oui_registrant"}
    lists = {x["list"] for x in view["listings"]}
    assert {"us_entity_list", "ndaa_889", "fcc_covered_list"} <= lists

    cited = {
        sid
        for group in ("names", "relations", "identifiers", "listings")
        for item in view[group]
        for sid in item["sources"]
    }
    assert cited <= view["sources"].keys()
    entity_list = next(x for x in view["listings"] if x["list"] == "us_entity_list")
    for source_id in entity_list["sources"]:
        source = view["sources"][source_id]
        assert source["title"] == graph.sources[source_id].title
        assert {"publisher", "date", "url"} <= source.keys()
    json.dumps(view)  # JSON-ready


def test_show_unknown_name_exits_1_with_suggestions(run) -> None:
    result = run("kb", "show", "hikvison")
    assert result.exit_code == 1
    assert "No entity named 'hikvison'" in result.output
    assert "Hikvision (hikvision)" in result.output
    assert "Traceback" not in result.output


def test_show_unknown_name_json(run) -> None:
    result = run("kb", "show", "huwei", "--json")
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["suggestions"][0]["id"] == "huawei"


def test_suggestions_rank_the_close_name_first(graph: Graph) -> None:
    assert suggestions(graph, "hytra")[0][0] == "hytera"
    assert suggestions(graph, "lorex camera")[0][0] == "lorex"
    assert suggestions(graph, "qqqqqqqq") == []


def test_several_matches_are_all_shown(run, data_copy: Path) -> None:
    (data_copy / "zz_same_name.yaml").write_text(
        """entities:
- id: test_other_lorex
  kind: brand
  sources: [WIKI_DAHUA]
  names:
  - name: Lorex
    kind: brand
    sources: [WIKI_DAHUA]
""",
        encoding="utf-8",
    )
    result = run("kb", "show", "lorex", "--data", str(data_copy), "--json")
    assert result.exit_code == 0, result.output
    assert sorted(v["id"] for v in json.loads(result.output)) == ["lorex", "test_other_lorex"]
    text = run("kb", "show", "LOREX", "--data", str(data_copy))
    assert "2 entities match: lorex, test_other_lorex" in text.output


def test_show_refuses_a_broken_graph(run, data_copy: Path) -> None:
    (data_copy / "zz_broken.yaml").write_text("relations: [\n", encoding="utf-8")
    result = run("kb", "show", "dahua", "--data", str(data_copy))
    assert result.exit_code == 1
    assert "zz_broken.yaml:" in result.output
    assert "Traceback" not in result.output


def test_show_with_a_database_lists_no_imported_entries_when_none(run, tmp_path: Path) -> None:
    db = tmp_path / "with-graph.sqlite"
    assert run("--db", str(db), "kb", "compile").exit_code == 0
    result = run("--db", str(db), "kb", "show", "dahua", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["imported_entries"] == []


def test_show_does_not_create_a_database(run, tmp_path: Path) -> None:
    db = tmp_path / "absent.sqlite"
    assert run("--db", str(db), "kb", "show", "dahua").exit_code == 0
    assert not db.exists()


OFAC_CONS = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "lists" / "ofac-consolidated"
) / "2025-12-19"


@pytest.mark.skipif(not OFAC_CONS.exists(), reason="../shared/lists not available")
def test_show_lists_imported_entries_that_name_it(run, tmp_path: Path) -> None:
    db = tmp_path / "imported.sqlite"
    imported = run("--db", str(db), "lists", "import", "cons", str(OFAC_CONS))
    assert imported.exit_code == 0, imported.output
    result = run("--db", str(db), "kb", "show", "海康威视", "--json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)[0]["imported_entries"]
    names = {(e["list_id"], e["name"]) for e in entries}
    assert ("cons", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD.") in names
    assert all(e["citation"] for e in entries)
    text = run("--db", str(db), "kb", "show", "hikvision")
    assert "Imported list entries naming it" in text.output
