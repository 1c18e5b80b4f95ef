"""Screening runs and their findings in the database, so later list updates can show their impact.

A run saved with ``whomade screen --save`` keeps every record's screened fields and its finding;
``whomade lists impact`` re-screens those records against the current graph and lists.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from whomade.db import Base


class ScreenRun(Base):
    """One ``whomade screen`` run."""

    __tablename__ = "screen_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    input_path: Mapped[str] = mapped_column(Text)
    output_path: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    context: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[str] = mapped_column(String(10))
    graph_version: Mapped[str] = mapped_column(String(32))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ScreenFinding(Base):
    """A record's finding in a run, with the fields it was screened on."""

    __tablename__ = "screen_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screen_runs.id", ondelete="CASCADE"))
    record_id: Mapped[str] = mapped_column(String(512))
    verdict: Mapped[str] = mapped_column(String(16))
    families: Mapped[str] = mapped_column(String(256), default="")
    risk_level: Mapped[str] = mapped_column(String(16), default="")
    record: Mapped[str] = mapped_column(Text)
    finding: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_screen_findings_run_record", "run_id", "record_id"),)


def start_run(engine: Engine, **fields: Any) -> int:
    """Record a run's parameters; returns its id."""
    with engine.begin() as connection:
        result = connection.execute(insert(ScreenRun).values(**fields))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_run(engine: Engine, run_id: int, counts: dict[str, int]) -> None:
    with engine.begin() as connection:
        connection.execute(update(ScreenRun).where(ScreenRun.id == run_id).values(counts=counts))


def save_findings(
    engine: Engine, run_id: int, pairs: Iterable[tuple[dict[str, str], dict[str, Any]]]
) -> None:
    """Store (record, finding) pairs of a run, in one transaction per call."""
    rows = [
        {
            "run_id": run_id,
            "record_id": str(finding["id"]),
            "verdict": finding["verdict"],
            "families": ";".join(finding.get("families") or []),
            "risk_level": (finding.get("risk") or {}).get("level", ""),
            "record": json.dumps(record, ensure_ascii=False),
            "finding": json.dumps(finding, ensure_ascii=False),
        }
        for record, finding in pairs
    ]
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(ScreenFinding), rows)


def runs(engine: Engine) -> list[ScreenRun]:
    with engine.connect() as connection:
        return list(connection.execute(select(ScreenRun).order_by(ScreenRun.id)).all())  # type: ignore[arg-type]


def stored_findings(engine: Engine, run_id: int | None = None) -> Iterator[dict[str, Any]]:
    """Saved findings with their records (of one run, or of every run), newest run first."""
    query = select(
        ScreenFinding.run_id,
        ScreenFinding.record_id,
        ScreenFinding.verdict,
        ScreenFinding.families,
        ScreenFinding.record,
        ScreenRun.kind,
        ScreenRun.context,
    ).join(ScreenRun, ScreenRun.id == ScreenFinding.run_id)
    if run_id is not None:
        query = query.where(ScreenFinding.run_id == run_id)
    query = query.order_by(ScreenFinding.run_id.desc(), ScreenFinding.id)
    with engine.connect() as connection:
        for row in connection.execute(query):
            yield {
                "run_id": row.run_id,
                "record_id": row.record_id,
                "verdict": row.verdict,
                "families": [f for f in row.families.split(";") if f],
                "record": json.loads(row.record),
                "kind": row.kind,
                "context": row.context,
            }
