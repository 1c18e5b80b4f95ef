"""Shared test helpers: where ../shared is, and a throwaway database per test."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"


@pytest.fixture(autouse=True)
def _private_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's database: every test gets its own."""
    monkeypatch.setenv("WHOMADE_DB", str(tmp_path / "whomade-test.sqlite"))


def needs_shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared missing)")
    return path
