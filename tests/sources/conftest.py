"""Fixtures for the official-list tests: the real files in ../shared/lists and imported databases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import SHARED
from whomade.db import connect
from whomade.sources.importer import ImportResult, import_path

LISTS = SHARED / "lists"


@pytest.fixture(scope="session")
def lists_dir() -> Path:
    """../shared/lists, or skip when it is absent."""
    if not LISTS.exists():
        pytest.skip(f"{LISTS} is not available (../shared missing)")
    return LISTS


def new_engine(folder: Path) -> Engine:
    """A fresh database in ``folder``."""
    return connect(str(folder / "lists.sqlite"))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return new_engine(tmp_path)


ImportFn = Callable[[str, str], ImportResult]


@pytest.fixture(scope="module")
def module_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """One database shared by a module's tests (imports are the slow part)."""
    return new_engine(tmp_path_factory.mktemp("lists"))


def importer(engine: Engine, lists_dir: Path) -> ImportFn:
    def run(list_id: str, relative: str) -> ImportResult:
        return import_path(engine, list_id, lists_dir / relative)

    return run
