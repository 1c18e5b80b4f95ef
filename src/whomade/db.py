"""One database layer for every stage: SQLite by default, any SQLAlchemy URL (PostgreSQL) works.

Each stage declares its tables on :class:`Base` in its own ``store`` module; :func:`connect`
imports them all so ``create_all`` sees the whole schema.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from whomade.config import db_url, resolve_db_path

STORE_MODULES = (
    "whomade.kb.store",
    "whomade.sources.store",
    "whomade.screen.store",
    "whomade.api.store",
)


class Base(DeclarativeBase):
    """Declarative base shared by every table of whomade."""


def _load_store_modules() -> None:
    for name in STORE_MODULES:
        importlib.import_module(name)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def connect(path: str | None = None) -> Engine:
    """An engine for the database at ``path`` (see :mod:`whomade.config`), schema created."""
    return _engine(db_url(resolve_db_path(path)))


@cache
def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    _load_store_modules()
    Base.metadata.create_all(engine)
    return engine


def session_factory(path: str | None = None) -> sessionmaker[Any]:
    return sessionmaker(bind=connect(path), future=True, expire_on_commit=False)
