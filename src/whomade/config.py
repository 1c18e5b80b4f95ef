"""Where whomade keeps its database: ``--db PATH``, else ``$WHOMADE_DB``, else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_DB = "WHOMADE_DB"


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("whomade", appauthor=False)) / "whomade.sqlite"


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> str:
    """The database to use (a file path or a SQLAlchemy URL); ``--db`` wins over the environment."""
    if cli_value:
        return str(cli_value)
    env = os.environ.get(ENV_DB)
    if env:
        return env
    return str(default_db_path())


def db_url(location: str | os.PathLike[str]) -> str:
    """A SQLAlchemy URL for a path, or the value itself when it already is a URL (PostgreSQL)."""
    text = str(location)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text)}"
