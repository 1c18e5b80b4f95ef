"""The HTTP API: screening, the knowledge graph, health and version, behind API keys.

Every error is an RFC 9457 problem (``application/problem+json``) with a clear message and, where
one is at fault, the field; no stack trace ever reaches a client.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from rapidfuzz import fuzz, process
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from whomade import __version__
from whomade.api.keys import READ_SCOPES, SCREEN_SCOPES, RateLimiter
from whomade.api.store import KeyInfo, check_key
from whomade.db import connect
from whomade.kb import Graph, load_graph
from whomade.kb.model import CONTEXTS, Context
from whomade.screen.pipeline import Screener
from whomade.text import compact

access_log = logging.getLogger("whomade.api.access")
error_log = logging.getLogger("whomade.api")

MAX_FIELD_CHARS = 10_000
MAX_RECORD_FIELDS = 100
MAX_BATCH_RECORDS = 1_000
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

    @classmethod
    def from_env(cls) -> ApiSettings:
        """Settings from ``WHOMADE_API_RATE`` and ``WHOMADE_API_BURST`` (set by ``serve``)."""
        default = cls()
        return cls(
            rate_per_second=float(os.environ.get("WHOMADE_API_RATE", default.rate_per_second)),
            burst=int(os.environ.get("WHOMADE_API_BURST", default.burst)),
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


class Risk(BaseModel):
    """What the finding means for the caller's context."""

    context: str = Field(description="The user context the level is stated for.")
    level: str = Field(description="prohibited, high, medium, low, info or none.")
    why: str = Field(description="One sentence: which lists or links give this level.")


class Finding(BaseModel):
    """The finding: the same object the CLI, reports and the web workspace show."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "id": "SKU-1042",
                    "verdict": "linked",
                    "families": ["hikvision"],
                    "risk": {
                        "context": "marketplace",
                        "level": "high",
                        "why": "maker on the Entity List and FCC Covered List",
                    },
                    "warning": "Sold under EZVIZ, a Hikvision brand.",
                    "evidence": [
                        {
                            "step": "relation",
                            "subject": "ezviz_brand",
                            "predicate": "brand_of",
                            "object": "hikvision",
                            "confidence": "high",
                            "sources": ["WIKI_HIKVISION"],
                        }
                    ],
                    "citations": {"WIKI_HIKVISION": {"title": "Hikvision (Wikipedia)"}},
                    "as_of": "2026-11-25",
                    "versions": {"graph": "bba27a8aeb61", "lists": {}},
                }
            ]
        },
    )

    id: str = Field(description="The record's id (or row-N when it had none).")
    verdict: Literal["restricted", "linked", "review", "clear"] = Field(
        description="restricted: a listed maker; linked: reached through a valid relation; "
        "review: a human must weigh it; clear: nothing links it."
    )
    families: list[str] = Field(description="Root entity ids of the listed entities reached.")
    risk: Risk
    warning: str | None = Field(description="Plain-language text fit to show to customers.")
    evidence: list[dict[str, Any]] = Field(
        description="Steps from record to listing (signals, relations, listings), with sources."
    )
    citations: dict[str, dict[str, Any]] = Field(description="Every cited source id, resolved.")
    as_of: str = Field(description="The day the lists were read at (ISO date).")
    versions: dict[str, Any] = Field(description="Graph and list versions the finding rests on.")
    reasons: list[str] | None = Field(None, description="For review: why a human is needed.")
    other_signals: list[dict[str, Any]] | None = Field(None, description="Non-deciding signals.")
    line: int | None = Field(None, description="The record's line or row number, when known.")


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
        (429, "Rate limit exceeded; see Retry-After"),
    )
}


# --- middleware: body size limit and access log -----------------------------------------------


class BodyLimit:
    """Reject bodies over the limit with 413 before anything parses them."""

    def __init__(self, app: ASGIApp, settings: ApiSettings) -> None:
        self.app, self.settings = app, settings

    def _limit(self, path: str) -> int:
        if path.rstrip("/").endswith("/batch"):
            return self.settings.max_batch_body_bytes
        return self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        too_large = ApiProblem(413, "Body too large", f"the request body is over {limit:,} bytes")
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await problem_response(too_large)(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await problem_response(too_large)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class AccessLog:
    """One JSON line per request, naming the key by its name, never the key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
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
            access_log.info(
                json.dumps(
                    {
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "key": state.get("key_name"),
                        "client": client[0] if client else None,
                    }
                )
            )


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

    app = FastAPI(
        title="whomade",
        version=__version__,
        summary="Who really made this product, and is that maker on a government restriction list?",
        responses=PROBLEM_RESPONSES,
    )

    def caller(allowed: frozenset[str]) -> Callable[[Request], KeyInfo]:
        def authorise(request: Request) -> KeyInfo:
            token = _bearer(request)
            if token is None:
                raise ApiProblem(
                    401,
                    "Unauthorized",
                    "send an API key as 'Authorization: Bearer KEY'",
                    field="Authorization",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            key = check_key(engine, token)
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
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
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
    def version(_key: KeyInfo = read_caller) -> dict[str, str]:
        """The code version and the knowledge-graph version findings are computed with."""
        return {"code": __version__, "graph": graph.version}

    @app.post(
        "/v1/screen",
        response_model=Finding,
        response_model_exclude_unset=True,
        tags=["screening"],
        responses={501: {"model": Problem, "description": "Record kind not implemented yet"}},
    )
    def screen(body: ScreenRequest, _key: KeyInfo = screen_caller) -> dict[str, Any]:
        """Screen one record and return its finding (needs a ``screen`` or ``admin`` key)."""
        return screeners.get(body.kind, body.context).screen_record(body.record)

    @app.post(
        "/v1/screen/batch",
        response_model=BatchResponse,
        response_model_exclude_unset=True,
        tags=["screening"],
        responses={501: {"model": Problem, "description": "Record kind not implemented yet"}},
    )
    def screen_batch(body: BatchRequest, _key: KeyInfo = screen_caller) -> dict[str, Any]:
        """Screen up to 1,000 records; findings come back in input order."""
        screener = screeners.get(body.kind, body.context)
        return {"findings": [screener.screen_record(record) for record in body.records]}

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

    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(AccessLog)  # outermost: logs the 413s too
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (``whomade serve``): database from ``$WHOMADE_DB``."""
    return create_app(os.environ.get("WHOMADE_DB"))
