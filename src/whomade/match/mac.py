"""MAC addresses and the IEEE registry of who holds which address block.

A MAC's first 24, 28 or 36 bits name the IEEE registrant of the block (MA-L, MA-M, MA-S/IAB),
which for a device's burned-in address is usually its maker or the maker of its network chip.
Locally administered (often randomised) and multicast addresses carry no such information.

Registrants are matched by exact name only: "Shanghai Dahua Scale Factory" is not Zhejiang
Dahua, and "zte" inside "AZTECH" is not ZTE (shared/research README, rule 1).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import importlib.metadata
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "MacInfo",
    "OuiAssignment",
    "OuiRegistry",
    "normalize_registrant",
    "parse_mac",
]

# Longer than any spelling of a 48-bit MAC with separators and padding; refuse early so that
# a pasted document in a MAC column costs nothing.
_MAX_MAC_TEXT = 64
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_SEPARATORS = frozenset(":-. ")

_COLON_FORM = re.compile(r"[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}")
_DASH_FORM = re.compile(r"[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}")
_SPACE_FORM = re.compile(r"[0-9A-Fa-f]{2}(?: [0-9A-Fa-f]{2}){5}")
# Cisco writes aabb.ccdd.eeff; Huawei and H3C write aabb-ccdd-eeff.
_GROUPS_OF_FOUR = re.compile(r"[0-9A-Fa-f]{4}([.-])[0-9A-Fa-f]{4}\1[0-9A-Fa-f]{4}")
_BARE_FORM = re.compile(r"[0-9A-Fa-f]{12}")

_LOCAL_BIT = 0x02
_GROUP_BIT = 0x01

REASON_LOCAL = (
    "locally administered address (set by software, often randomised): says nothing about the maker"
)
REASON_MULTICAST = (
    "multicast (group) address: not a device's own address, says nothing about the maker"
)
REASON_BROADCAST = "broadcast address: not a device's own address"
REASON_ZERO = "all-zero placeholder address: not a real device address"


@dataclass(frozen=True)
class MacInfo:
    """What a MAC address text is: its canonical form and what it can tell about a maker.

    ``normalized`` is ``AA:BB:CC:DD:EE:FF`` whenever the text has the shape of a 48-bit MAC,
    ``None`` otherwise. ``valid`` is true for a usable device address. ``reason`` is empty for a
    universally administered unicast address and otherwise says, in a sentence, why the address
    cannot be used or says nothing about the maker.
    """

    normalized: str | None
    valid: bool
    locally_administered: bool
    multicast: bool
    reason: str

    @property
    def identifies_maker(self) -> bool:
        """True for a valid, globally unique unicast MAC: only then does its OUI mean something."""
        return self.valid and not self.locally_administered and not self.multicast


def _invalid(reason: str) -> MacInfo:
    return MacInfo(None, False, False, False, reason)


def _explain_malformed(text: str) -> str:
    odd = sorted({c for c in text if c not in _HEX_DIGITS and c not in _SEPARATORS})
    if odd:
        shown = "".join(odd[:8])
        return f"not a MAC address: has characters other than hex digits and separators ({shown!r})"
    digits = sum(1 for c in text if c in _HEX_DIGITS)
    if digits == 16:
        return "16 hex digits: an EUI-64 identifier, not a 48-bit MAC address"
    if digits != 12:
        return f"not a MAC address: {digits} hex digits, a MAC address has 12"
    return "not a MAC address: 12 hex digits but separators in unexpected places"


def parse_mac(text: str) -> MacInfo:
    """Parse a MAC address written in any common form; never raises.

    Accepted: ``aa:bb:cc:dd:ee:ff`` (also single-digit octets as printed by macOS ``arp``),
    ``AA-BB-CC-DD-EE-FF``, ``aa bb cc dd ee ff``, ``aabb.ccdd.eeff``, ``aabb-ccdd-eeff`` and
    ``aabbccddeeff``, in any letter case, with surrounding whitespace. Anything else is returned
    with ``valid=False`` and a reason.
    """
    if not isinstance(text, str):
        return _invalid(f"not text: {type(text).__name__}")
    stripped = text.strip()
    if not stripped:
        return _invalid("empty")
    if len(stripped) > _MAX_MAC_TEXT:
        return _invalid(f"not a MAC address: {len(stripped)} characters is too long")

    if _COLON_FORM.fullmatch(stripped):
        octets = [int(part, 16) for part in stripped.split(":")]
    elif (
        _DASH_FORM.fullmatch(stripped)
        or _SPACE_FORM.fullmatch(stripped)
        or _GROUPS_OF_FOUR.fullmatch(stripped)
        or _BARE_FORM.fullmatch(stripped)
    ):
        digits = "".join(c for c in stripped if c in _HEX_DIGITS)
        octets = [int(digits[i : i + 2], 16) for i in range(0, 12, 2)]
    else:
        return _invalid(_explain_malformed(stripped))
    return _classify(octets)


def _classify(octets: list[int]) -> MacInfo:
    normalized = ":".join(f"{octet:02X}" for octet in octets)
    local = bool(octets[0] & _LOCAL_BIT)
    multicast = bool(octets[0] & _GROUP_BIT)
    if all(octet == 0 for octet in octets):
        return MacInfo(normalized, False, False, False, REASON_ZERO)
    if all(octet == 0xFF for octet in octets):
        return MacInfo(normalized, False, True, True, REASON_BROADCAST)
    if multicast:
        return MacInfo(normalized, True, local, True, REASON_MULTICAST)
    if local:
        return MacInfo(normalized, True, True, False, REASON_LOCAL)
    return MacInfo(normalized, True, False, False, "")


@dataclass(frozen=True)
class OuiAssignment:
    """One IEEE block assignment.

    ``prefix`` is upper-case hex without separators: 6 digits for MA-L, 7 for MA-M, 9 for
    MA-S and IAB. ``organization`` is the registrant name exactly as the IEEE lists it.
    """

    prefix: str
    registry: str
    organization: str
    address: str

    @property
    def bits(self) -> int:
        """Length of the assigned prefix in bits (24, 28 or 36)."""
        return len(self.prefix) * 4


def normalize_registrant(name: str) -> str:
    """The only normalisation registrant names get before comparison: whitespace and case."""
    return " ".join(name.split()).casefold()


# The IEEE lists the MA-L blocks it splits into MA-M/MA-S/IAB assignments under its own name;
# such a row names no maker.
_IEEE_OWN_BLOCK = "ieee registration authority"

_STRIP_SEPARATORS = str.maketrans("", "", ":-. ")
_UPPER_HEX_12 = re.compile(r"[0-9A-F]{12}").fullmatch
# Second hex digit of the first octet of a universally administered unicast MAC.
_UNIVERSAL_UNICAST_NIBBLE = frozenset("048C")


class OuiRegistry:
    """The IEEE MAC address block registry, indexed for longest-prefix lookup.

    Build it with :meth:`from_netaddr` (the IEEE files netaddr ships) or :meth:`from_ieee_csv`
    (the CSV files the IEEE publishes, which also cover MA-M and MA-S).
    """

    def __init__(self, assignments: Iterable[OuiAssignment], version: str) -> None:
        self._version = version
        self._all: list[OuiAssignment] = list(assignments)
        by_prefix: dict[str, list[OuiAssignment]] = defaultdict(list)
        by_name: dict[str, list[OuiAssignment]] = defaultdict(list)
        for assignment in self._all:
            by_prefix[assignment.prefix].append(assignment)
            by_name[normalize_registrant(assignment.organization)].append(assignment)
        self._candidates: dict[str, list[OuiAssignment]] = dict(by_prefix)
        self._by_name: dict[str, list[OuiAssignment]] = dict(by_name)
        # Prefixes of 6, 7 and 9 hex digits never collide, so one dict serves all three lengths.
        # A prefix the IEEE lists under two registrants is left out: lookup cannot pick one.
        self._unique: dict[str, OuiAssignment] = {
            prefix: found[0]
            for prefix, found in by_prefix.items()
            if len(found) == 1 and normalize_registrant(found[0].organization) != _IEEE_OWN_BLOCK
        }
        self._registries = sorted({a.registry for a in self._all})

    @classmethod
    def from_netaddr(cls) -> OuiRegistry:
        """The registry from the IEEE files shipped inside the installed netaddr (cached).

        netaddr ships ``oui.txt`` (MA-L) and ``iab.txt`` (IAB) only, so MA-M and MA-S
        assignments are missing: a MAC in such a block looks up as unknown.
        """
        return _netaddr_registry()

    @classmethod
    def from_ieee_csv(cls, paths: Iterable[str | Path]) -> OuiRegistry:
        """The registry from IEEE CSV files (``oui.csv``, ``mam.csv``, ``oui36.csv``, ``iab.csv``).

        The columns are ``Registry,Assignment,Organization Name,Organization Address`` as the
        IEEE publishes them (and Debian's ``ieee-data`` package installs them).
        """
        assignments: list[OuiAssignment] = []
        digests: list[str] = []
        for path in map(Path, paths):
            raw = path.read_bytes()
            digests.append(f"{path.name} sha256:{hashlib.sha256(raw).hexdigest()[:16]}")
            assignments.extend(_parse_ieee_csv(raw.decode("utf-8-sig"), path))
        return cls(assignments, "IEEE CSV " + "; ".join(digests))

    def lookup(self, mac: str) -> OuiAssignment | None:
        """The registrant of the longest assigned prefix of ``mac`` (36, then 28, then 24 bits).

        ``None`` when the text is not a MAC, when the MAC is locally administered or multicast
        (it says nothing about the maker), when no assignment covers it, when the IEEE lists the
        prefix under more than one registrant, or when only the IEEE's own umbrella block covers
        it (a MA-M/MA-S sub-assignment the registry does not hold).
        """
        key = mac.translate(_STRIP_SEPARATORS).upper()
        if len(key) != 12:
            info = parse_mac(mac)
            if info.normalized is None:
                return None
            key = info.normalized.replace(":", "")
        if not _UPPER_HEX_12(key) or key[1] not in _UNIVERSAL_UNICAST_NIBBLE:
            return None
        get = self._unique.get
        return get(key[:9]) or get(key[:7]) or get(key[:6])

    def candidates(self, prefix: str) -> list[OuiAssignment]:
        """Every assignment listed for exactly this hex prefix (the IEEE lists a few twice)."""
        return list(self._candidates.get(prefix.translate(_STRIP_SEPARATORS).upper(), ()))

    def assignments_of(self, organization: str) -> list[OuiAssignment]:
        """All assignments whose registrant name equals ``organization``.

        Only whitespace and letter case are normalised; there is no substring or fuzzy match,
        so "Zhejiang Dahua Technology Co., Ltd." and "Zhejiang Dahua Technology Co.,Ltd." are
        different registrant names.
        """
        return list(self._by_name.get(normalize_registrant(organization), ()))

    @property
    def version(self) -> str:
        """Where the data came from: package version and file digests, for provenance."""
        return self._version

    @property
    def registries(self) -> list[str]:
        """The registries present, e.g. ``["IAB", "MA-L"]`` for netaddr's files."""
        return list(self._registries)

    def __len__(self) -> int:
        return len(self._all)

    def __iter__(self) -> Iterator[OuiAssignment]:
        return iter(self._all)


# ---- netaddr's text files -------------------------------------------------------------------

# "10E992     (base 16)\t\tINGRAM MICRO SERVICES" followed by address lines indented with tabs.
_OUI_TXT_RECORD = re.compile(
    r"^([0-9A-F]{6})[ \t]+\(base 16\)[ \t]*([^\r\n]*?)[ \t]*\r?\n((?:[ \t]+[^\r\n]*\r?\n)*)",
    re.MULTILINE,
)
# "00-50-C2  (hex)  RF Code" then "F71000-F71FFF  (base 16)  RF Code": the IAB is the OUI plus
# the first three hex digits of the range.
_IAB_TXT_RECORD = re.compile(
    r"^([0-9A-F]{2})-([0-9A-F]{2})-([0-9A-F]{2})[ \t]+\(hex\)[^\r\n]*\r?\n"
    r"([0-9A-F]{3})[0-9A-F]{3}-[0-9A-F]{6}[ \t]+\(base 16\)[ \t]*([^\r\n]*?)[ \t]*\r?\n"
    r"((?:[ \t]+[^\r\n]*\r?\n)*)",
    re.MULTILINE,
)


def _address(block: str) -> str:
    return ", ".join(" ".join(line.split()) for line in block.splitlines() if line.strip())


def parse_oui_txt(text: str) -> list[OuiAssignment]:
    """MA-L assignments from the IEEE ``oui.txt`` layout."""
    return [
        OuiAssignment(prefix, "MA-L", org, _address(address))
        for prefix, org, address in _OUI_TXT_RECORD.findall(text)
    ]


def parse_iab_txt(text: str) -> list[OuiAssignment]:
    """IAB (36-bit) assignments from the IEEE ``iab.txt`` layout."""
    return [
        OuiAssignment(a + b + c + sub, "IAB", org, _address(address))
        for a, b, c, sub, org, address in _IAB_TXT_RECORD.findall(text)
    ]


@functools.cache
def _netaddr_registry() -> OuiRegistry:
    package = resources.files("netaddr.eui")
    assignments: list[OuiAssignment] = []
    parts = [f"netaddr {importlib.metadata.version('netaddr')}"]
    for name, parse in (("oui.txt", parse_oui_txt), ("iab.txt", parse_iab_txt)):
        resource = package / name
        if not resource.is_file():
            continue
        raw = resource.read_bytes()
        found = parse(raw.decode("utf-8", errors="replace"))
        assignments.extend(found)
        digest = hashlib.sha256(raw).hexdigest()[:16]
        parts.append(f"{name} sha256:{digest} ({len(found)} assignments)")
    return OuiRegistry(assignments, "; ".join(parts))


# ---- IEEE CSV files -------------------------------------------------------------------------

_CSV_PREFIX_LENGTH = {"MA-L": 6, "MA-M": 7, "MA-S": 9, "IAB": 9}


def _parse_ieee_csv(text: str, path: Path) -> list[OuiAssignment]:
    rows: list[OuiAssignment] = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for line_number, row in enumerate(reader, start=2):
        registry, prefix = _csv_field(row, "Registry"), _csv_field(row, "Assignment").upper()
        expected = _CSV_PREFIX_LENGTH.get(registry)
        if expected is None or len(prefix) != expected or not re.fullmatch(r"[0-9A-F]+", prefix):
            raise ValueError(
                f"{path}:{line_number}: not an IEEE registry row "
                f"(Registry={registry!r}, Assignment={prefix!r})"
            )
        rows.append(
            OuiAssignment(
                prefix,
                registry,
                " ".join(_csv_field(row, "Organization Name").split()),
                " ".join(_csv_field(row, "Organization Address").split()),
            )
        )
    return rows


def _csv_field(row: Mapping[str, str | None], name: str) -> str:
    return (row.get(name) or "").strip()
