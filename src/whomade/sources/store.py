"""Database tables of the sources stage: list versions, their entries and names, fetch state, links.

Every import is one :class:`ListVersion` holding a full copy of its entries, so a diff between
two versions is two indexed queries and a pure function. Versions are immutable once written; a
failed import writes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from whomade.db import Base


class ListVersion(Base):
    """One imported release of an official list."""

    __tablename__ = "list_versions"
    __table_args__ = (
        UniqueConstraint("list_id", "file_hash", name="uq_list_version_hash"),
        UniqueConstraint("list_id", "seq", name="uq_list_version_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    """1, 2, 3... per list, in import order; what ``--from``/``--to`` name."""
    format: Mapped[str] = mapped_column(String(64))
    source_url: Mapped[str] = mapped_column(Text)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """Each file of the version: name, sha256, bytes."""
    file_hash: Mapped[str] = mapped_column(String(64))
    entries_digest: Mapped[str] = mapped_column(String(64))
    """Digest of the keyed entry contents: two releases with equal entries share it."""
    retrieved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    entry_count: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
    """False for a damaged file imported with only its whole rows; never chosen as current."""
    uncompared: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ListEntryRow(Base):
    """One entry of one version, as :meth:`ListEntry.to_record` plus its compared content."""

    __tablename__ = "list_entries"
    __table_args__ = (
        UniqueConstraint("version_id", "key", name="uq_list_entry_key"),
        Index("ix_list_entries_version", "version_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    native_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    source: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class ListEntryName(Base):
    """Every name and alias of an entry with its matching form, for screening by name."""

    __tablename__ = "list_entry_names"
    __table_args__ = (
        Index("ix_list_entry_names_norm", "norm"),
        Index("ix_list_entry_names_entry", "version_id", "key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    """``name`` or ``alias``."""
    norm: Mapped[str] = mapped_column(Text)
    """Case-, punctuation-, script-spacing- and legal-form-insensitive form."""


class ListEntryLink(Base):
    """An entry of a version linked to the knowledge-graph entity it names."""

    __tablename__ = "list_entry_links"
    __table_args__ = (
        Index("ix_list_entry_links_entry", "version_id", "key"),
        Index("ix_list_entry_links_entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str] = mapped_column(String(128))
    family: Mapped[str | None] = mapped_column(String(128), nullable=True)
    score: Mapped[float] = mapped_column(Float)
    matched_name: Mapped[str] = mapped_column(Text)
    entity_name: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    graph_version: Mapped[str] = mapped_column(String(128))


class ListFetchState(Base):
    """What the last successful download of a URL returned, for conditional requests."""

    __tablename__ = "list_fetch_state"

    list_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(String(1024), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(512), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[int] = mapped_column(Integer)
