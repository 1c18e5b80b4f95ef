"""Official restriction lists: importers for each official format, versions in the database,
online update, diffs between versions, and links from list entries to the knowledge graph.

The function other stages call, :func:`entries_naming` (used by ``whomade kb show``), is
importable from here; it is loaded lazily so importing the package stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["entries_naming"]


def __getattr__(name: str) -> Any:
    if name == "entries_naming":
        from whomade.sources.query import entries_naming

        return entries_naming
    raise AttributeError(name)
