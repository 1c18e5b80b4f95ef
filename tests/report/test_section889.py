"""The NDAA §889 report: determinations (pure), the command end to end, HTML escaping, JSON."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.conftest import SHARED, needs_shared
from whomade.cli import app
from whomade.kb import Graph, load_graph
from whomade.report.section889 import (
    LABELS,
    PART_B_DATE,
    PART_B_SOURCES,
    build_report,
    determine,
    listing_scope,
    render_html,
    review_checks,
    rule_dates,
)
from whomade.screen.pipeline import Screener

TODAY = dt.date(2026, 11, 25)
INVENTORY = """id,hostname,ip,mac,vendor,model,http_server,rtsp_server
cam-1,<script>alert('x')</script>,10.0.0.10,44:19:B6:12:34:56,,DS-2CD2143G0-I,DNVRS-Webs,
cam-2,lobby-cam,10.0.0.11,00:11:22:33:44:55,,,,Dahua Rtsp Server
cam-3,dock-cam,10.0.0.12,,Annke,C500,DNVRS-Webs,
cam-4,yard-cam,10.0.0.13,,Amcrest,IP8M-2496EB,,
prn-1,printer-2f,10.0.0.20,00:1B:A9:00:11:22,Brother,HL-L2350DW,,
lap-1,laptop,10.0.0.30,02:42:AC:11:00:02,,,,
"""
NMAP_SCAN = """<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sV" start="1710238502" version="7.94" xmloutputversion="1.05">
<host starttime="1710238510" endtime="1710238600"><status state="up" reason="arp-response"/>
<address addr="192.168.1.64" addrtype="ipv4"/>
<address addr="BC:AD:28:11:22:33" addrtype="mac" vendor="Hangzhou Hikvision Digital Technology"/>
<ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/>
<service name="http" product="Hikvision IP camera httpd" method="probed" conf="10"/>
<script id="http-server-header" output="App-webs/"/></port></ports>
</host>
</nmaprun>
"""


@pytest.fixture(scope="module")
def graph() -> Graph:
    return load_graph()


@pytest.fixture(scope="module")
def screener(graph: Graph) -> Screener:
    return Screener("devices", "federal", graph=graph, today=TODAY)


def _run(tmp_path: Path, *args: str) -> Any:
    return CliRunner().invoke(
        app, ["--db", str(tmp_path / "db.sqlite"), "report", "section889", *args]
    )


def _inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.csv"
    path.write_text(INVENTORY, encoding="utf-8")
    return path


# --- the pure determination -------------------------------------------------------------------


def test_maker_banner_and_oui_are_covered_with_scope_to_confirm(
    graph: Graph, screener: Screener
) -> None:
    record = {"id": "c", "mac": "44:19:B6:12:34:56", "http_server": "DNVRS-Webs"}
    decision = determine(graph, screener.screen_record(record), record)
    assert decision.code == "covered"
    assert decision.label == LABELS["covered"]
    assert [e.entity for e in decision.covered_entities] == ["hikvision"]
    assert "public safety" in (decision.covered_entities[0].scope or "")
    assert any("Confirm the use" in check for check in decision.checks)
    assert any("Part B" in r and "2020-08-13" in r for r in decision.requirements)


def test_telecom_maker_scope_is_telecom_equipment(graph: Graph) -> None:
    assert "telecommunications equipment" in (listing_scope(graph, "huawei") or "")
    # "same as Hytera" in the data is followed to Hytera's own text
    assert listing_scope(graph, "dahua") == listing_scope(graph, "hytera")


def test_oem_label_with_maker_banner_asks_who_manufactured_it(
    graph: Graph, screener: Screener
) -> None:
    record = {"id": "o", "vendor": "Annke", "model": "C500", "http_server": "DNVRS-Webs"}
    decision = determine(graph, screener.screen_record(record), record)
    assert decision.code == "covered"
    assert any("labelled 'Annke'" in c and "who manufactured" in c for c in decision.checks)


def test_oem_brand_reached_through_relation_is_covered(graph: Graph, screener: Screener) -> None:
    record = {"id": "l", "vendor": "LTS", "model": "LTN8708K-P8"}
    finding = screener.screen_record(record)
    assert finding["verdict"] == "linked"
    decision = determine(graph, finding, record)
    assert decision.code == "covered"
    assert "brand/OEM/affiliate" in decision.summary


def test_review_needs_inquiry_with_concrete_checks(graph: Graph, screener: Screener) -> None:
    record = {"id": "r", "vendor": "Amcrest", "model": "IP8M-2496EB"}
    finding = screener.screen_record(record)
    assert finding["verdict"] == "review"
    decision = determine(graph, finding, record)
    assert decision.code == "inquiry"
    assert decision.checks[0].startswith("Why: ")
    assert any(c.startswith("If the maker is confirmed: Confirm the use") for c in decision.checks)
    assert any("ask the vendor who manufactured this model" in c for c in decision.checks)


def test_review_checks_map_reasons_to_actions() -> None:
    checks = review_checks(
        [
            "'LNB4321' fits a model grammar shared with unrelated products",
            "alleged only: Lorex → Dahua Technology (an allegation, not a finding)",
        ]
    )
    assert "invoice" in checks[0] and "firmware banner" in checks[0]
    assert "allegation, not a finding" in checks[1] and "in writing" in checks[1]
    assert review_checks([]) and "Ask the vendor" in review_checks([])[0]


def test_clear_says_what_was_checked_never_compliant(graph: Graph, screener: Screener) -> None:
    record = {"id": "p", "mac": "00:1B:A9:00:11:22", "vendor": "Brother", "model": "HL-L2350DW"}
    decision = determine(graph, screener.screen_record(record), record)
    assert decision.code == "no_link"
    assert decision.checked_fields == ("mac", "vendor", "model")
    assert "mac, vendor, model" in decision.summary
    assert "complian" not in decision.summary.lower()


def test_locally_administered_mac_is_called_out(graph: Graph, screener: Screener) -> None:
    record = {"id": "m", "mac": "02:42:AC:11:00:02"}
    decision = determine(graph, screener.screen_record(record), record)
    assert decision.code == "no_link"
    assert any("locally administered" in c for c in decision.checks)


def test_removed_889_listing_or_other_lists_only_is_not_covered(graph: Graph) -> None:
    listing = {"step": "listing", "entity": "hikvision", "list": "ndaa_889", "since": "2019-08-13"}
    removed: dict[str, Any] = {
        "verdict": "restricted",
        "families": ["hikvision"],
        "as_of": "2026-11-25",
        "evidence": [{**listing, "until": "2025-01-01"}],
    }
    assert determine(graph, removed).code == "no_link"
    other = {
        "verdict": "restricted",
        "families": ["uniview"],
        "evidence": [{"step": "listing", "entity": "uniview", "list": "us_entity_list"}],
    }
    decision = determine(graph, other, as_of="2026-11-25")
    assert decision.code == "no_link" and "not named in §889" in decision.summary


# --- rule dates -------------------------------------------------------------------------------


def test_rule_dates_come_from_the_graph_and_cite_known_sources(graph: Graph) -> None:
    dates = {r.rule: r for r in rule_dates(graph)}
    assert dates["NDAA §889 Part A"].date == "2019-08-13"
    assert dates["NDAA §889 Part B"].date == "2020-08-13"
    assert dates["FCC Covered List"].date == "2021-03-12"
    for rule in dates.values():
        assert rule.sources and all(s in graph.sources for s in rule.sources)


def test_part_b_date_matches_the_research() -> None:
    research = yaml.safe_load(
        needs_shared(SHARED / "research" / "lists.yaml").read_text(encoding="utf-8")
    )
    ndaa = next(x for x in research["lists"] if x["id"] == "ndaa_889")
    part_b = next(p for p in ndaa["parts"] if p["id"] == "part_b")
    assert str(part_b["effective"]) == PART_B_DATE
    assert set(PART_B_SOURCES) <= set(part_b["src"])


# --- the command ------------------------------------------------------------------------------


def test_command_writes_html_with_every_determination(tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    result = _run(tmp_path, str(_inventory(tmp_path)), "-o", str(output), "--as-of", "2026-11-25")
    assert result.exit_code == 0, result.output
    html = output.read_text(encoding="utf-8")
    for label in LABELS.values():
        assert label in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "inventory.csv" in html and "2026-11-25" in html
    for date in ("2019-08-13", "2020-08-13", "2021-03-12"):
        assert date in html
    assert "not legal advice" in html
    assert 'href="https://www.fcc.gov/supplychain/coveredlist"' in html
    assert 'id="src-IEEE_OUI"' in html
    assert "locally administered" in html
    assert "labelled &#39;Annke&#39;" in html
    # self-contained: no external stylesheet, script or image
    assert not re.search(r"<(link|script|img)\b", html)
    assert "6 devices: 3 covered, 1 need inquiry, 2 no link found" in result.output


def test_command_writes_json(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    result = _run(tmp_path, str(_inventory(tmp_path)), "-o", str(output))
    assert result.exit_code == 0, result.output
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["counts"] == {"covered": 3, "inquiry": 1, "no_link": 2}
    codes = {d["id"]: d["determination"]["code"] for d in report["devices"]}
    assert codes["cam-4"] == "inquiry" and codes["prn-1"] == "no_link"
    assert report["devices"][0]["hostname"] == "<script>alert('x')</script>"
    assert "IEEE_OUI" in report["citations"]


def test_command_reads_nmap_xml(tmp_path: Path) -> None:
    scan = tmp_path / "scan.xml"
    scan.write_text(NMAP_SCAN, encoding="utf-8")
    output = tmp_path / "scan.json"
    result = _run(tmp_path, str(scan), "-o", str(output))
    assert result.exit_code == 0, result.output
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["devices"][0]["determination"]["code"] == "covered"
    assert report["devices"][0]["ip"] == "192.168.1.64"


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(tmp_path, str(tmp_path / "missing.csv"), "-o", str(tmp_path / "r.html"))
    assert result.exit_code == 2
    assert "missing.csv" in result.output
    assert "Traceback" not in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("colour,size\nred,3\n", encoding="utf-8")
    result = _run(tmp_path, str(bad), "-o", str(tmp_path / "r.html"))
    assert result.exit_code == 2, result.output
    assert "bad.csv" in result.output


def test_render_escapes_every_device_field(graph: Graph) -> None:
    hostile = '"><img src=x onerror=alert(1)>'
    record = {"id": hostile, "hostname": hostile, "vendor": hostile, "model": hostile}
    finding = {"id": hostile, "verdict": "clear", "families": [], "evidence": []}
    html = render_html(build_report(graph, [(record, finding)], inventory=hostile, as_of=TODAY))
    assert "<img" not in html
    assert "&#34;&gt;&lt;img" in html
