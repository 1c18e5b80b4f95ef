"""MAC parsing and the IEEE registry: forms, traps, longest prefix, agreement with research data."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from whomade.match.mac import (
    MacInfo,
    OuiAssignment,
    OuiRegistry,
    parse_mac,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
RESEARCH_OUIS = SHARED / "research" / "oui_prefixes.csv"
DEVICES = SHARED / "eval" / "devices_dev.jsonl"

HIKVISION = "Hangzhou Hikvision Digital Technology Co.,Ltd."
DAHUA = "Zhejiang Dahua Technology Co., Ltd."


@pytest.fixture(scope="module")
def registry() -> OuiRegistry:
    return OuiRegistry.from_netaddr()


# ---- parse_mac ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "44:19:b6:3a:10:0c",
        "44:19:B6:3A:10:0C",
        "44-19-B6-3A-10-0C",
        "44 19 b6 3a 10 0c",
        "4419.b63a.100c",
        "4419-b63a-100c",
        "4419B63A100C",
        "  44:19:B6:3A:10:0C\n",
    ],
)
def test_parse_mac_accepts_common_forms(text: str) -> None:
    info = parse_mac(text)
    assert info == MacInfo("44:19:B6:3A:10:0C", True, False, False, "")
    assert info.identifies_maker


def test_parse_mac_accepts_single_digit_octets_as_arp_prints_them() -> None:
    assert parse_mac("0:1b:2c:3:4:5").normalized == "00:1B:2C:03:04:05"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("unknown", "characters other than hex digits"),
        ("44:19:B6:3A:10", "10 hex digits"),
        ("44:19:B6:3A:10:0C:11", "14 hex digits"),
        ("44:19:B6:3A:10:0G", "characters other than hex digits"),
        ("44:19-B6:3A-10:0C", "separators in unexpected places"),
        ("4419B6:3A100C", "separators in unexpected places"),
        ("44:19:B6:FF:FE:3A:10:0C", "EUI-64"),
        ("44:19:B6:3A:10:0C" * 10, "too long"),
        ("44:19:B6:3A:10:0C;DROP TABLE", "characters other than hex digits"),
        ("٤٤:١٩:B6:3A:10:0C", "characters other than hex digits"),
    ],
)
def test_parse_mac_rejects_garbage_with_a_reason(text: str, reason: str) -> None:
    info = parse_mac(text)
    assert not info.valid
    assert info.normalized is None
    assert reason in info.reason


def test_locally_administered_says_nothing_about_the_maker() -> None:
    # iOS/Android/Windows private addresses set the local bit (second hex digit 2, 6, A or E).
    for text in ("DA:A1:19:5C:3B:02", "02:00:00:00:00:01", "F6:7C:1B:00:00:00"):
        info = parse_mac(text)
        assert info.valid and info.locally_administered and not info.multicast
        assert not info.identifies_maker
        assert "says nothing about the maker" in info.reason


def test_multicast_broadcast_and_zero() -> None:
    multicast = parse_mac("01:00:5E:00:00:FB")
    assert multicast.valid and multicast.multicast and not multicast.identifies_maker
    assert "multicast" in multicast.reason
    broadcast = parse_mac("FF:FF:FF:FF:FF:FF")
    assert not broadcast.valid and "broadcast" in broadcast.reason
    zero = parse_mac("00:00:00:00:00:00")
    assert not zero.valid and zero.normalized == "00:00:00:00:00:00"


@given(st.text())
def test_parse_mac_never_raises(text: str) -> None:
    info = parse_mac(text)
    assert isinstance(info, MacInfo)
    if info.normalized is None:
        assert not info.valid and info.reason
    if info.valid:
        assert info.normalized is not None


@given(st.binary(min_size=6, max_size=6), st.sampled_from(["colon", "dash", "cisco", "bare"]))
def test_every_48_bit_value_round_trips_in_every_form(raw: bytes, form: str) -> None:
    digits = raw.hex()
    text = {
        "colon": ":".join(digits[i : i + 2] for i in range(0, 12, 2)),
        "dash": "-".join(digits[i : i + 2] for i in range(0, 12, 2)).upper(),
        "cisco": ".".join(digits[i : i + 4] for i in range(0, 12, 4)),
        "bare": digits,
    }[form]
    info = parse_mac(text)
    assert info.normalized == ":".join(f"{b:02X}" for b in raw)
    assert info.locally_administered == bool(raw[0] & 2)
    assert info.multicast == bool(raw[0] & 1)


@given(st.text())
def test_lookup_never_raises(text: str) -> None:
    registry = OuiRegistry.from_netaddr()
    result = registry.lookup(text)
    assert result is None or isinstance(result, OuiAssignment)


# ---- registry -------------------------------------------------------------------------------


def test_registry_is_loaded_once(registry: OuiRegistry) -> None:
    assert OuiRegistry.from_netaddr() is registry
    assert len(registry) > 35_000
    assert registry.registries == ["IAB", "MA-L"]
    assert registry.version.startswith("netaddr ")
    assert "oui.txt sha256:" in registry.version


@pytest.mark.parametrize(
    ("mac", "organization"),
    [
        ("44:19:B6:3A:10:0C", HIKVISION),
        ("4419.b6ff.0001", HIKVISION),
        ("08:ED:ED:5C:11:A2", DAHUA),
        ("08eded000000", DAHUA),
        ("00:D0:D0:C3:DB:E4", "ZHONGXING TELECOM LTD."),
    ],
)
def test_lookup_known_prefixes(registry: OuiRegistry, mac: str, organization: str) -> None:
    found = registry.lookup(mac)
    assert found is not None
    assert found.organization == organization
    assert found.registry == "MA-L"
    assert found.bits == 24


def test_lookup_prefers_the_longest_prefix(registry: OuiRegistry) -> None:
    # 00-50-C2 is an IEEE umbrella block; F71 inside it is the IAB of RF Code.
    found = registry.lookup("00:50:C2:F7:10:01")
    assert found is not None
    assert (found.prefix, found.registry, found.organization) == ("0050C2F71", "IAB", "RF Code")
    assert found.bits == 36


def test_umbrella_blocks_and_duplicates_name_no_maker(registry: OuiRegistry) -> None:
    assert registry.candidates("0050C2")[0].organization.casefold().startswith("ieee registration")
    # An IAB slot not in the file must not fall back to the IEEE's own umbrella row.
    assert registry.candidates("0050C204D") == []
    assert registry.lookup("00:50:C2:04:D0:01") is None
    # The IEEE lists 08-00-30 under three registrants: no single answer.
    assert len(registry.candidates("08:00:30")) == 3
    assert registry.lookup("08:00:30:00:00:01") is None


def test_local_and_multicast_addresses_look_up_as_nothing(registry: OuiRegistry) -> None:
    # AA-00-04 is a real (DEC) assignment, but an address with the local bit says nothing.
    assert registry.candidates("AA0004")
    assert registry.lookup("AA:00:04:00:0A:04") is None
    assert registry.lookup("45:19:B6:3A:10:0C") is None  # Hikvision's OUI with the group bit
    assert registry.lookup("46:19:B6:3A:10:0C") is None  # ... and with the local bit
    assert registry.lookup("not a mac") is None
    assert registry.lookup("44:19:B6:ZZ:ZZ:ZZ") is None


def test_assignments_of_is_exact_never_substring(registry: OuiRegistry) -> None:
    dahua = registry.assignments_of(DAHUA)
    assert "08EDED" in {a.prefix for a in dahua}
    assert all(a.organization == DAHUA for a in dahua)
    # Whitespace and case only:
    assert registry.assignments_of("  zhejiang   DAHUA technology co., ltd. ") == dahua
    # Different registrant strings are different registrants.
    assert registry.assignments_of("Zhejiang Dahua") == []
    assert registry.assignments_of("Dahua") == []
    assert registry.assignments_of("Zhejiang Dahua Technology Co.,Ltd.") == []
    assert registry.assignments_of("Shanghai Dahua Scale Factory") == []

    zte = registry.assignments_of("zte corporation")
    assert len(zte) > 250
    assert all(a.organization == "zte corporation" for a in zte)
    assert registry.assignments_of("zte") == []
    aztech = registry.assignments_of("Aztech Electronics Pte Ltd")
    assert aztech and not {a.prefix for a in aztech} & {a.prefix for a in zte}


def test_ieee_csv_adds_ma_m_and_ma_s(tmp_path: Path) -> None:
    oui = tmp_path / "oui.csv"
    oui.write_text(
        "Registry,Assignment,Organization Name,Organization Address\n"
        'MA-L,B0B353,IEEE Registration Authority,"445 Hoes Lane Piscataway NJ US 08854"\n'
        'MA-L,4419B6,"Hangzhou Hikvision Digital Technology Co.,Ltd.","No.469,Jianghui Road"\n',
        encoding="utf-8",
    )
    mam = tmp_path / "mam.csv"
    mam.write_text(
        "Registry,Assignment,Organization Name,Organization Address\n"
        'MA-M,B0B3536,"Hangzhou Hikrobot Technology Co., Ltd.","Hangzhou Zhejiang CN"\n',
        encoding="utf-8",
    )
    registry = OuiRegistry.from_ieee_csv([oui, mam])
    found = registry.lookup("B0:B3:53:6A:00:01")
    assert found is not None and found.registry == "MA-M" and found.bits == 28
    assert found.organization == "Hangzhou Hikrobot Technology Co., Ltd."
    assert registry.lookup("B0:B3:53:7A:00:01") is None  # only the IEEE umbrella covers it
    assert registry.lookup("44:19:B6:00:00:01") is not None
    assert "mam.csv sha256:" in registry.version


def test_ieee_csv_rejects_other_files_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "oui.csv"
    bad.write_text("Registry,Assignment\nMA-L,4419B6\nMA-X,12\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"oui\.csv:3: not an IEEE registry row"):
        OuiRegistry.from_ieee_csv([bad])


# ---- agreement with the research data (Debian ieee-data 2022-08) ------------------------------


@pytest.mark.skipif(not RESEARCH_OUIS.exists(), reason="../shared/research is absent")
def test_netaddr_covers_every_researched_assignment_it_has_a_registry_for(
    registry: OuiRegistry,
) -> None:
    expected: dict[tuple[str, str], set[str]] = defaultdict(set)
    with RESEARCH_OUIS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            expected[(row["organization_name_as_registered"], row["registry"])].add(
                row["assignment_hex"]
            )
    shipped = set(registry.registries)
    missing_registry: set[str] = set()
    for (organization, kind), prefixes in expected.items():
        have = {a.prefix for a in registry.assignments_of(organization) if a.registry == kind}
        if kind in shipped:
            assert prefixes <= have, (organization, kind, sorted(prefixes - have))
        else:
            assert not have
            missing_registry |= prefixes
    # netaddr ships no MA-M/MA-S files; these researched blocks are the known gap.
    assert missing_registry == {
        "B0B3536",  # Hikrobot, MA-M
        "14AE853",  # iFlytek, MA-M
        "D0C857D",  # iFlytek, MA-M
        "AC64DD5",  # Shanghai ZTE Technologies, MA-M
        "AC1DDF6",  # SenseTime (Shenzhen), MA-M
        "70B3D50AE",  # Norsat, MA-S
    }


@pytest.mark.skipif(not DEVICES.exists(), reason="../shared/eval is absent")
def test_every_mac_in_the_device_eval_set_parses_or_is_explained(registry: OuiRegistry) -> None:
    seen = found = 0
    with DEVICES.open(encoding="utf-8") as handle:
        for line in handle:
            mac = json.loads(line).get("mac", "")
            if not mac:
                continue
            seen += 1
            info = parse_mac(mac)
            assert info.valid or info.reason
            if info.identifies_maker:
                found += registry.lookup(mac) is not None
    assert seen > 0 and found > 0
