"""The HTTP API: screening, the knowledge graph, health and version, behind API keys.

Every error is an RFC 9457 problem (``application/problem+json``) with a clear message and, where
one is at fault, the field; no stack trace ever reaches a client.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, FastAPI, File, Form, Path, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from rapidfuzz import fuzz, process
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from whomade import __version__
from whomade.api.jobs import JobRunner, create_job, find_job, job_findings, jobs_dir_for
from whomade.api.keys import (
    KEY_CACHE_SECONDS,
    READ_SCOPES,
    SCREEN_SCOPES,
    KeyCache,
    RateLimiter,
    hash_key,
)
from whomade.api.lists import current_list_versions, list_diff, list_versions, lists_overview
from whomade.api.models import (
    Finding,
    Job,
    JobFindings,
    JobState,
    ListDiff,
    Lists,
    ListVersionRef,
    ListVersions,
)
from whomade.api.store import ApiJob, KeyInfo, check_key
from whomade.db import connect
from whomade.kb import Graph, load_graph
from whomade.kb.model import CONTEXTS, Context
from whomade.screen.pipeline import Screener
from whomade.sources.errors import ListImportError
from whomade.sources.lists import LISTS
from whomade.text import compact

access_log = logging.getLogger("whomade.api.access")
error_log = logging.getLogger("whomade.api")

MAX_FIELD_CHARS = 10_000
MAX_RECORD_FIELDS = 100
MAX_BATCH_RECORDS = 1_000
MAX_PAGE = 1_000
UPLOAD_PATH = "/v1/jobs"
PROBLEM_TYPE = "https://whomade.dev/problems/"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class ApiSettings:
    """Tunable limits of one API instance."""

    rate_per_second: float = 50.0
    burst: int = 100
    max_body_bytes: int = 1_000_000
    max_batch_body_bytes: int = 10_000_000
    max_upload_bytes: int = 200_000_000
    jobs_dir: str | None = None
    """Where uploads are kept; default ``whomade-jobs/`` beside the database file."""
    job_batch_rows: int = 2_000
    run_jobs: bool = True
    """False: accept and serve jobs but leave running them to another process."""
    key_cache_seconds: float = KEY_CACHE_SECONDS
    """How long a verified key is trusted without a database read: the longest a revoked key
    keeps working. 0 reads the database on every request."""
    request_timeout_seconds: float = 30.0
    """A request still unanswered after this long gets a 503 problem (uploads excepted)."""

    @classmethod
    def from_env(cls) -> ApiSettings:
        """Settings from ``WHOMADE_API_RATE``, ``WHOMADE_API_BURST``, ``WHOMADE_API_MAX_UPLOAD``
        ``WHOMADE_API_JOBS_DIR`` and ``WHOMADE_API_KEY_CACHE`` (set by ``serve``)."""
        default = cls()
        return cls(
            rate_per_second=float(os.environ.get("WHOMADE_API_RATE", default.rate_per_second)),
            burst=int(os.environ.get("WHOMADE_API_BURST", default.burst)),
            max_upload_bytes=int(
                os.environ.get("WHOMADE_API_MAX_UPLOAD", default.max_upload_bytes)
            ),
            jobs_dir=os.environ.get("WHOMADE_API_JOBS_DIR") or None,
            request_timeout_seconds=float(
                os.environ.get("WHOMADE_API_TIMEOUT", default.request_timeout_seconds)
            ),
            key_cache_seconds=float(
                os.environ.get("WHOMADE_API_KEY_CACHE", default.key_cache_seconds)
            ),
        )


# --- request and response models -------------------------------------------------------------

FieldText = Annotated[str, StringConstraints(max_length=MAX_FIELD_CHARS)]
RECORD_EXAMPLE: Any = {
    "id": "SKU-1042",
    "title": "EZVIZ C6N 1080p Wi-Fi pan/tilt indoor camera",
    "brand": "EZVIZ",
    "seller": "Example Store",
    "model": "CS-C6N",
    "date": "2026-11-01",
}


class ScreenRequest(BaseModel):
    """One record to screen."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "catalog", "context": "marketplace", "record": RECORD_EXAMPLE}]
        },
    )

    kind: Literal["catalog", "devices", "vendors"] = Field(
        "catalog",
        description="catalog (a listing), devices (network scan) or vendors.",
    )
    context: Context = Field(
        "marketplace",
        description="Whose risk: marketplace, procurement, federal or shopper.",
    )
    record: dict[FieldText, FieldText] = Field(
        description=(
            "The record's fields, all strings: id, title, brand, seller, model, description, "
            f"manufacturer, date (ISO), fcc_id... At most {MAX_RECORD_FIELDS} fields of "
            f"{MAX_FIELD_CHARS:,} characters each."
        ),
        max_length=MAX_RECORD_FIELDS,
        examples=[RECORD_EXAMPLE],
    )


class BatchRequest(BaseModel):
    """Up to 1,000 records of one kind, screened for one context."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"kind": "catalog", "context": "marketplace", "records": [RECORD_EXAMPLE]}]
        },
    )

    kind: Literal["catalog", "devices", "vendors"] = Field(
        "catalog", description="As in /v1/screen."
    )
    context: Context = Field("marketplace", description="See ``/v1/screen``.")
    records: list[dict[FieldText, FieldText]] = Field(
        description=f"The records, at most {MAX_BATCH_RECORDS:,}; findings keep their order.",
        max_length=MAX_BATCH_RECORDS,
    )


class BatchResponse(BaseModel):
    findings: list[Finding] = Field(description="One finding per record, in input order.")


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None


class EntityHit(BaseModel):
    id: str
    name: str = Field(description="The entity's display name.")
    kind: str
    family_root: bool
    matched: str = Field(description="The name that matched the query.")
    score: float = Field(description="100 for an exact (normalised) name, less for a fuzzy match.")


class EntitySearch(BaseModel):
    query: str
    results: list[EntityHit]


class Health(BaseModel):
    status: Literal["ok"]


class Version(BaseModel):
    code: str = Field(description="The whomade package version.")
    graph: str = Field(description="Content hash of the knowledge-graph data files.")
    lists: dict[str, ListVersionRef] = Field(
        default_factory=dict, description="The version in use of every imported official list."
    )


# --- problems ---------------------------------------------------------------------------------


class ApiProblem(Exception):
    """Raised anywhere in a request to answer with a problem detail."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.field = status, title, detail, field
        self.headers = headers or {}


def problem_body(status: int, title: str, detail: str, field: str | None = None) -> dict[str, Any]:
    """The JSON body of a problem detail."""
    slug = title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field:
        body["field"] = field
    return body


def problem_response(problem: ApiProblem) -> JSONResponse:
    return JSONResponse(
        problem_body(problem.status, problem.title, problem.detail, problem.field),
        status_code=problem.status,
        headers=problem.headers,
        media_type="application/problem+json",
    )


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def _validation_problem(exc: RequestValidationError) -> ApiProblem:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
    field = _field_name(first.get("loc", ("body",)))
    message = str(first.get("msg", "invalid value"))
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return ApiProblem(422, "Invalid request", f"{field}: {message}{more}", field=field)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}, "description": text}
    for code, text in (
        (401, "Missing or unknown API key"),
        (403, "The key's scope does not allow this endpoint"),
        (413, "Request body too large"),
        (422, "Invalid request; the problem names the field"),
        (404, "No such resource (entity, list, version or job)"),
        (429, "Rate limit exceeded; see Retry-After"),
        (500, "Internal error (details are logged, never sent)"),
        (503, "The request took longer than the server's time limit"),
    )
}


# --- middleware: body size limit and access log -----------------------------------------------


class BodyLimit:
    """Reject bodies over the limit with 413 before anything parses them.

    A declared ``Content-Length`` over the limit is refused before a byte is read. Otherwise the
    body is not buffered here: its bytes are counted as the app reads them (uploads as the
    multipart parser spools them to disk), and the request fails with 413 the moment the count
    passes the limit.
    """

    def __init__(self, app: ASGIApp, settings: ApiSettings) -> None:
        self.app, self.settings = app, settings

    def _limit(self, path: str) -> int:
        path = path.rstrip("/")
        if path == UPLOAD_PATH:
            return self.settings.max_upload_bytes
        if path.endswith("/batch"):
            return self.settings.max_batch_body_bytes
        return self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > limit:
                    too_large = ApiProblem(413, "Body too large", _too_large(limit))
                    await problem_response(too_large)(scope, receive, send)
                    return
                break
        await self.app(scope, _counted(receive, limit, _too_large(limit)), send)


def _too_large(limit: int) -> str:
    return f"the request body is over {limit:,} bytes"


def _counted(receive: Receive, limit: int, detail: str) -> Receive:
    received = 0

    async def counting() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                # FastAPI passes an HTTPException raised while parsing the body on unchanged.
                raise StarletteHTTPException(413, detail)
        return message

    return counting


class RequestTimeout:
    """Answer 503 when a request takes longer than the configured time, instead of letting a
    client wait forever (the work in a worker thread may still finish; its answer is dropped)."""

    def __init__(self, app: ASGIApp, settings: ApiSettings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.settings.request_timeout_seconds
        if scope["type"] != "http" or limit <= 0 or scope["path"].rstrip("/") == UPLOAD_PATH:
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, sending), timeout=limit)
        except TimeoutError:
            if not started:
                slow = ApiProblem(503, "Timed out", f"the request took longer than {limit:g} s")
                await problem_response(slow)(scope, receive, send)


class AccessLog:
    """One JSON line per request, naming the key by its name, never the key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            client = scope.get("client")
            line = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                "key": state.get("key_name"),
                "client": client[0] if client else None,
            }
            access_log.info(orjson.dumps(line).decode())


class FindingsJSON(Response):
    """Findings serialised once with orjson, not validated again against the response model:
    the screener builds them in the documented shape, and re-validating a large nested object
    cost more than screening it."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


# --- screening --------------------------------------------------------------------------------


class Screeners:
    """One :class:`Screener` per (kind, context), renewed when the day changes."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._cache: dict[tuple[str, str], Screener] = {}
        self._lock = threading.Lock()
        for context in CONTEXTS:
            self.get("catalog", context)

    def get(self, kind: str, context: Context) -> Screener:
        """The screener for ``kind`` and ``context``; 501 for kinds not built yet."""
        today = dt.date.today()
        with self._lock:
            screener = self._cache.get((kind, context))
            if screener is None or screener.today != today:
                try:
                    screener = Screener(kind, context, graph=self.graph, today=today)
                except ImportError as exc:
                    raise ApiProblem(
                        501,
                        "Kind not implemented",
                        f"screening of kind {kind!r} is not available yet",
                    ) from exc
                self._cache[(kind, context)] = screener
            return screener


# --- the graph --------------------------------------------------------------------------------


def search_entities(graph: Graph, query: str, limit: int = 20) -> list[EntityHit]:
    """Entities named ``query`` exactly (normalised), else the closest names by fuzzy score."""
    hits = [
        EntityHit(
            id=e.id,
            name=e.display_name,
            kind=e.kind,
            family_root=e.family_root,
            matched=query,
            score=100.0,
        )
        for e in graph.find(query)
    ]
    if hits:
        return hits[:limit]
    choices: list[tuple[str, str]] = [
        (entity.id, name.name) for entity in graph.entities.values() for name in entity.names
    ]
    keys = [compact(name) for _, name in choices]
    best: dict[str, EntityHit] = {}
    for _, score, index in process.extract(
        compact(query), keys, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=75
    ):
        entity_id, name = choices[index]
        if entity_id not in best:
            entity = graph.entities[entity_id]
            best[entity_id] = EntityHit(
                id=entity_id,
                name=entity.display_name,
                kind=entity.kind,
                family_root=entity.family_root,
                matched=name,
                score=round(float(score), 1),
            )
    return list(best.values())[:limit]


def entity_view(graph: Graph, entity_id: str) -> dict[str, Any]:
    """An entity with its names, relations both ways and listings, every source resolved."""
    entity = graph.entities.get(entity_id)
    if entity is None:
        raise ApiProblem(404, "Not found", f"no entity with id {entity_id!r}", field="id")
    relations_out = [r.model_dump() for r in graph.relations_from.get(entity_id, [])]
    relations_in = [r.model_dump() for r in graph.relations_to.get(entity_id, [])]
    listings = [item.model_dump() for item in graph.listings_of.get(entity_id, [])]
    cited: dict[str, None] = dict.fromkeys(entity.cited())
    for fact in (
        *entity.names,
        *graph.relations_from.get(entity_id, []),
        *graph.relations_to.get(entity_id, []),
        *graph.listings_of.get(entity_id, []),
    ):
        cited.update(dict.fromkeys(fact.cited()))
    sources = {
        sid: graph.sources[sid].model_dump(exclude_none=True)
        for sid in cited
        if sid in graph.sources
    }
    return {
        "entity": entity.model_dump(),
        "name": entity.display_name,
        "relations_from": relations_out,
        "relations_to": relations_in,
        "listings": listings,
        "sources": sources,
    }


# --- jobs -------------------------------------------------------------------------------------


def job_view(job: ApiJob) -> dict[str, Any]:
    """A job as the API shows it."""
    return {
        "id": job.id,
        "status": job.status,
        "kind": job.kind,
        "context": job.context,
        "file": job.file_name,
        "key": job.key_name,
        "records_done": job.records_done,
        "errors": job.errors,
        "verdicts": job.verdicts or {},
        "row_errors": job.row_errors or [],
        "error": job.error,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "findings_url": f"{UPLOAD_PATH}/{job.id}/findings",
    }


def parse_mapping(text: str | None) -> dict[str, str] | None:
    """The ``mapping`` form field: a JSON object of canonical field -> column name."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiProblem(
            422, "Invalid request", f"mapping: not JSON ({exc.msg})", field="mapping"
        ) from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ApiProblem(
            422,
            "Invalid request",
            'mapping: expected an object of field -> column names, e.g. {"title": "Product"}',
            field="mapping",
        )
    return value


# --- the app ----------------------------------------------------------------------------------


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def create_app(
    db_path: str | None = None, settings: ApiSettings | None = None, graph: Graph | None = None
) -> FastAPI:
    """The API, with keys read from the database at ``db_path`` (``$WHOMADE_DB`` when ``None``)."""
    settings = settings or ApiSettings.from_env()
    engine: Engine = connect(db_path)
    graph = graph or load_graph()
    screeners = Screeners(graph)
    limiter = RateLimiter(rate=settings.rate_per_second, burst=settings.burst)
    verified: KeyCache[KeyInfo] = KeyCache(ttl=settings.key_cache_seconds)
    jobs_dir = FilePath(settings.jobs_dir) if settings.jobs_dir else jobs_dir_for(str(engine.url))
    runner = JobRunner(engine, screeners.get, batch_rows=settings.job_batch_rows)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The graph and screeners live as long as the process: out of the collector's sight, a
        # full collection no longer walks them (it stalled a batch of 1,000 by ~60 ms).
        gc.collect()
        gc.freeze()
        if settings.run_jobs:
            runner.start()  # picks up jobs a stopped server left queued or running
        try:
            yield
        finally:
            if settings.run_jobs:
                runner.stop()

    app = FastAPI(
        title="whomade",
        version=__version__,
        summary="Who really made this product, and is that maker on a government restriction list?",
        responses=PROBLEM_RESPONSES,
        lifespan=lifespan,
    )

    async def live_key(token: str) -> KeyInfo | None:
        token_hash = hash_key(token)
        key = verified.get(token_hash)
        if key is None:
            key = await run_in_threadpool(check_key, engine, token)
            if key is not None:
                verified.put(token_hash, key)
        return key

    def caller(allowed: frozenset[str]) -> Callable[[Request], Awaitable[KeyInfo]]:
        # async: a remembered key costs no database read, so no trip through the thread pool
        async def authorise(request: Request) -> KeyInfo:
            token = _bearer(request)
            if token is None:
                raise ApiProblem(
                    401,
                    "Unauthorized",
                    "send an API key as 'Authorization: Bearer KEY'",
                    field="Authorization",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            key = await live_key(token)
            if key is None:
                raise ApiProblem(
                    401,
                    "Unauthorized",
                    "the API key is unknown or revoked",
                    field="Authorization",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            request.state.key_name = key.name
            if key.scope not in allowed:
                raise ApiProblem(
                    403,
                    "Forbidden",
                    f"a {key.scope!r} key cannot call this endpoint; it needs one of: "
                    + ", ".join(sorted(allowed)),
                )
            wait = limiter.take(key.name)
            if wait > 0:
                raise ApiProblem(
                    429,
                    "Too many requests",
                    f"rate limit of {settings.rate_per_second:g} requests/s exceeded",
                    headers={"Retry-After": str(max(1, round(wait + 0.5)))},
                )
            return key

        return authorise

    screen_caller = Depends(caller(SCREEN_SCOPES))
    read_caller = Depends(caller(READ_SCOPES))

    @app.exception_handler(ApiProblem)
    async def _problem(_request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(_validation_problem(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed", 413: "Body too large"}.get(
            exc.status_code, "HTTP error"
        )
        return problem_response(
            ApiProblem(exc.status_code, title, str(exc.detail), headers=dict(exc.headers or {}))
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        error_log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(ApiProblem(500, "Internal error", "the server failed; logged"))

    @app.get("/healthz", response_model=Health, tags=["service"])
    def healthz() -> dict[str, str]:
        """Liveness: the process is up and the graph is loaded."""
        return {"status": "ok"}

    @app.get("/v1/version", response_model=Version, tags=["service"])
    def version(_key: KeyInfo = read_caller) -> dict[str, Any]:
        """The code version, the knowledge-graph version and the version in use of every imported
        official list: what findings are computed with."""
        return {"code": __version__, "graph": graph.version, "lists": current_list_versions(engine)}

    @app.post(
        "/v1/screen",
        response_model=Finding,
        response_model_exclude_unset=True,
        tags=["screening"],
        responses={501: {"model": Problem, "description": "Record kind not implemented yet"}},
    )
    async def screen(body: ScreenRequest, _key: KeyInfo = screen_caller) -> Response:
        """Screen one record and return its finding (needs a ``screen`` or ``admin`` key)."""
        # Inline on the event loop: one record screens in well under a millisecond, less than a
        # hop to the thread pool and back.
        return FindingsJSON(screeners.get(body.kind, body.context).screen_record(body.record))

    @app.post(
        "/v1/screen/batch",
        response_model=BatchResponse,
        response_model_exclude_unset=True,
        tags=["screening"],
        responses={501: {"model": Problem, "description": "Record kind not implemented yet"}},
    )
    def screen_batch(body: BatchRequest, _key: KeyInfo = screen_caller) -> Response:
        """Screen up to 1,000 records; findings come back in input order."""
        screener = screeners.get(body.kind, body.context)
        return FindingsJSON({"findings": [screener.screen_record(r) for r in body.records]})

    @app.get("/v1/entities", response_model=EntitySearch, tags=["graph"])
    def entities(
        q: Annotated[str, Query(min_length=1, max_length=200, description="Any name.")],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        _key: KeyInfo = read_caller,
    ) -> dict[str, Any]:
        """Find entities by any of their names; falls back to fuzzy matching."""
        return {"query": q, "results": search_entities(graph, q, limit)}

    @app.get("/v1/entities/{entity_id}", tags=["graph"])
    def entity(
        entity_id: Annotated[str, Path(max_length=200)], _key: KeyInfo = read_caller
    ) -> dict[str, Any]:
        """One entity: names, relations both ways, listings and the sources they cite."""
        return entity_view(graph, entity_id)

    @app.post(
        UPLOAD_PATH,
        response_model=Job,
        status_code=202,
        tags=["jobs"],
        responses={413: {"model": Problem, "description": "Upload over the size limit"}},
    )
    def create_job_(
        file: Annotated[
            UploadFile, File(description="CSV/TSV, JSON Lines, JSON, Parquet or XLSX.")
        ],
        kind: Annotated[Literal["catalog", "devices", "vendors"], Form()] = "catalog",
        context: Annotated[Context, Form()] = "marketplace",
        mapping: Annotated[
            str | None,
            Form(
                max_length=MAX_FIELD_CHARS,
                description='JSON object of field -> column, e.g. {"title": "Product Name"}.',
            ),
        ] = None,
        key: KeyInfo = screen_caller,
    ) -> dict[str, Any]:
        """Upload a file to screen in the background (needs a ``screen`` or ``admin`` key).
        Poll ``GET /v1/jobs/{id}``; read findings from ``/v1/jobs/{id}/findings``."""
        columns = parse_mapping(mapping)
        screeners.get(kind, context)  # 501 now rather than a failed job later
        job = create_job(
            engine,
            jobs_dir,
            key_name=key.name,
            kind=kind,
            context=context,
            file_name=file.filename or "upload",
            upload=file.file,
            mapping=columns,
        )
        runner.notify()
        return job_view(job)

    def visible_job(job_id: str, key: KeyInfo) -> ApiJob:
        job = find_job(engine, job_id, key.name, admin=key.scope == "admin")
        if job is None:
            raise ApiProblem(404, "Not found", f"no job with id {job_id!r}", field="id")
        return job

    @app.get(UPLOAD_PATH + "/{job_id}", response_model=Job, tags=["jobs"])
    def job_status(
        job_id: Annotated[str, Path(max_length=64)], key: KeyInfo = read_caller
    ) -> dict[str, Any]:
        """A job's state and progress (a key sees only its own jobs; admin keys see all)."""
        return job_view(visible_job(job_id, key))

    @app.get(
        UPLOAD_PATH + "/{job_id}/findings",
        response_model=JobFindings,
        response_model_exclude_unset=True,
        tags=["jobs"],
    )
    def job_findings_(
        job_id: Annotated[str, Path(max_length=64)],
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
        verdict: Annotated[
            Literal["restricted", "linked", "review", "clear"] | None,
            Query(description="Only findings of this verdict."),
        ] = None,
        key: KeyInfo = read_caller,
    ) -> dict[str, Any]:
        """A page of the findings stored so far, in the file's record order."""
        job = visible_job(job_id, key)
        total, findings = job_findings(engine, job.id, offset, limit, verdict)
        state: JobState = job.status  # type: ignore[assignment]
        following = offset + len(findings)
        return {
            "job": job.id,
            "status": state,
            "offset": offset,
            "limit": limit,
            "total": total,
            "next_offset": following if following < total else None,
            "findings": findings,
        }

    def known_list(list_id: str) -> str:
        if list_id.lower() not in LISTS:
            raise ApiProblem(
                404,
                "Not found",
                f"no list {list_id!r}; known lists: {', '.join(LISTS)}",
                field="list_id",
            )
        return list_id.lower()

    @app.get("/v1/lists", response_model=Lists, tags=["lists"])
    def lists(_key: KeyInfo = read_caller) -> dict[str, Any]:
        """The official lists whomade imports with their versions in use, and the restriction
        lists of the knowledge graph with what each means per user context."""
        return lists_overview(engine, graph)

    @app.get("/v1/lists/{list_id}/versions", response_model=ListVersions, tags=["lists"])
    def versions(
        list_id: Annotated[str, Path(max_length=32)], _key: KeyInfo = read_caller
    ) -> dict[str, Any]:
        """The stored versions of one official list, oldest first."""
        known = known_list(list_id)
        return {"list": known, "versions": list_versions(engine, known)}

    @app.get("/v1/lists/{list_id}/diff", response_model=ListDiff, tags=["lists"])
    def diff(
        list_id: Annotated[str, Path(max_length=32)],
        from_: Annotated[
            str | None, Query(alias="from", max_length=64, description="Older version (N).")
        ] = None,
        to: Annotated[str | None, Query(max_length=64, description="Newer version (N).")] = None,
        _key: KeyInfo = read_caller,
    ) -> dict[str, Any]:
        """Entries added, removed and changed between two versions (default: the last two)."""
        known = known_list(list_id)
        try:
            return list_diff(engine, known, from_, to)
        except ListImportError as exc:
            raise ApiProblem(404, "Not found", str(exc)) from None

    app.add_middleware(RequestTimeout, settings=settings)
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(AccessLog)  # outermost: logs the 413s too
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (``whomade serve``): database from ``$WHOMADE_DB``."""
    return create_app(os.environ.get("WHOMADE_DB"))
