"""Importing a version of a list into the database: parse fully, then write in one transaction.

Nothing is written until the whole file parsed; the version, its entries and their names are
written in a single transaction, so a failed or interrupted import leaves the previous version as
it was. Importing bytes already imported (same file hash), or a release whose entries equal the
current version's, adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import Engine, Table, func, insert, select
from sqlalchemy.orm import Session

from whomade.sources import lists
from whomade.sources.model import ListEntry, Value, content_digest
from whomade.sources.names import matching_form
from whomade.sources.parsers.common import ParsedList, SourceFile
from whomade.sources.store import ListEntryName, ListEntryRow, ListVersion

BATCH = 5000


@dataclass(frozen=True)
class VersionInfo:
    """A stored version as shown to users."""

    id: int
    list_id: str
    seq: int
    format: str
    source_url: str
    file_hash: str
    retrieved_at: dt.datetime
    published_on: dt.date | None
    entry_count: int
    complete: bool
    uncompared: tuple[str, ...]
    notes: tuple[str, ...]

    @classmethod
    def of(cls, row: ListVersion) -> VersionInfo:
        return cls(
            id=row.id,
            list_id=row.list_id,
            seq=row.seq,
            format=row.format,
            source_url=row.source_url,
            file_hash=row.file_hash,
            retrieved_at=row.retrieved_at,
            published_on=row.published_on,
            entry_count=row.entry_count,
            complete=row.complete,
            uncompared=tuple(row.uncompared or ()),
            notes=tuple(row.notes or ()),
        )

    @property
    def label(self) -> str:
        when = self.published_on.isoformat() if self.published_on else "no publication date"
        return f"{self.list_id} v{self.seq} ({when})"


@dataclass
class ImportResult:
    """What an import did: ``imported``, ``partial`` (whole rows of a damaged file), or
    ``unchanged`` (same file or same entries as an existing version; nothing was added)."""

    status: str
    version: VersionInfo
    message: str
    notes: list[str] = field(default_factory=list)
    linked: dict[str, int] = field(default_factory=dict)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_hash(files: Mapping[str, SourceFile]) -> str:
    """A single file's SHA-256, or for a set of files one over each role and file hash."""
    if len(files) == 1:
        return sha256(next(iter(files.values())).data)
    lines = "".join(f"{role}:{sha256(f.data)}\n" for role, f in sorted(files.items()))
    return sha256(lines.encode())


def entries_digest(entries: list[ListEntry], hashes: list[str]) -> str:
    """A digest of a version's keyed contents (equal for two releases with equal entries)."""
    return content_digest({e.key: h for e, h in zip(entries, hashes, strict=True)})


def current_version(session: Session, list_id: str) -> ListVersion | None:
    """The version in use: the latest complete one."""
    return session.scalars(
        select(ListVersion)
        .where(ListVersion.list_id == list_id, ListVersion.complete.is_(True))
        .order_by(ListVersion.seq.desc())
        .limit(1)
    ).first()


def load_files(
    list_id: str, path: Path, fmt: str | None = None
) -> tuple[str, dict[str, SourceFile]]:
    """Read a file or OFAC folder from disk as the parser input."""
    fmt, paths = lists.read_files(list_id, path, fmt)
    return fmt, {role: SourceFile(str(p), p.read_bytes()) for role, p in paths.items()}


def import_path(
    engine: Engine,
    list_id: str,
    path: Path,
    *,
    fmt: str | None = None,
    source_url: str | None = None,
    published_on: dt.date | None = None,
    allow_partial: bool = False,
    notes: tuple[str, ...] = (),
) -> ImportResult:
    """Import a local file (or OFAC CSV folder) as a new version of ``list_id``.

    ``notes`` are kept in the version record (e.g. that the file is a sample of the official one).
    """
    fmt, files = load_files(list_id, path, fmt)
    url = source_url or path.resolve().as_uri()
    return import_files(
        engine,
        list_id,
        fmt,
        files,
        source_url=url,
        published_on=published_on,
        allow_partial=allow_partial,
        notes=notes,
    )


def import_files(
    engine: Engine,
    list_id: str,
    fmt: str,
    files: Mapping[str, SourceFile],
    *,
    source_url: str,
    retrieved_at: dt.datetime | None = None,
    published_on: dt.date | None = None,
    allow_partial: bool = False,
    notes: tuple[str, ...] = (),
) -> ImportResult:
    """Parse ``files`` and store them as a new version of ``list_id`` (one transaction)."""
    list_id = lists.spec(list_id).id
    digest = files_hash(files)
    with Session(engine) as session:
        existing = session.scalars(
            select(ListVersion).where(
                ListVersion.list_id == list_id, ListVersion.file_hash == digest
            )
        ).first()
        if existing is not None:
            info = VersionInfo.of(existing)
            return ImportResult(
                "unchanged", info, f"already imported as {info.label}; nothing added"
            )
    parsed = lists.parse(list_id, fmt, files, allow_partial=allow_partial)
    return store_parsed(
        engine,
        list_id,
        parsed,
        files,
        file_hash=digest,
        source_url=source_url,
        retrieved_at=retrieved_at,
        published_on=published_on,
        notes=notes,
    )


def store_parsed(
    engine: Engine,
    list_id: str,
    parsed: ParsedList,
    files: Mapping[str, SourceFile],
    *,
    file_hash: str,
    source_url: str,
    retrieved_at: dt.datetime | None = None,
    published_on: dt.date | None = None,
    notes: tuple[str, ...] = (),
) -> ImportResult:
    """Write a parsed version, its entries and names in one transaction."""
    now = dt.datetime.now(dt.UTC)
    contents = [e.content() for e in parsed.entries]
    hashes = [content_digest(c) for c in contents]
    digest = entries_digest(parsed.entries, hashes)
    all_notes = [*notes, *parsed.notes]
    if parsed.partial:
        all_notes.insert(0, f"PARTIAL: {parsed.partial}")
    with Session(engine) as session, session.begin():
        current = current_version(session, list_id)
        if current is not None and parsed.partial is None and current.entries_digest == digest:
            info = VersionInfo.of(current)
            return ImportResult(
                "unchanged",
                info,
                f"same entries as {info.label} (the file differs only in bytes); nothing added",
            )
        seq = (
            session.scalar(select(func.max(ListVersion.seq)).where(ListVersion.list_id == list_id))
            or 0
        ) + 1
        version = ListVersion(
            list_id=list_id,
            seq=seq,
            format=parsed.format,
            source_url=source_url,
            files=[
                {"role": role, "name": f.name, "sha256": sha256(f.data), "bytes": len(f.data)}
                for role, f in sorted(files.items())
            ],
            file_hash=file_hash,
            retrieved_at=retrieved_at or now,
            published_on=published_on or parsed.published_on,
            entry_count=len(parsed.entries),
            complete=parsed.partial is None,
            uncompared=list(parsed.uncompared),
            entries_digest=digest,
            notes=all_notes,
            imported_at=now,
        )
        session.add(version)
        session.flush()
        _insert_entries(session, version.id, parsed.entries, contents, hashes)
        info = VersionInfo.of(version)
    status = "partial" if parsed.partial else "imported"
    message = f"imported {len(parsed.entries)} entries as {info.label}"
    if parsed.partial:
        message = (
            f"imported only the whole rows ({len(parsed.entries)}) as {info.label}, marked "
            f"partial and not used as the current version: {parsed.partial}"
        )
    return ImportResult(status, info, message, notes=all_notes)


def _insert_entries(
    session: Session,
    version_id: int,
    entries: list[ListEntry],
    contents: list[dict[str, Value]],
    hashes: list[str],
) -> None:
    entry_rows = []
    name_rows = []
    for entry, content, digest in zip(entries, contents, hashes, strict=True):
        entry_rows.append(
            {
                "version_id": version_id,
                "key": entry.key,
                "native_id": entry.native_id,
                "source": entry.source,
                "name": entry.name,
                "content_hash": digest,
                "content": {k: list(v) if isinstance(v, tuple) else v for k, v in content.items()},
                "record": entry.to_record(),
            }
        )
        if entry.entity_type == "category":
            continue
        for index, name in enumerate(entry.names):
            norm = matching_form(name)
            if norm:
                name_rows.append(
                    {
                        "version_id": version_id,
                        "key": entry.key,
                        "name": name,
                        "kind": "name" if index == 0 else "alias",
                        "norm": norm,
                    }
                )
    connection = session.connection()
    # Core inserts on the tables: the ORM bulk path costs twice the time for no benefit here.
    entry_table = cast(Table, ListEntryRow.__table__)
    name_table = cast(Table, ListEntryName.__table__)
    for start in range(0, len(entry_rows), BATCH):
        connection.execute(insert(entry_table), entry_rows[start : start + BATCH])
    for start in range(0, len(name_rows), BATCH):
        connection.execute(insert(name_table), name_rows[start : start + BATCH])
