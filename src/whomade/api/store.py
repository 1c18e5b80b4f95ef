"""Database tables of the API: hashed API keys, and the functions that manage them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import DateTime, Engine, String, select
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
    """Revoke the key named ``name``; it stops working at once."""
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
