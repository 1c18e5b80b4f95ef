"""Resolution over the shipped graph: dates, multi-hop brands, allegations, the listed maker itself."""

from __future__ import annotations

import datetime as dt

from whomade.kb import Graph
from whomade.kb.resolve import Path, families, resolve

D = dt.date


def _via(paths: list[Path], *relation_ids: str) -> list[Path]:
    return [p for p in paths if tuple(link.relation.id for link in p.links) == relation_ids]


def test_lorex_2020_resolves_to_dahua_through_its_ownership(graph: Graph) -> None:
    paths = resolve(graph, "lorex", D(2020, 6, 1))
    assert families(graph, paths) == ["dahua"]
    (owned,) = _via(paths, "rel_lorex_formerly_dahua")
    assert owned.entities == ("lorex", "dahua")
    link = owned.links[0]
    assert link.relation.predicate == "formerly_owned_by"
    assert (link.relation.valid_from, link.relation.valid_to) == ("2018-02", "2022-11")
    assert owned.confidence == "high"
    assert owned.status == "established"
    cited = link.relation.cited()
    assert "LOREX_SALE_2022" in cited and "LOREX_FLIR_2018" in cited
    assert all(source_id in graph.sources for source_id in cited)
    # Lists are judged on the same day unless asked otherwise: the FCC list began 2021-03-12.
    assert {x.list for x in owned.listings} >= {"us_entity_list", "ndaa_889"}
    assert "fcc_covered_list" not in {x.list for x in owned.listings}
    later = _via(resolve(graph, "lorex", D(2020, 6, 1), D(2024, 6, 1)), "rel_lorex_formerly_dahua")
    assert "fcc_covered_list" in {x.list for x in later[0].listings}


def test_lorex_2024_does_not_resolve_without_allegations(graph: Graph) -> None:
    assert resolve(graph, "lorex", D(2024, 6, 1)) == []


def test_lorex_2024_allegation_is_only_shown_as_one(graph: Graph) -> None:
    paths = resolve(graph, "lorex", D(2024, 6, 1), include_alleged=True)
    assert paths, "the post-sale supply allegation should be reachable on request"
    assert families(graph, paths) == ["dahua"]
    assert {p.status for p in paths} == {"alleged"}
    assert all(p.confidence == "low" for p in paths)
    (alleged,) = _via(paths, "rel_dahua_supplies_lorex_alleged")
    assert alleged.links[0].reversed  # dahua oem_for lorex, read from the brand to the maker


def test_lorex_before_the_purchase_reaches_dahua_as_reported_supplier(graph: Graph) -> None:
    paths = resolve(graph, "lorex", D(2017, 6, 1), D(2020, 1, 1))
    (supplier,) = _via(paths, "rel_dahua_oem_lorex_before_2018")
    assert supplier.status == "reported"
    assert supplier.confidence == "medium"


def test_ezviz_brand_reaches_hikvision_directly_and_through_ezviz_network(graph: Graph) -> None:
    paths = resolve(graph, "ezviz_brand", D(2024, 6, 1))
    assert families(graph, paths) == ["hikvision"]
    direct = _via(paths, "rel_ezviz_brand_of_hikvision")
    two_hops = _via(paths, "rel_ezviz_brand_of_ezviz_network", "rel_ezviz_network_sub_hikvision")
    assert len(direct) == 1 and len(two_hops) == 1
    assert direct[0].entities == ("ezviz_brand", "hikvision")
    assert two_hops[0].entities == ("ezviz_brand", "ezviz_network", "hikvision")
    assert two_hops[0].confidence == "medium"  # the weakest link: brand_of ezviz_network
    assert direct[0].confidence == "high"


def test_ezviz_is_found_by_name_before_resolving(graph: Graph) -> None:
    assert [e.id for e in graph.find("EZVIZ")] == ["ezviz_brand"]
    assert [e.id for e in graph.find("萤石")] == ["ezviz_brand"]


def test_honor_2019_is_huawei_but_honor_2022_is_not(graph: Graph) -> None:
    early = resolve(graph, "honor_brand", D(2019, 6, 1))
    assert families(graph, early) == ["huawei"]
    assert _via(early, "rel_honor_brand_of_huawei")
    assert resolve(graph, "honor_brand", D(2022, 6, 1)) == []
    alleged = resolve(graph, "honor_brand", D(2022, 6, 1), include_alleged=True)
    assert alleged and {p.status for p in alleged} == {"alleged"}


def test_honor_sale_day_boundary(graph: Graph) -> None:
    assert families(graph, resolve(graph, "honor_brand", D(2020, 11, 17))) == ["huawei"]
    assert resolve(graph, "honor_brand", D(2020, 11, 18)) == []


def test_imou_reaches_dahua_through_huacheng(graph: Graph) -> None:
    paths = resolve(graph, "imou", D(2024, 6, 1))
    assert families(graph, paths) == ["dahua"]
    (path,) = _via(paths, "rel_imou_brand_huacheng", "rel_huacheng_sub_dahua")
    assert path.entities == ("imou", "huacheng", "dahua")
    assert path.confidence == "medium"


def test_hikvision_itself_is_a_zero_link_path_with_its_listings(graph: Graph) -> None:
    paths = resolve(graph, "hikvision", D(2024, 6, 1))
    assert len(paths) == 1
    (path,) = paths
    assert path.links == () and path.end == "hikvision"
    assert path.confidence == "high" and path.status == "established"
    lists = {x.list for x in path.listings}
    assert {"us_entity_list", "ndaa_889", "fcc_covered_list"} <= lists
    assert all(x.entity == "hikvision" for x in path.listings)
    assert families(graph, paths) == ["hikvision"]


def test_listing_dates_are_respected(graph: Graph) -> None:
    # Before 2019-10-09 Hikvision was not on the Entity List (it was already under §889).
    (path,) = resolve(graph, "hikvision", D(2019, 9, 1))
    assert "us_entity_list" not in {x.list for x in path.listings}
    assert "ndaa_889" in {x.list for x in path.listings}


def test_unrelated_entity_resolves_to_nothing(graph: Graph) -> None:
    assert resolve(graph, "skywatch", D(2024, 6, 1)) == []


def test_every_entity_resolves_at_three_dates(graph: Graph) -> None:
    for day in (D(2015, 1, 1), D(2020, 6, 1), D(2025, 6, 1)):
        for entity_id in graph.entities:
            for path in resolve(graph, entity_id, day):
                assert path.start == entity_id
                assert path.listings
                assert all(link.relation.valid_at(day) for link in path.links)
                assert all(link.relation.status != "alleged" for link in path.links)


def test_resolve_command_shows_lorex_at_two_dates() -> None:
    import json as _json

    from typer.testing import CliRunner

    from whomade.cli import app

    runner = CliRunner()
    owned = runner.invoke(app, ["kb", "resolve", "lorex", "--on", "2020-06-01", "--json"])
    assert owned.exit_code == 0, owned.output
    assert _json.loads(owned.output)[0]["families"] == ["dahua"]
    later = runner.invoke(app, ["kb", "resolve", "Lorex", "--on", "2024-06-01", "--json"])
    assert _json.loads(later.output)[0]["paths"] == []
