"""Screening jobs: an uploaded file screened in a background thread, its state and findings in
the database as they are produced, so a restarted server resumes where the last one stopped.

The reading and screening are the CLI's own (:func:`whomade.inputs.open_records` and
:meth:`Screener.screen_frame`); this module only stores what they produce.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import shutil
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
import platformdirs
import psutil
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from whomade.api.store import ApiJob, ApiJobFinding
from whomade.inputs import InputError, ListErrorSink, RowError, open_records
from whomade.screen.pipeline import Screener

log = logging.getLogger("whomade.api.jobs")

JOB_STATES = ("queued", "running", "done", "failed")
KEPT_ROW_ERRORS = 20
#: A job another host was running is taken over when it has not progressed for this long.
STALE_AFTER = dt.timedelta(minutes=10)
_LIVE_TOKENS: set[str] = set()
_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,8}){1,2}$")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def jobs_dir_for(db_path: str | None) -> Path:
    """Where uploads go: ``jobs/`` beside a SQLite database file, else the user data folder."""
    if db_path and db_path.startswith("sqlite:///"):
        db_path = db_path.removeprefix("sqlite:///")
    if db_path and "://" not in db_path:
        return Path(db_path).resolve().parent / "whomade-jobs"
    return Path(platformdirs.user_data_dir("whomade", appauthor=False)) / "jobs"


def upload_name(file_name: str) -> str:
    """The stored name of an upload: ``input`` plus the client's extension(s), nothing else of a
    name a client chose (the reader recognises the format by its extension)."""
    match = _SUFFIX.search(Path(file_name).name)
    return "input" + (match.group(0).lower() if match else "")


def create_job(
    engine: Engine,
    jobs_dir: Path,
    *,
    key_name: str,
    kind: str,
    context: str,
    file_name: str,
    upload: IO[bytes],
    mapping: dict[str, str] | None = None,
) -> ApiJob:
    """Store the upload under ``jobs_dir/<id>/`` and queue a job for it."""
    job_id = secrets.token_hex(8)
    folder = jobs_dir / job_id
    folder.mkdir(parents=True, exist_ok=False)
    path = folder / upload_name(file_name)
    with path.open("wb") as out:
        shutil.copyfileobj(upload, out, length=1 << 20)
    now = _now()
    job = ApiJob(
        id=job_id,
        key_name=key_name,
        kind=kind,
        context=context,
        file_name=Path(file_name).name or "upload",
        upload_path=str(path),
        mapping=mapping or None,
        status="queued",
        records_done=0,
        errors=0,
        verdicts={},
        row_errors=[],
        created_at=now,
        updated_at=now,
    )
    with Session(engine, expire_on_commit=False) as session, session.begin():
        session.add(job)
    return job


def find_job(engine: Engine, job_id: str, key_name: str, admin: bool) -> ApiJob | None:
    """The job, when the caller may see it: its own key's jobs, or any for an admin key."""
    with Session(engine) as session:
        job = session.get(ApiJob, job_id)
        if job is None or (not admin and job.key_name != key_name):
            return None
        session.expunge(job)
        return job


def job_findings(
    engine: Engine, job_id: str, offset: int, limit: int, verdict: str | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """(total stored, one page of findings in record order), optionally of one verdict."""
    where = [ApiJobFinding.job_id == job_id]
    if verdict:
        where.append(ApiJobFinding.verdict == verdict)
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(ApiJobFinding).where(*where))
        texts = session.scalars(
            select(ApiJobFinding.finding)
            .where(*where)
            .order_by(ApiJobFinding.seq)
            .offset(offset)
            .limit(limit)
        ).all()
    return int(total or 0), [orjson.loads(text) for text in texts]


def _process_token() -> tuple[str, str]:
    process = psutil.Process()
    token = secrets.token_hex(6)
    return f"{socket.gethostname()}:{os.getpid()}:{process.create_time():.3f}:{token}", token


def is_orphaned(owner: str | None, updated_at: dt.datetime, now: dt.datetime) -> bool:
    """Whether a ``running`` job's worker is gone: its process died (same host), its runner in
    this process stopped, or (another host) it has not progressed for :data:`STALE_AFTER`."""
    if not owner:
        return True
    host, pid_text, started, token = [*owner.split(":"), "", "", ""][:4]
    if host != socket.gethostname() or not pid_text.isdigit():
        if updated_at.tzinfo is None:
            updated_at = updated_at.replace(tzinfo=dt.UTC)
        return now - updated_at > STALE_AFTER
    pid = int(pid_text)
    if pid == os.getpid():
        return token not in _LIVE_TOKENS
    try:
        return abs(psutil.Process(pid).create_time() - float(started or 0)) > 1.0
    except (psutil.NoSuchProcess, ValueError):
        return True


def _row_error_dict(error: RowError, upload: str, file_name: str) -> dict[str, Any]:
    return {
        "file": file_name if error.file in (upload, "") else error.file.replace(upload, file_name),
        "line": error.line,
        "reason": error.reason.replace(upload, file_name),
        "field": error.field,
        "record_id": error.record_id,
    }


class JobLost(Exception):
    """Another worker took the job over (this one was thought dead): stop without writing."""


@dataclass
class JobRunner:
    """One background thread per process that claims queued (or orphaned) jobs and runs them."""

    engine: Engine
    screener_for: Callable[[str, Any], Screener]
    batch_rows: int = 2_000
    poll_seconds: float = 1.0

    def __post_init__(self) -> None:
        self.owner, self._token = _process_token()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread; it first picks up jobs a previous server left unfinished."""
        _LIVE_TOKENS.add(self._token)
        self._thread = threading.Thread(target=self._loop, name="whomade-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current batch; an unfinished job goes back to the queue."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        _LIVE_TOKENS.discard(self._token)

    def notify(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self.claim()
                if job_id is not None:
                    self.run(job_id)
                    continue
            except Exception:
                log.exception("job worker error")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def claim(self) -> str | None:
        """Take the oldest queued job, or a running one whose worker is gone; ``None`` if none."""
        now = _now()
        with Session(self.engine) as session:
            candidates = session.execute(
                select(ApiJob.id, ApiJob.status, ApiJob.owner, ApiJob.updated_at)
                .where(ApiJob.status.in_(("queued", "running")))
                .order_by(ApiJob.created_at)
            ).all()
        for job_id, status, owner, updated_at in candidates:
            if status == "running" and not is_orphaned(owner, updated_at, now):
                continue
            with self.engine.begin() as conn:
                claimed = conn.execute(
                    update(ApiJob)
                    .where(
                        ApiJob.id == job_id,
                        ApiJob.status == status,
                        ApiJob.owner.is_not_distinct_from(owner),
                    )
                    .values(
                        status="running",
                        owner=self.owner,
                        updated_at=now,
                        started_at=func.coalesce(ApiJob.started_at, now),
                    )
                )
                if claimed.rowcount == 1:
                    if status == "running":
                        log.info("resuming job %s left by %s", job_id, owner)
                    return str(job_id)
        return None

    def run(self, job_id: str) -> None:
        """Screen the job's file from the first record not yet stored, storing as it goes."""
        with Session(self.engine) as session:
            job = session.get(ApiJob, job_id)
            if job is None:
                return
            session.expunge(job)
            stored = session.scalar(
                select(func.max(ApiJobFinding.seq)).where(ApiJobFinding.job_id == job_id)
            )
        done = 0 if stored is None else int(stored) + 1
        sink = ListErrorSink()
        verdicts: Counter[str] = Counter(job.verdicts or {})
        try:
            screener = self.screener_for(job.kind, job.context)
            stream = open_records(
                job.upload_path,
                job.kind,
                mapping=job.mapping or None,
                errors=sink,
                batch_size=self.batch_rows,
            )
            position = 0
            for frame in stream:
                if self._stop.is_set():
                    self._release(job_id)
                    return
                if position + frame.height <= done:
                    position += frame.height
                    continue
                if position < done:
                    frame = frame.slice(done - position)
                    position = done
                result = screener.screen_frame(frame)
                lines = result.jsonl_lines()
                rows = []
                for index, record_id in enumerate(result.ids):
                    found = result.findings.get(index)
                    verdict = found["verdict"] if found else "clear"
                    verdicts[verdict] += 1
                    rows.append(
                        {
                            "job_id": job_id,
                            "seq": position + index,
                            "record_id": record_id,
                            "verdict": verdict,
                            "finding": lines[index].rstrip(b"\n").decode(),
                        }
                    )
                position += len(result)
                self._store(job, rows, position, verdicts, sink.errors)
            self._finish(job, "done", None, position, verdicts, sink.errors)
        except JobLost:
            log.warning("job %s was taken over by another worker", job_id)
        except InputError as exc:
            self._finish(job, "failed", _named(str(exc), job), None, verdicts, sink.errors)
        except Exception as exc:
            detail = getattr(exc, "detail", None)  # an ApiProblem, e.g. a kind not built yet
            if detail is None:
                log.exception("job %s failed", job_id)
            message = str(detail) if detail else "internal error while screening; logged"
            self._finish(job, "failed", message, None, verdicts, sink.errors)

    def _owned(self, job_id: str) -> Any:
        return (ApiJob.id == job_id, ApiJob.owner == self.owner)

    def _store(
        self,
        job: ApiJob,
        rows: list[dict[str, Any]],
        position: int,
        verdicts: Counter[str],
        errors: list[RowError],
    ) -> None:
        with self.engine.begin() as conn:
            updated = conn.execute(
                update(ApiJob)
                .where(*self._owned(job.id))
                .values(
                    records_done=position,
                    errors=len(errors),
                    verdicts=dict(verdicts),
                    row_errors=_kept(errors, job),
                    updated_at=_now(),
                )
            )
            if updated.rowcount != 1:
                raise JobLost(job.id)
            if rows:
                conn.execute(insert(ApiJobFinding), rows)

    def _finish(
        self,
        job: ApiJob,
        status: str,
        error: str | None,
        position: int | None,
        verdicts: Counter[str],
        errors: list[RowError],
    ) -> None:
        now = _now()
        values: dict[str, Any] = {
            "status": status,
            "error": error,
            "errors": len(errors),
            "row_errors": _kept(errors, job),
            "verdicts": dict(verdicts),
            "updated_at": now,
            "finished_at": now,
            "owner": None,
        }
        if position is not None:
            values["records_done"] = position
        with self.engine.begin() as conn:
            conn.execute(update(ApiJob).where(*self._owned(job.id)).values(**values))

    def _release(self, job_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(ApiJob)
                .where(*self._owned(job_id))
                .values(status="queued", owner=None, updated_at=_now())
            )


def _named(message: str, job: ApiJob) -> str:
    """A reader message with the stored path replaced by the name the client uploaded."""
    return message.replace(job.upload_path, job.file_name)


def _kept(errors: Iterable[RowError], job: ApiJob) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    for error in errors:
        if len(kept) >= KEPT_ROW_ERRORS:
            break
        kept.append(_row_error_dict(error, job.upload_path, job.file_name))
    return kept
