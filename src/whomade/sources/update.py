"""Online update: download a list's official files, then import them as a new version.

Downloads use httpx with timeouts, a few retries on transient failures (connection errors, 5xx,
429), a size limit enforced while streaming, and conditional requests: the ETag and Last-Modified
of the last successful import of each URL are sent back, and a 304 for every file adds nothing.
The fetch state is saved only after the import succeeded, so a failed import is retried in full
next time. ``--base-url`` (or ``$WHOMADE_LISTS_BASE_URL``) serves every file from another host by
its file name, e.g. a local mirror or a test server.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from whomade import __version__
from whomade.sources import lists
from whomade.sources.errors import ListImportError
from whomade.sources.importer import ImportResult, import_files, sha256
from whomade.sources.parsers.common import SourceFile
from whomade.sources.store import ListFetchState

ENV_BASE_URL = "WHOMADE_LISTS_BASE_URL"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0
RETRIES = 3
RETRY_STATUSES = {429, 500, 502, 503, 504}


class DownloadError(ListImportError):
    """A file could not be downloaded; nothing was imported."""


@dataclass
class Fetched:
    """One URL's response: its bytes (None on 304) and validators."""

    url: str
    status: int
    data: bytes | None
    etag: str | None
    last_modified: str | None


@dataclass
class UpdateResult:
    """What an update of one list did."""

    list_id: str
    status: str
    """``not-modified`` (every file 304), ``imported``, ``unchanged``, ``partial`` or ``failed``."""
    message: str
    result: ImportResult | None = None
    fetched: list[Fetched] = field(default_factory=list)


def resolve_urls(
    spec: lists.ListSpec, base_url: str | None = None, url: str | None = None
) -> dict[str, str]:
    """Role → URL of a list's download; ``url`` replaces the primary file's URL, ``base_url`` the
    host and path of every file (keeping its file name)."""
    base = base_url or os.environ.get(ENV_BASE_URL)
    out = {}
    for official in spec.downloads:
        target = official.url
        if base:
            target = base.rstrip("/") + "/" + official.file_name
        out[official.role] = target
    if url:
        out["primary"] = url
    return out


def _client(timeout: float) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        follow_redirects=True,
        headers={"User-Agent": f"whomade/{__version__} (official list update)"},
        transport=httpx.HTTPTransport(retries=2),
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    optional: bool = False,
) -> Fetched | None:
    """GET a URL (conditionally when validators are given), with retries and a size limit.

    ``optional`` files (OFAC companion files) may be missing (404): ``None`` is returned.
    """
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    delay = 0.5
    for attempt in range(1, RETRIES + 1):
        try:
            return _get(client, url, headers, max_bytes, optional)
        except _Retry as exc:
            if attempt == RETRIES:
                raise DownloadError(f"{url}: {exc} (after {RETRIES} attempts)") from None
        except httpx.TimeoutException:
            if attempt == RETRIES:
                raise DownloadError(f"{url}: timed out (after {RETRIES} attempts)") from None
        except httpx.TransportError as exc:
            if attempt == RETRIES:
                raise DownloadError(f"{url}: {exc} (after {RETRIES} attempts)") from None
        time.sleep(delay)
        delay *= 2
    raise DownloadError(f"{url}: not downloaded")  # pragma: no cover


class _Retry(Exception):
    pass


def _get(
    client: httpx.Client, url: str, headers: Mapping[str, str], max_bytes: int, optional: bool
) -> Fetched | None:
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 304:
            return Fetched(url, 304, None, response.headers.get("etag"), None)
        if response.status_code in RETRY_STATUSES:
            raise _Retry(f"HTTP {response.status_code}")
        if response.status_code == 404 and optional:
            return None
        if response.status_code != 200:
            raise DownloadError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise DownloadError(f"{url}: {declared} bytes exceeds the limit of {max_bytes}")
        chunks = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise DownloadError(f"{url}: more than {max_bytes} bytes; download stopped")
            chunks.append(chunk)
        return Fetched(
            url,
            200,
            b"".join(chunks),
            response.headers.get("etag"),
            response.headers.get("last-modified"),
        )


def _states(session: Session, list_id: str) -> dict[str, ListFetchState]:
    return {
        s.url: s
        for s in session.scalars(select(ListFetchState).where(ListFetchState.list_id == list_id))
    }


def update_list(
    engine: Engine,
    list_id: str,
    *,
    base_url: str | None = None,
    url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    client: httpx.Client | None = None,
) -> UpdateResult:
    """Download and import one list. Errors come back as a ``failed`` result, never raised."""
    spec = lists.spec(list_id)
    urls = resolve_urls(spec, base_url, url)
    if not urls:
        return UpdateResult(
            spec.id,
            "failed",
            f"{spec.id}: no official download exists (last served from {spec.page}); import a "
            "local copy with `whomade lists import`, or give --url",
        )
    own_client = client is None
    http = client or _client(timeout)
    try:
        return _update(engine, spec, urls, http, max_bytes)
    except ListImportError as exc:
        return UpdateResult(
            spec.id, "failed", f"{spec.id}: {exc}; the previous version stays in use"
        )
    finally:
        if own_client:
            http.close()


def _update(
    engine: Engine,
    spec: lists.ListSpec,
    urls: Mapping[str, str],
    http: httpx.Client,
    max_bytes: int,
) -> UpdateResult:
    with Session(engine) as session:
        states = _states(session, spec.id)
    fetched: dict[str, Fetched] = {}
    for role, target in urls.items():
        state = states.get(target)
        got = fetch(
            http,
            target,
            etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
            max_bytes=max_bytes,
            optional=role != "primary",
        )
        if got is not None:
            fetched[role] = got
    if all(f.status == 304 for f in fetched.values()):
        return UpdateResult(
            spec.id,
            "not-modified",
            f"{spec.id}: not modified since the last update (HTTP 304); nothing added",
            fetched=list(fetched.values()),
        )
    for role, got in list(fetched.items()):
        if got.status == 304:  # another file changed: the whole set is needed
            refreshed = fetch(http, got.url, max_bytes=max_bytes, optional=role != "primary")
            if refreshed is not None:
                fetched[role] = refreshed
    files = {role: SourceFile(got.url, got.data or b"") for role, got in fetched.items()}
    retrieved = dt.datetime.now(dt.UTC)
    result = import_files(
        engine,
        spec.id,
        spec.update_format,
        files,
        source_url=urls["primary"],
        retrieved_at=retrieved,
    )
    _save_states(engine, spec.id, fetched.values(), retrieved)
    return UpdateResult(
        spec.id, result.status, f"{spec.id}: {result.message}", result, list(fetched.values())
    )


def _save_states(
    engine: Engine, list_id: str, fetched: Iterable[Fetched], when: dt.datetime
) -> None:
    with Session(engine) as session, session.begin():
        for got in fetched:
            if got.status != 200:
                continue
            state = session.get(ListFetchState, (list_id, got.url))
            if state is None:
                state = ListFetchState(list_id=list_id, url=got.url)
                session.add(state)
            state.etag = got.etag
            state.last_modified = got.last_modified
            state.sha256 = sha256(got.data or b"")
            state.checked_at = when
            state.status = got.status
