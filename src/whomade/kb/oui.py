"""Check the graph's ``oui_registrant`` identifiers against an IEEE registry.

A registrant name is matched exactly (whitespace and case only): the research found look-alike
registrants ("Shanghai Dahua Scale Factory") that a looser match would take for a restricted maker.
A name that matches nothing is a validation problem, except when the identifier says its blocks
sit only in registries the checker does not hold (netaddr ships MA-L and IAB, not MA-M or MA-S).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from whomade.kb.load import Problem
from whomade.kb.model import Identifier


class Registry(Protocol):
    """What the check needs from an IEEE registry (see :class:`whomade.match.mac.OuiRegistry`)."""

    @property
    def registries(self) -> list[str]: ...

    def assignments_of(self, organization: str) -> Sequence[object]: ...


@dataclass(frozen=True)
class RegistrantCheck:
    """How one ``oui_registrant`` identifier fared against the registry."""

    identifier: str
    entity: str
    name: str
    prefixes: int
    checkable: bool
    """False when every registry the identifier names is missing from the registry used."""


@dataclass(frozen=True)
class OuiReport:
    """Every registrant checked, the prefixes they resolve to, and the problems found."""

    checks: tuple[RegistrantCheck, ...]
    problems: tuple[Problem, ...]
    registry_version: str

    @property
    def prefixes(self) -> int:
        return sum(check.prefixes for check in self.checks)

    @property
    def unchecked(self) -> tuple[RegistrantCheck, ...]:
        return tuple(c for c in self.checks if not c.checkable)


def check_registrants(
    identifiers: Iterable[Identifier], registry: Registry, registry_version: str = ""
) -> OuiReport:
    """Resolve each ``oui_registrant`` name to its IEEE assignments; flag names that match none."""
    held = set(registry.registries)
    checks: list[RegistrantCheck] = []
    problems: list[Problem] = []
    for ident in identifiers:
        if ident.kind != "oui_registrant" or not ident.value:
            continue
        found = len(registry.assignments_of(ident.value))
        declared = set(ident.ieee_registries)
        checkable = not declared or bool(declared & held)
        checks.append(RegistrantCheck(ident.id, ident.entity, ident.value, found, checkable))
        if found == 0 and checkable:
            origin = ident.origin
            problems.append(
                Problem(
                    origin.file if origin else "?",
                    origin.line if origin else 0,
                    ident.id,
                    f"IEEE registrant {ident.value!r} matches no assignment in the registry "
                    f"({', '.join(sorted(held)) or 'empty'}); registrant names must be exact",
                )
            )
    return OuiReport(tuple(checks), tuple(problems), registry_version)


def netaddr_registry() -> tuple[Registry, str]:
    """The IEEE registry shipped inside netaddr, with its provenance string."""
    from whomade.match.mac import OuiRegistry

    registry = OuiRegistry.from_netaddr()
    return registry, registry.version
