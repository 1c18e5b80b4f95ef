"""Checks that keep the graph honest: every fact sourced, every reference resolvable, every regex
safe and tested, every date window in order, every id unique."""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from whomade.kb.load import Problem, RawData
from whomade.kb.model import (
    Entity,
    Fact,
    Identifier,
    Listing,
    Product,
    Relation,
    RestrictionList,
    Source,
    parse_partial_date,
)

# The stdlib regex parser: public as sre_parse before 3.11, re._parser since.
sre_parse: Any = importlib.import_module("re._parser")

_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}
_UNBOUNDED = sre_parse.MAXREPEAT


def _where(fact: BaseModel) -> tuple[str, int]:
    origin = getattr(fact, "origin", None)
    return (origin.file, origin.line) if origin else ("?", 0)


def _problem(fact: BaseModel, fact_id: str, message: str) -> Problem:
    file, line = _where(fact)
    return Problem(file, line, fact_id, message)


def _is_unbounded(high: int) -> bool:
    return bool(high == _UNBOUNDED or high > 16)


def _charset(items: Any) -> set[int] | None:
    """The code points a one-item body can match, or None when it is not a simple class."""
    items = list(items)
    if len(items) != 1:
        return None
    op, arg = items[0]
    name = str(op)
    if name == "LITERAL":
        return {arg}
    if name == "IN":
        chars: set[int] = set()
        for sub_op, sub_arg in arg:
            sub_name = str(sub_op)
            if sub_name == "LITERAL":
                chars.add(sub_arg)
            elif sub_name == "RANGE":
                chars.update(range(sub_arg[0], sub_arg[1] + 1))
            else:  # categories (\\d, \\w...) and negations: too wide to reason about
                return None
        return chars
    return None


def _inner_repeat_sets(items: Any) -> list[set[int] | None]:
    found: list[set[int] | None] = []
    for op, arg in items:
        name = str(op)
        if name in _REPEATS:
            _low, high, sub = arg
            if _is_unbounded(high):
                found.append(_charset(sub))
            found.extend(_inner_repeat_sets(sub))
        elif name == "SUBPATTERN":
            found.extend(_inner_repeat_sets(arg[-1]))
        elif name == "BRANCH":
            for branch in arg[1]:
                found.extend(_inner_repeat_sets(branch))
    return found


def _first_literal(items: Any) -> int | None:
    items = list(items)
    if not items:
        return None
    op, arg = items[0]
    if str(op) == "LITERAL":
        return int(arg)
    if str(op) == "SUBPATTERN":
        return _first_literal(arg[-1])
    return None


def _nested_repeat(items: Any) -> bool:
    """True when an unbounded repeat holds another unbounded repeat that can eat its separator.

    ``(?:-[0-9A-Z]+)*`` is safe: every turn starts with ``-``, which the inner class cannot
    match, so there is one way to split the text. ``(a+)+`` and ``(\\w+\\s?)*`` are not.
    """
    for op, arg in items:
        name = str(op)
        if name in _REPEATS:
            _low, high, sub = arg
            if _is_unbounded(high):
                inner = _inner_repeat_sets(sub)
                if inner:
                    first = _first_literal(sub)
                    if first is None or any(s is None or first in s for s in inner):
                        return True
            if _nested_repeat(sub):
                return True
        elif name == "SUBPATTERN":
            if _nested_repeat(arg[-1]):
                return True
        elif name == "BRANCH":
            if any(_nested_repeat(branch) for branch in arg[1]):
                return True
    return False


def _first_chars(items: Any) -> set[int] | None:
    """The (case-folded) code points a sequence must start with; None when unknown or empty."""
    items = list(items)
    if not items:
        return None
    op, arg = items[0]
    name = str(op)
    if name == "SUBPATTERN":
        return _first_chars(arg[-1])
    if name in _REPEATS:
        return _first_chars(arg[2]) if arg[0] > 0 else None
    chars = _charset([items[0]])
    if chars is None:
        return None
    return {ord(chr(c).casefold()[0]) for c in chars}


def _ambiguous_alternation(items: Any, repeated: bool = False) -> bool:
    """True when an unbounded repeat holds alternatives that can start the same way.

    ``(a|aa)+`` (parsed as ``a(?:|a)``) and ``(ab|ac|a)*`` can split a long run in exponentially
    many ways before failing; ``(?:DS|DH)-\\d+`` and ``(ab|cd)+`` cannot.
    """
    for op, arg in items:
        name = str(op)
        if name in _REPEATS:
            if _ambiguous_alternation(arg[2], repeated or _is_unbounded(arg[1])):
                return True
        elif name == "SUBPATTERN":
            if _ambiguous_alternation(arg[-1], repeated):
                return True
        elif name == "BRANCH":
            if repeated:
                seen: set[int] = set()
                for branch in arg[1]:
                    first = _first_chars(branch)
                    if first is None or first & seen:
                        return True
                    seen |= first
            if any(_ambiguous_alternation(branch, repeated) for branch in arg[1]):
                return True
    return False


def regex_problem(pattern: str) -> str | None:
    """Why a pattern must not be used (invalid, or catastrophic backtracking), or None."""
    try:
        re.compile(pattern, re.IGNORECASE)
        parsed = sre_parse.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        return f"invalid regex: {exc}"
    except RecursionError:
        return "invalid regex: nested too deeply"
    if _nested_repeat(list(parsed)):
        return "catastrophic regex: a repeated group contains another unbounded repeat"
    if _ambiguous_alternation(list(parsed)):
        return "catastrophic regex: a repeated group has alternatives that can match alike"
    return None


def _check_sources(raw: RawData) -> Iterator[Problem]:
    for source in raw.facts["sources"]:
        assert isinstance(source, Source)
        if not (source.url or source.document):
            yield _problem(source, source.id, "source has neither url nor document")


def _known_source_ids(raw: RawData) -> set[str]:
    return {s.id for s in raw.facts["sources"] if isinstance(s, Source)}


def _fact_label(fact: BaseModel) -> str:
    for attr in ("id", "name"):
        value = getattr(fact, attr, None)
        if isinstance(value, str):
            return value
    return type(fact).__name__


def _check_citations(raw: RawData) -> Iterator[Problem]:
    known = _known_source_ids(raw)
    for section, facts in raw.facts.items():
        if section == "sources":
            continue
        for fact in facts:
            for sub in _cited_facts(fact):
                label = _fact_label(sub) if sub is not fact else _fact_label(fact)
                if sub is not fact:
                    label = f"{_fact_label(fact)} / {label}"
                cited = sub.cited()
                if not cited:
                    yield _problem(fact, label, "fact has no source")
                for source_id in cited:
                    if source_id not in known:
                        yield _problem(fact, label, f"cites unknown source {source_id!r}")
            if isinstance(fact, RestrictionList):
                for context, meaning in fact.meanings.items():
                    for source_id in meaning.sources:
                        if source_id not in known:
                            yield _problem(
                                fact,
                                f"{fact.id} / {context}",
                                f"cites unknown source {source_id!r}",
                            )


def _cited_facts(fact: BaseModel) -> list[Fact]:
    subs: list[Fact] = [fact] if isinstance(fact, Fact) else []
    if isinstance(fact, Entity):
        subs.extend(fact.names)
        subs.extend(fact.facts)
    return subs


def _check_ids(raw: RawData) -> Iterator[Problem]:
    for section, facts in raw.facts.items():
        counts = Counter(getattr(f, "id", None) for f in facts)
        seen: set[str] = set()
        for fact in facts:
            fact_id = getattr(fact, "id", None)
            if fact_id is None or counts[fact_id] < 2:
                continue
            if fact_id in seen:
                yield _problem(fact, fact_id, f"duplicate id in {section}")
            seen.add(fact_id)


def _check_references(raw: RawData) -> Iterator[Problem]:
    entities = {e.id for e in raw.facts["entities"] if isinstance(e, Entity)}
    lists = {x.id for x in raw.facts["lists"] if isinstance(x, RestrictionList)}
    for rel in raw.facts["relations"]:
        assert isinstance(rel, Relation)
        for role, ref in (("subject", rel.subject), ("object", rel.object)):
            if ref not in entities:
                yield _problem(rel, rel.id, f"{role} {ref!r} is not an entity")
        for other in rel.disagrees_with:
            if other not in {r.id for r in raw.facts["relations"] if isinstance(r, Relation)}:
                yield _problem(rel, rel.id, f"disagrees_with {other!r} is not a relation")
    for ident in raw.facts["identifiers"]:
        assert isinstance(ident, Identifier)
        if ident.entity not in entities:
            yield _problem(ident, ident.id, f"entity {ident.entity!r} is not an entity")
    for product in raw.facts["products"]:
        assert isinstance(product, Product)
        if product.entity not in entities:
            yield _problem(product, product.id, f"entity {product.entity!r} is not an entity")
    for listing in raw.facts["listings"]:
        assert isinstance(listing, Listing)
        if listing.entity not in entities:
            yield _problem(listing, listing.id, f"entity {listing.entity!r} is not an entity")
        if listing.list not in lists:
            yield _problem(listing, listing.id, f"list {listing.list!r} is not a restriction list")


def _check_dates(raw: RawData) -> Iterator[Problem]:
    for section in ("relations", "entities"):
        for fact in raw.facts[section]:
            windows: list[tuple[str, Any]] = []
            if isinstance(fact, Relation):
                windows.append((fact.id, fact))
            if isinstance(fact, Entity):
                windows.extend((f"{fact.id} / {n.name}", n) for n in fact.names)
            for label, dated in windows:
                try:
                    start, end = dated.window()
                except ValueError as exc:
                    yield _problem(fact, label, str(exc))
                    continue
                if start and end and end < start:
                    yield _problem(
                        fact,
                        label,
                        f"valid_to {dated.valid_to} is before valid_from {dated.valid_from}",
                    )
    for product in raw.facts["products"]:
        assert isinstance(product, Product)
        try:
            parse_partial_date(product.released)
        except ValueError as exc:
            yield _problem(product, product.id, str(exc))
    for listing in raw.facts["listings"]:
        assert isinstance(listing, Listing)
        try:
            added = parse_partial_date(listing.added)[0] if listing.added else None
            removed = parse_partial_date(listing.removed)[0] if listing.removed else None
        except ValueError as exc:
            yield _problem(listing, listing.id, str(exc))
            continue
        if added and removed and removed < added:
            yield _problem(
                listing, listing.id, f"removed {listing.removed} is before added {listing.added}"
            )


def _check_identifiers(raw: RawData) -> Iterator[Problem]:
    for ident in raw.facts["identifiers"]:
        assert isinstance(ident, Identifier)
        if ident.kind in ("model_pattern", "banner"):
            if not ident.pattern:
                yield _problem(ident, ident.id, f"a {ident.kind} needs a pattern")
                continue
            reason = regex_problem(ident.pattern)
            if reason:
                yield _problem(ident, ident.id, reason)
                continue
            compiled = re.compile(ident.pattern, re.IGNORECASE)
            if not ident.examples:
                yield _problem(ident, ident.id, "a pattern needs at least one example")
            for example in ident.examples:
                if not compiled.search(example):
                    yield _problem(ident, ident.id, f"example {example!r} does not match")
            for counter in ident.must_not_match:
                if compiled.search(counter):
                    yield _problem(ident, ident.id, f"must_not_match {counter!r} matches")
        elif not ident.value:
            yield _problem(ident, ident.id, f"a {ident.kind} needs a value")


CHECKS = (
    _check_sources,
    _check_citations,
    _check_ids,
    _check_references,
    _check_dates,
    _check_identifiers,
)


def validate(raw: RawData) -> list[Problem]:
    """Every problem in the loaded data, including those met while loading."""
    problems = list(raw.problems)
    for check in CHECKS:
        problems.extend(check(raw))
    return problems
