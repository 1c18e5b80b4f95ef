"""Response models of the API beyond the request models: findings, jobs and lists. They give
/openapi.json its schemas and examples."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JobState = Literal["queued", "running", "done", "failed"]


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


class RowProblem(BaseModel):
    """A row of the uploaded file that could not be read; reading went on."""

    file: str = Field(description="The uploaded file's name.")
    line: int = Field(description="Line (text files) or row number (Parquet, XLSX).")
    reason: str
    field: str | None = None
    record_id: str | None = None


class Job(BaseModel):
    """A screening job and its progress."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f2a9c0d1e4b5a67",
                    "status": "running",
                    "kind": "catalog",
                    "context": "marketplace",
                    "file": "catalog.csv",
                    "key": "shop-ci",
                    "records_done": 42000,
                    "errors": 1,
                    "verdicts": {"clear": 41980, "restricted": 12, "linked": 5, "review": 3},
                    "row_errors": [
                        {
                            "file": "catalog.csv",
                            "line": 1207,
                            "reason": "unbalanced quote; row skipped",
                            "field": None,
                            "record_id": None,
                        }
                    ],
                    "error": None,
                    "created_at": "2026-11-25T06:00:00Z",
                    "updated_at": "2026-11-25T06:00:09Z",
                    "started_at": "2026-11-25T06:00:01Z",
                    "finished_at": None,
                    "findings_url": "/v1/jobs/3f2a9c0d1e4b5a67/findings",
                }
            ]
        }
    )

    id: str
    status: JobState = Field(description="queued, running, done or failed.")
    kind: str
    context: str
    file: str = Field(description="The uploaded file's name.")
    key: str = Field(description="Name of the API key that created the job.")
    records_done: int = Field(description="Records screened and stored so far.")
    errors: int = Field(description="Rows that could not be read (skipped).")
    verdicts: dict[str, int] = Field(description="Records screened so far, by verdict.")
    row_errors: list[RowProblem] = Field(description="The first unreadable rows (at most 20).")
    error: str | None = Field(description="Why the job failed, naming the file and line.")
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    findings_url: str


class JobFindings(BaseModel):
    """One page of a job's findings, in the file's record order."""

    job: str
    status: JobState
    offset: int
    limit: int
    total: int = Field(description="Findings stored so far (of the verdict asked, if any).")
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")
    findings: list[Finding]


class ListVersionInfo(BaseModel):
    """One imported version of an official list."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "seq": 3,
                    "format": "bis-dpl",
                    "entries": 612,
                    "published_on": "2023-11-30",
                    "retrieved_at": "2026-11-25T06:00:00+00:00",
                    "file_hash": "9b1c...",
                    "source_url": "https://www.bis.doc.gov/dpl/dpl.txt",
                    "complete": True,
                    "notes": [],
                }
            ]
        }
    )

    seq: int = Field(description="1, 2, 3... per list in import order; what from/to name.")
    format: str
    entries: int
    published_on: str | None
    retrieved_at: str
    file_hash: str
    source_url: str
    complete: bool = Field(description="False for a damaged file imported with its whole rows.")
    notes: list[str]


class ImportedList(BaseModel):
    """An official list whomade imports, with the version in use (null if none imported)."""

    id: str = Field(examples=["dpl"])
    title: str
    publisher: str
    page: str
    versions: int = Field(description="Versions stored.")
    current: ListVersionInfo | None


class Meaning(BaseModel):
    level: str = Field(description="prohibited, high, medium, low or info.")
    text: str
    sources: list[str]


class GraphList(BaseModel):
    """A restriction list of the knowledge graph: its reach and meaning per user context."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "fcc_covered_list",
                    "name": "FCC Covered List",
                    "short_name": "FCC Covered List",
                    "authority": "Federal Communications Commission",
                    "legal_basis": None,
                    "reach": "subsidiaries_and_affiliates",
                    "reach_note": None,
                    "effect": None,
                    "meanings": {
                        "marketplace": {
                            "level": "high",
                            "text": "New equipment authorisations are barred.",
                            "sources": ["FCC_COVERED_LIST"],
                        }
                    },
                    "sources": ["FCC_COVERED_LIST"],
                }
            ]
        }
    )

    id: str
    name: str
    short_name: str
    authority: str
    legal_basis: str | None
    reach: str = Field(description="listed_names, subsidiaries_and_affiliates, date_dependent.")
    reach_note: str | None
    effect: str | None
    meanings: dict[str, Meaning] = Field(description="By user context.")
    sources: list[str]


class Lists(BaseModel):
    imported: list[ImportedList] = Field(description="Official list files whomade imports.")
    graph: list[GraphList] = Field(description="Lists findings cite, with meanings per context.")


class ListVersions(BaseModel):
    list_id: str = Field(alias="list", description="The list's id (dpl, csl, sdn...).")
    versions: list[ListVersionInfo]


class ListDiff(BaseModel):
    """Entries added, removed and changed between two versions; graph-touching ones flagged."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "list": "dpl",
                    "from": {"seq": 1, "published_on": "2019-06-29"},
                    "to": {"seq": 2, "published_on": "2022-09-07"},
                    "counts": {"added": 120, "removed": 80, "changed": 15},
                    "added": [{"key": "dpl:...", "name": "Example Trading Co.", "source": "DPL"}],
                    "removed": [],
                    "changed": [],
                    "graph_flags": [],
                }
            ]
        },
    )

    list_id: str = Field(alias="list", description="The list's id (dpl, csl, sdn...).")
    from_: dict[str, Any] = Field(alias="from")
    to: dict[str, Any]
    counts: dict[str, int]
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    graph_flags: list[dict[str, Any]]


class ListVersionRef(BaseModel):
    seq: int
    published_on: str | None
    file_hash: str
