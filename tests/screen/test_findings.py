"""Screening decisions on hand-written records: tiers, compatibility, dates, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest

from whomade.screen.pipeline import Screener

TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener("catalog", "marketplace", today=TODAY)


def verdict(screener: Screener, **record: str) -> tuple[str, list[str]]:
    finding = screener.screen_record({"id": "t", **record})
    return finding["verdict"], finding["families"]


def test_maker_itself_is_restricted(screener: Screener) -> None:
    assert verdict(screener, title="Hikvision DS-2CD2143G2-I 4MP Dome Camera") == (
        "restricted",
        ["hikvision"],
    )
    assert verdict(screener, title="DS-2CD2143G2-I dome camera 2.8mm") == (
        "restricted",
        ["hikvision"],
    )
    assert verdict(screener, title="海康威视 网络摄像机") == ("restricted", ["hikvision"])
    assert verdict(screener, title="ＨＩＫＶＩＳＩＯＮ camera") == ("restricted", ["hikvision"])


def test_brand_of_a_listed_maker_is_linked(screener: Screener) -> None:
    assert verdict(screener, title="EZVIZ C6N baby monitor camera") == ("linked", ["hikvision"])
    assert verdict(screener, title="Imou Ranger 2 indoor camera") == ("linked", ["dahua"])


def test_dates_decide_lorex(screener: Screener) -> None:
    assert verdict(screener, title="Lorex 4K NVR system", date="2020-06-15") == (
        "linked",
        ["dahua"],
    )
    later, _ = verdict(screener, title="Lorex 4K NVR system", date="2024-06-15")
    assert later == "review"  # only an allegation links Lorex to Dahua after the 2022 sale


@pytest.mark.parametrize(
    "title",
    [
        "Wall mount bracket compatible with Hikvision dome cameras",
        "12V power supply for Dahua and Hikvision CCTV cameras",
        "Huawei P30 Pro silicone case, shockproof",
        "Replacement battery for Hytera PD785 radios",
    ],
)
def test_compatibility_mentions_are_review_at_most(screener: Screener, title: str) -> None:
    found, _ = verdict(screener, title=title)
    assert found == "review"


def test_included_accessory_does_not_hide_the_device(screener: Screener) -> None:
    assert verdict(screener, title="Hikvision 4MP dome camera with mount") == (
        "restricted",
        ["hikvision"],
    )


def test_another_brand_in_the_brand_field_is_a_conflict(screener: Screener) -> None:
    found, _ = verdict(screener, title="Huawei P30 Pro case", brand="CaseLab")
    assert found == "review"


def test_seller_alone_is_review(screener: Screener) -> None:
    found, _ = verdict(
        screener, title="Indoor Wi-Fi camera 1080p", seller="Hikvision Official Store"
    )
    assert found == "review"


def test_some_products_only_is_review(screener: Screener) -> None:
    found, families = verdict(
        screener, title="Honeywell IMPACT 5MP bullet camera", brand="Honeywell"
    )
    assert (found, families) == ("review", ["dahua"])


@pytest.mark.parametrize(
    "title",
    [
        "Axis M3106-L Mk II network camera",
        "AZTECH DSL modem",
        "Axon Body 3 camera",
        "Medal of courage and valor book",
        "Shanghai scale factory kitchen scale",
    ],
)
def test_clear_products_stay_clear(screener: Screener, title: str) -> None:
    assert verdict(screener, title=title)[0] == "clear"


def test_finding_shape_and_citations(screener: Screener) -> None:
    finding = screener.screen_record({"id": "x", "title": "EZVIZ C6N baby monitor"})
    assert finding["risk"]["context"] == "marketplace"
    assert finding["risk"]["level"] == "high"
    assert "Hikvision" in finding["warning"]
    steps = [step["step"] for step in finding["evidence"]]
    assert steps[0] == "signal" and "relation" in steps and "listing" in steps
    cited = {s for step in finding["evidence"] for s in step.get("sources", [])}
    assert cited and cited <= set(finding["citations"])


def test_federal_context_is_prohibited() -> None:
    federal = Screener("catalog", "federal", today=TODAY)
    finding = federal.screen_record({"id": "x", "title": "Dahua IPC-HDW2431T-AS-S2 camera"})
    assert finding["risk"]["level"] == "prohibited"
    assert "section 889" in finding["warning"]


def test_part_number_between_brand_and_model(screener: Screener) -> None:
    # Retail titles put the manufacturer's part number between the brand and the model name.
    assert verdict(screener, title="honor 51092mqb 7s smartphone 5.45in") == ("linked", ["huawei"])
    assert verdict(screener, title="HONOR 50 5G 128GB")[0] == "review"  # launched after the sale


def test_findings_that_share_signals_keep_their_own_day(screener: Screener) -> None:
    """Records with the same signals share one resolved body, but each signal step shows the
    day it was resolved at, and a finding is a fresh object each time."""
    first = screener.screen_record(
        {"id": "a", "title": "Lorex 4K NVR system", "date": "2020-06-15"}
    )
    second = screener.screen_record(
        {"id": "b", "title": "Lorex 4K NVR system", "date": "2021-03-02"}
    )
    steps = [s for s in first["evidence"] if s["step"] == "signal"]
    assert [s["resolved_at"] for s in steps] == ["2020-06-15"] * len(steps)
    assert {s["resolved_at"] for s in second["evidence"] if s["step"] == "signal"} == {"2021-03-02"}
    assert first["verdict"] == second["verdict"] == "linked"
    assert [s for s in first["evidence"] if s["step"] != "signal"] == [
        s for s in second["evidence"] if s["step"] != "signal"
    ]
    first["families"].append("changed")
    first["evidence"].clear()
    again = screener.screen_record(
        {"id": "a", "title": "Lorex 4K NVR system", "date": "2020-06-15"}
    )
    assert again["families"] == ["dahua"] and again["evidence"]
