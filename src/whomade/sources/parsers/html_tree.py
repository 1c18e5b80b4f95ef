"""A small, forgiving HTML tree (standard library only), enough to read official pages' tables."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from whomade.sources.model import clean_text

_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "source", "col", "area", "base"}
_BLOCK = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table"}
# An open element of these kinds is closed by the start of a sibling of the same kind.
_SELF_CLOSING_SIBLINGS = {"p", "li", "tr", "td", "th", "option"}


@dataclass(eq=False)
class Node:
    """An element: tag, attributes, children (nodes and text), and its parent."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None
    line: int = 0

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        """This node and every descendant element (with ``tag``, when given), in document order."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter(tag)

    def elements(self, tag: str | None = None) -> list[Node]:
        """Direct child elements (with ``tag``, when given)."""
        return [c for c in self.children if isinstance(c, Node) and (tag is None or c.tag == tag)]

    def text(self) -> str:
        """Visible text, block boundaries as spaces, whitespace collapsed."""
        parts: list[str] = []
        self._collect(parts)
        return clean_text("".join(parts))

    def _collect(self, parts: list[str]) -> None:
        if self.tag in ("script", "style"):
            return
        if self.tag in _BLOCK:
            parts.append(" ")
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            else:
                child._collect(parts)
        if self.tag in _BLOCK:
            parts.append(" ")

    def previous_elements(self) -> Iterator[Node]:
        """Preceding sibling elements, nearest first, then those of each ancestor."""
        node: Node | None = self
        while node is not None and node.parent is not None:
            siblings = node.parent.elements()
            index = siblings.index(node)
            yield from reversed(siblings[:index])
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SELF_CLOSING_SIBLINGS:
            self._close_open_sibling(tag)
        node = Node(
            tag,
            {k: v or "" for k, v in attrs},
            parent=self.stack[-1],
            line=self.getpos()[0],
        )
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def _close_open_sibling(self, tag: str) -> None:
        containers = {"table", "tbody", "thead", "tfoot", "ul", "ol", "select", "body", "div"}
        if tag in ("td", "th"):
            containers = containers | {"tr"}
        for index in range(len(self.stack) - 1, 0, -1):
            open_tag = self.stack[index].tag
            if open_tag == tag or (tag in ("td", "th") and open_tag in ("td", "th")):
                del self.stack[index:]
                return
            if open_tag in containers:
                return


def build_tree(text: str) -> Node:
    """The document tree of an HTML page."""
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root


def table_rows(table: Node) -> list[tuple[str, list[Node]]]:
    """(section, cells) of each row of a table; section is ``thead``, ``tbody`` or ``tfoot``."""
    rows = []
    for row in table.iter("tr"):
        section = "tbody"
        parent = row.parent
        while parent is not None and parent is not table:
            if parent.tag in ("thead", "tbody", "tfoot"):
                section = parent.tag
                break
            parent = parent.parent
        cells = [c for c in row.elements() if c.tag in ("td", "th")]
        if all(c.tag == "th" for c in cells) and cells:
            section = "thead"
        rows.append((section, cells))
    return rows
