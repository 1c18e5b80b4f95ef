"""A real uvicorn server on a free loopback port, with a throwaway database and keys."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from whomade.api.app import ApiSettings, create_app
from whomade.api.store import create_key
from whomade.db import connect


@dataclass
class LiveApi:
    url: str
    keys: dict[str, str]
    db: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_api(db: Path, settings: ApiSettings) -> Iterator[LiveApi]:
    engine = connect(str(db))
    keys = {
        scope: create_key(engine, f"test-{scope}", scope) for scope in ("screen", "read", "admin")
    }
    port = _free_port()
    config = uvicorn.Config(
        create_app(str(db), settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield LiveApi(f"http://127.0.0.1:{port}", keys, str(db))
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    db = tmp_path_factory.mktemp("api") / "api.sqlite"
    yield from start_api(db, ApiSettings(rate_per_second=1000, burst=1000))


@pytest.fixture(scope="session")
def slow_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    db = tmp_path_factory.mktemp("api-slow") / "api.sqlite"
    yield from start_api(db, ApiSettings(rate_per_second=0.5, burst=3))


KEY_CACHE_SECONDS = 0.5


@pytest.fixture(scope="session")
def short_cache_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """Keys are trusted for only half a second: revocation is seen that fast."""
    db = tmp_path_factory.mktemp("api-cache") / "api.sqlite"
    settings = ApiSettings(rate_per_second=1000, burst=1000, key_cache_seconds=KEY_CACHE_SECONDS)
    yield from start_api(db, settings)


@pytest.fixture
def client(api: LiveApi) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api.url, timeout=30) as http:
        yield http


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="session")
def hasty_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """Requests time out after a millisecond: every real screening is too slow for it."""
    db = tmp_path_factory.mktemp("api-hasty") / "api.sqlite"
    settings = ApiSettings(rate_per_second=1000, burst=1000, request_timeout_seconds=0.001)
    yield from start_api(db, settings)
