"""Keys: the token bucket, the store and the ``whomade keys`` commands."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from whomade.api.app import create_app
from whomade.api.keys import KEY_PREFIX, KeyCache, RateLimiter, hash_key
from whomade.api.store import ApiKeyError, check_key, create_key, list_keys, revoke_key
from whomade.cli import app as cli
from whomade.db import connect


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0  # buckets are per key
    now[0] = 0.5
    assert limiter.take("a") == 0.0


def test_key_cache_forgets_a_key_after_its_ttl() -> None:
    now = [0.0]
    cache: KeyCache[str] = KeyCache(ttl=5.0, clock=lambda: now[0])
    assert cache.get("h") is None
    cache.put("h", "info")
    now[0] = 4.9
    assert cache.get("h") == "info"
    now[0] = 5.0  # a revoked key is seen by the next request after the window
    assert cache.get("h") is None
    never: KeyCache[str] = KeyCache(ttl=0, clock=lambda: now[0])
    never.put("h", "info")
    assert never.get("h") is None


def test_key_cache_stays_bounded() -> None:
    cache: KeyCache[int] = KeyCache(ttl=60, max_keys=3)
    for index in range(10):
        cache.put(str(index), index)
    assert cache.get("9") == 9
    assert len(cache._entries) <= 3


def test_store_keeps_only_the_hash(tmp_path: Path) -> None:
    engine = connect(str(tmp_path / "keys.sqlite"))
    key = create_key(engine, "ci", "read")
    assert key.startswith(KEY_PREFIX)
    info = check_key(engine, key)
    assert info is not None and info.name == "ci" and info.scope == "read"
    assert check_key(engine, key + "x") is None
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("keys.sqlite*"))  # WAL included
    assert key.encode() not in raw and hash_key(key).encode() in raw
    with pytest.raises(ApiKeyError):
        create_key(engine, "ci")
    with pytest.raises(ApiKeyError):
        create_key(engine, "other", "root")
    revoke_key(engine, "ci")
    assert check_key(engine, key) is None
    assert list_keys(engine)[0].revoked_at is not None


def test_keys_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.sqlite")
    runner = CliRunner()
    created = runner.invoke(
        cli, ["--db", db, "keys", "create", "--name", "ops", "--scope", "admin"]
    )
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    assert key.startswith(KEY_PREFIX)
    listed = runner.invoke(cli, ["--db", db, "keys", "list"])
    assert "ops" in listed.stdout and "admin" in listed.stdout and key not in listed.stdout
    assert runner.invoke(cli, ["--db", db, "keys", "revoke", "ops"]).exit_code == 0
    missing = runner.invoke(cli, ["--db", db, "keys", "revoke", "nobody"])
    assert missing.exit_code == 2


def test_crash_is_a_500_problem_without_details(tmp_path: Path) -> None:
    app = create_app(str(tmp_path / "crash.sqlite"))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await http.get("/boom")

    response = asyncio.run(call())
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "secret" not in response.text and "Traceback" not in response.text
