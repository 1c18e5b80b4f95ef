"""Product models in the shipped graph: sourced, dated, and resolving to the right maker by date."""

from __future__ import annotations

import datetime as dt

import pytest

from whomade.kb import Graph, load_checked
from whomade.kb.model import Product, parse_partial_date
from whomade.kb.resolve import families, resolve

HONOR_SOLD = dt.date(2020, 11, 17)
# Honor-brand models in products.yaml launched before the sale; raise it when adding more.
MIN_HONOR_BEFORE_SALE = 50
LISTED_ON = dt.date(2025, 1, 1)


def _launch_window(product: Product) -> tuple[dt.date, dt.date]:
    return parse_partial_date(product.released)


def _honor(graph: Graph) -> list[Product]:
    return [p for p in graph.products if p.entity == "honor_brand"]


def test_graph_with_products_has_no_problems() -> None:
    graph, problems = load_checked()
    assert problems == []
    assert graph.counts()["products"] == len(graph.products) > 0


def test_every_product_is_sourced_dated_and_attached_to_an_entity(graph: Graph) -> None:
    for product in graph.products:
        assert product.cited(), product.id
        assert all(source in graph.sources for source in product.cited()), product.id
        start, end = _launch_window(product)
        assert dt.date(2010, 1, 1) <= start <= end <= dt.date.today(), product.id
        assert product.entity in graph.entities, product.id


def test_names_and_aliases_are_unique_after_casefolding(graph: Graph) -> None:
    seen: dict[str, str] = {}
    for product in graph.products:
        for name in (product.name, *product.aliases):
            key = name.casefold()
            assert key not in seen, f"{name!r} in {product.id} and {seen[key]}"
            seen[key] = product.id


def test_honor_models_launched_before_the_sale_are_counted(graph: Graph) -> None:
    before = [p for p in _honor(graph) if _launch_window(p)[1] < HONOR_SOLD]
    after = [p for p in _honor(graph) if _launch_window(p)[0] > HONOR_SOLD]
    assert len(before) >= MIN_HONOR_BEFORE_SALE
    assert after, "post-sale models let screening say 'launched after the sale'"
    assert len(before) + len(after) == len(_honor(graph)), "a released date straddles the sale"


@pytest.mark.parametrize(("name", "reaches_huawei"), [("HONOR 8X", True), ("HONOR 50", False)])
def test_honor_resolves_to_huawei_only_before_the_sale(
    graph: Graph, name: str, reaches_huawei: bool
) -> None:
    product = next(p for p in graph.products if p.name == name)
    launched = _launch_window(product)[1 if reaches_huawei else 0]
    found = families(graph, resolve(graph, product.entity, launched, LISTED_ON))
    assert ("huawei" in found) is reaches_huawei


def test_nexus_6p_is_a_huawei_made_google_product(graph: Graph) -> None:
    nexus = next(p for p in graph.products if p.id == "google_nexus_6p")
    assert nexus.entity == "google"
    assert {"H1511", "H1512"} <= set(nexus.model_codes)
    found = families(graph, resolve(graph, "google", _launch_window(nexus)[0], LISTED_ON))
    assert "huawei" in found
