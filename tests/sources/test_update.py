"""`whomade lists update` against a real HTTP server on loopback serving the shipped copies."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from whomade.cli import app
from whomade.sources.importer import current_version
from whomade.sources.store import ListFetchState, ListVersion
from whomade.sources.update import update_list


class ListServer(ThreadingHTTPServer):
    """Serves files of ``root`` by name, with ETag / If-None-Match and If-Modified-Since."""

    root: Path
    fail_with: int | None = None
    requests: list[dict[str, str]]


class Handler(SimpleHTTPRequestHandler):
    server: ListServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._etag: str | None = None
        super().__init__(*args, directory=str(kwargs.pop("server_root", ".")), **kwargs)

    def translate_path(self, path: str) -> str:
        return str(self.server.root / path.lstrip("/").split("?")[0])

    def send_head(self) -> Any:
        self.server.requests.append({"path": self.path, **dict(self.headers)})
        if self.server.fail_with:
            self.send_error(self.server.fail_with)
            return None
        target = Path(self.translate_path(self.path))
        if target.is_file():
            self._etag = '"' + hashlib.sha256(target.read_bytes()).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == self._etag:
                self.send_response(304)
                self.send_header("ETag", self._etag)
                self.end_headers()
                return None
        return super().send_head()

    def end_headers(self) -> None:
        if self._etag:
            self.send_header("ETag", self._etag)
            self._etag = None
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server(lists_dir: Path) -> Iterator[ListServer]:
    httpd = ListServer(("127.0.0.1", 0), Handler)
    httpd.root = lists_dir
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def base(server: ListServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/"


def count_versions(engine: Engine, list_id: str) -> int:
    with Session(engine) as session:
        return (
            session.scalar(
                select(func.count()).select_from(ListVersion).where(ListVersion.list_id == list_id)
            )
            or 0
        )


def test_update_imports_then_304_adds_nothing(
    engine: Engine, server: ListServer, lists_dir: Path
) -> None:
    server.root = lists_dir / "bis-denied-persons/2019-06-29"
    first = update_list(engine, "dpl", base_url=base(server))
    assert first.status == "imported", first.message
    assert first.result is not None and first.result.version.entry_count == 546
    assert first.result.version.source_url == base(server) + "dpl.txt"
    with Session(engine) as session:
        state = session.get(ListFetchState, ("dpl", base(server) + "dpl.txt"))
        assert state is not None and state.etag and state.last_modified and state.status == 200

    second = update_list(engine, "dpl", base_url=base(server))
    assert second.status == "not-modified"
    assert "HTTP 304" in second.message
    assert server.requests[-1]["If-None-Match"] == state.etag
    assert count_versions(engine, "dpl") == 1

    server.root = lists_dir / "bis-denied-persons/2022-09-07"
    third = update_list(engine, "dpl", base_url=base(server))
    assert third.status == "imported" and third.result is not None
    assert third.result.version.seq == 2 and third.result.version.entry_count == 581
    assert count_versions(engine, "dpl") == 2


def test_update_of_an_ofac_csv_set(engine: Engine, server: ListServer, lists_dir: Path) -> None:
    server.root = lists_dir / "ofac-sdn/2019-01-15"
    first = update_list(engine, "sdn", base_url=base(server))
    assert first.status == "imported", first.message
    assert first.result is not None and first.result.version.entry_count == 7379
    assert {f.url.rsplit("/", 1)[1] for f in first.fetched} == {
        "sdn.csv",
        "add.csv",
        "alt.csv",
        "sdn_comments.csv",
    }
    server.root = lists_dir / "ofac-sdn/2021-07-07"
    second = update_list(engine, "sdn", base_url=base(server))
    assert second.status == "imported" and second.result is not None
    assert second.result.version.entry_count == 8976
    assert update_list(engine, "sdn", base_url=base(server)).status == "not-modified"


def test_missing_companion_files_are_optional(
    engine: Engine, server: ListServer, lists_dir: Path
) -> None:
    server.root = lists_dir / "ofac-consolidated/2025-03-26"  # cons_prim.csv only
    result = update_list(engine, "cons", base_url=base(server))
    assert result.status == "imported", result.message
    assert result.result is not None and result.result.version.entry_count == 443
    assert "companion files not supplied" in result.result.notes[0]


def test_server_errors_are_retried_then_reported(
    engine: Engine, server: ListServer, lists_dir: Path
) -> None:
    server.root = lists_dir / "bis-denied-persons/2019-06-29"
    assert update_list(engine, "dpl", base_url=base(server)).status == "imported"
    server.fail_with = 503
    before = len(server.requests)
    result = update_list(engine, "dpl", base_url=base(server))
    assert result.status == "failed"
    assert "HTTP 503 (after 3 attempts)" in result.message
    assert "previous version stays in use" in result.message
    assert len(server.requests) - before == 3
    with Session(engine) as session:
        current = current_version(session, "dpl")
        assert current is not None and current.seq == 1


def test_size_limit(engine: Engine, server: ListServer, lists_dir: Path) -> None:
    server.root = lists_dir / "bis-denied-persons/2019-06-29"
    result = update_list(engine, "dpl", base_url=base(server), max_bytes=10_000)
    assert result.status == "failed"
    assert "exceeds the limit of 10000" in result.message
    assert count_versions(engine, "dpl") == 0


def test_broken_download_keeps_version_and_is_retried_in_full(
    engine: Engine, server: ListServer, lists_dir: Path, tmp_path: Path
) -> None:
    server.root = lists_dir / "csl/2025-06-25-sample"
    assert update_list(engine, "csl", base_url=base(server)).status == "imported"
    good_etag = server.requests[-1].get("If-None-Match")
    assert good_etag is None
    with Session(engine) as session:
        state = session.get(ListFetchState, ("csl", base(server) + "consolidated.csv"))
        assert state is not None
        good_etag = state.etag
    broken = tmp_path / "served"
    broken.mkdir()
    (broken / "consolidated.csv").write_bytes(
        (lists_dir / "csl/2023-11-30-truncated/csl.csv").read_bytes()
    )
    server.root = broken
    failed = update_list(engine, "csl", base_url=base(server))
    assert failed.status == "failed"
    assert "damaged file" in failed.message and "8 of 29 fields" in failed.message
    with Session(engine) as session:
        current = current_version(session, "csl")
        assert current is not None and current.entry_count == 13
    again = update_list(engine, "csl", base_url=base(server))
    # not a 304: the failed import did not record the broken file's ETag
    assert again.status == "failed"
    assert server.requests[-1]["If-None-Match"] == good_etag


def test_cli_update_with_env_base_url(
    server: ListServer, lists_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.root = lists_dir / "bis-denied-persons/2023-11-30"
    monkeypatch.setenv("WHOMADE_LISTS_BASE_URL", base(server))
    db = str(tmp_path / "cli.sqlite")
    runner = CliRunner()
    first = runner.invoke(app, ["--db", db, "lists", "update", "dpl"])
    assert first.exit_code == 0, first.output
    assert "imported 665 entries as dpl v1" in first.output
    assert "linked" in first.output or "linking skipped" in first.output
    second = runner.invoke(app, ["--db", db, "lists", "update", "dpl"])
    assert second.exit_code == 0
    assert "not modified since the last update (HTTP 304); nothing added" in second.output
    server.fail_with = 500
    failed = runner.invoke(app, ["--db", db, "lists", "update", "dpl", "--url", base(server) + "x"])
    assert failed.exit_code == 1
    assert "Traceback" not in failed.output
