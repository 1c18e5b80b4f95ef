"""Read the graph's YAML data files into the typed model, remembering file and line of each fact.

Loading never raises on bad data: it returns the facts it could build plus a list of
:class:`Problem`, so ``whomade kb validate`` can report every problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from whomade.kb.model import (
    Entity,
    Identifier,
    Listing,
    Origin,
    Product,
    Relation,
    RestrictionList,
    Source,
)

DATA_DIR = Path(__file__).parent / "data"
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_SCALAR_CHARS = 20_000
LINE_KEY = "__line__"

SECTIONS: dict[str, type[BaseModel]] = {
    "sources": Source,
    "entities": Entity,
    "relations": Relation,
    "identifiers": Identifier,
    "lists": RestrictionList,
    "listings": Listing,
    "products": Product,
}

MAX_ALIAS_NODES = 100_000

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _node_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes ``node`` stands for once every alias inside it is expanded (memoised)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_node_size(item, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_node_size(k, sizes) + _node_size(v, sizes) for k, v in node.value)
    sizes[id(node)] = size
    return size


class _LineLoader(_BaseLoader):
    """A safe YAML loader that stores each mapping's 1-based line under ``__line__``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # An alias hands out an already built node again. Each repeat is charged its full size,
        # so a "billion laughs" document stops here instead of expanding for minutes downstream.
        if node in self.constructed_objects:
            sizes: dict[int, int] = self.__dict__.setdefault("_alias_sizes", {})
            spent = self.__dict__.get("_alias_spent", 0) + _node_size(node, sizes)
            self.__dict__["_alias_spent"] = spent
            if spent > MAX_ALIAS_NODES:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} nodes (the node "
                    f"anchored on line {node.start_mark.line + 1} is repeated too often)",
                    node.start_mark,
                )
        return super().construct_object(node, deep=deep)

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        value = super().construct_yaml_str(node)
        if len(value) > MAX_SCALAR_CHARS:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"string of {len(value):,} characters (limit {MAX_SCALAR_CHARS:,})",
                node.start_mark,
            )
        return str(value)


_LineLoader.add_constructor("tag:yaml.org,2002:str", _LineLoader.construct_yaml_str)


@dataclass(frozen=True)
class Problem:
    """Something wrong in the data: where, which fact, what."""

    file: str
    line: int
    fact: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.fact}: {self.message}"


@dataclass
class RawData:
    """Facts by section, as built from the files, plus the problems met on the way."""

    facts: dict[str, list[BaseModel]] = field(default_factory=lambda: {k: [] for k in SECTIONS})
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    shown = _display(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.append(Problem(shown, 0, "(file)", f"cannot read: {exc.strerror}"))
        return None
    if size > MAX_FILE_BYTES:
        with path.open("rb") as handle:
            head = handle.read(MAX_FILE_BYTES)
        line = head.count(b"\n") + 1
        problems.append(
            Problem(
                shown,
                line,
                "(file)",
                f"file of {size:,} bytes (limit {MAX_FILE_BYTES:,}); the limit is passed "
                f"on line {line}",
            )
        )
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(shown, line, "(file)", f"not UTF-8: {exc.reason} at byte {exc.start}")
        )
        return None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except RecursionError:
        problems.append(Problem(shown, 1, "(file)", "malformed YAML: nested too deeply"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        problems.append(Problem(shown, line, "(file)", f"malformed YAML: {reason}"))
    except yaml.YAMLError as exc:
        problems.append(Problem(shown, 0, "(file)", f"malformed YAML: {exc}"))
    return None


def _field_line(item: dict[str, Any], loc: tuple[Any, ...], default: int) -> int:
    node: Any = item
    line = default
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and LINE_KEY in node:
            line = node[LINE_KEY]
    return int(line)


def _build(
    model: type[BaseModel], item: Any, shown: str, index: int, problems: list[Problem]
) -> BaseModel | None:
    if not isinstance(item, dict):
        problems.append(Problem(shown, 0, f"item {index}", "expected a mapping"))
        return None
    line = int(item.get(LINE_KEY, 0))
    fact_id = str(item.get("id") or item.get("name") or f"item {index}")
    try:
        fact = model.model_validate(_strip_lines(item))
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(
                Problem(
                    shown,
                    _field_line(item, tuple(error["loc"]), line),
                    fact_id,
                    f"{where}: {error['msg']}",
                )
            )
        return None
    origin = Origin(file=shown, line=line)
    fact._origin = origin  # type: ignore[attr-defined]
    for sub in _children(fact):
        sub._origin = origin
    return fact


def _children(fact: BaseModel) -> list[Any]:
    if isinstance(fact, Entity):
        return [*fact.names, *fact.facts]
    return []


def load_raw(data_dir: Path | None = None) -> RawData:
    """Every ``*.yaml`` file under ``data_dir`` (default: the shipped data), section by section."""
    folder = data_dir or DATA_DIR
    raw = RawData()
    raw.files = sorted(folder.glob("*.yaml"))
    if not raw.files:
        raw.problems.append(Problem(_display(folder), 0, "(folder)", "no *.yaml data files"))
    for path in raw.files:
        shown = _display(path)
        document = _read_yaml(path, raw.problems)
        if document is None:
            continue
        if not isinstance(document, dict):
            raw.problems.append(Problem(shown, 1, "(file)", "top level must be a mapping"))
            continue
        for section, items in document.items():
            if section == LINE_KEY:
                continue
            model = SECTIONS.get(section)
            if model is None:
                raw.problems.append(
                    Problem(
                        shown,
                        int(document.get(LINE_KEY, 1)),
                        section,
                        f"unknown section (expected one of {', '.join(SECTIONS)})",
                    )
                )
                continue
            if not isinstance(items, list):
                raw.problems.append(Problem(shown, 1, section, "expected a list of facts"))
                continue
            for index, item in enumerate(items):
                fact = _build(model, item, shown, index, raw.problems)
                if fact is not None:
                    raw.facts[section].append(fact)
    return raw
