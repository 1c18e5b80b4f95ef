"""Fixtures for the knowledge-graph tests: the real graph, a CLI runner, a copy of the data."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from whomade.kb import DATA_DIR, Graph, load_graph


@pytest.fixture(scope="session")
def graph() -> Graph:
    return load_graph()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped graph data, for a test to break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``whomade ARGS`` in-process, always against a tmp database."""
    from whomade.cli import app

    monkeypatch.setenv("WHOMADE_DB", str(tmp_path / "default.sqlite"))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    return invoke
