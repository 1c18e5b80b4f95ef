"""Database tables of the API: hashed API keys and the functions that manage them, and screening
jobs with the findings they have produced so far."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from whomade.api.keys import SCOPES, hash_key, key_hint, new_key
from whomade.db import Base


class ApiKey(Base):
    """One API key: only its SHA-256 is kept, the key itself is shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    hint: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)


@dataclass(frozen=True)
class KeyInfo:
    """What the API needs to know about the caller: never the key itself."""

    name: str
    scope: str
    hint: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ApiKeyError(ValueError):
    """A key operation that cannot be done (duplicate name, unknown scope, unknown key)."""


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.name, row.scope, row.hint, row.created_at, row.revoked_at)


def create_key(engine: Engine, name: str, scope: str = "screen") -> str:
    """Store a new key named ``name`` and return it (the only time it is ever visible)."""
    if scope not in SCOPES:
        raise ApiKeyError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")
    if not name.strip():
        raise ApiKeyError("a key needs a non-empty name")
    key = new_key()
    with Session(engine) as session, session.begin():
        if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
            raise ApiKeyError(f"a key named {name!r} already exists")
        session.add(
            ApiKey(
                name=name,
                key_hash=hash_key(key),
                hint=key_hint(key),
                scope=scope,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return key


def list_keys(engine: Engine) -> list[KeyInfo]:
    """Every key, revoked ones included, oldest first."""
    with Session(engine) as session:
        return [_info(row) for row in session.scalars(select(ApiKey).order_by(ApiKey.id))]


def revoke_key(engine: Engine, name: str) -> None:
    """Revoke the key named ``name``: a running API refuses it within its key cache window
    (``ApiSettings.key_cache_seconds``, 5 s by default), new servers at once."""
    with Session(engine) as session, session.begin():
        row = session.scalar(select(ApiKey).where(ApiKey.name == name))
        if row is None:
            raise ApiKeyError(f"no key named {name!r}")
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)


def check_key(engine: Engine, key: str) -> KeyInfo | None:
    """The live (not revoked) key matching ``key``, or ``None``."""
    with Session(engine) as session:
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
        if row is None or row.revoked_at is not None:
            return None
        return _info(row)


class ApiJob(Base):
    """A file uploaded for screening in the background; its state survives restarts."""

    __tablename__ = "api_jobs"
    __table_args__ = (Index("ix_api_jobs_status", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    context: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(Text)
    """The name the client uploaded the file as: what error messages name."""
    upload_path: Mapped[str] = mapped_column(Text)
    mapping: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    status: Mapped[str] = mapped_column(String(16))
    """queued, running, done or failed."""
    records_done: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    verdicts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    row_errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The first row errors (file, line, reason, field), for the status answer."""
    error: Mapped[str | None] = mapped_column(Text, default=None)
    owner: Mapped[str | None] = mapped_column(String(200), default=None)
    """``host:pid:started:token`` of the worker running it, to tell live jobs from orphans."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class ApiJobFinding(Base):
    """One finding of a job, stored as soon as it is produced; ``seq`` is the record's 0-based
    position among the file's readable records, so a resumed job skips exactly what is stored."""

    __tablename__ = "api_job_findings"

    job_id: Mapped[str] = mapped_column(
        ForeignKey("api_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(16))
    finding: Mapped[str] = mapped_column(Text)
    """The finding as JSON text, exactly as the CLI writes it."""
