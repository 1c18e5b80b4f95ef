"""Versions in the database: imports, idempotence, atomicity, and the real version-pair diffs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.sources.conftest import importer
from whomade.sources import importer as importer_module
from whomade.sources.diff import diff_versions
from whomade.sources.errors import ListFormatError, PartialFileError
from whomade.sources.importer import current_version, import_path
from whomade.sources.query import diff_items, diff_stored, versions
from whomade.sources.store import ListEntryName, ListEntryRow, ListVersion

LINK_FIELDS = {"source_list_url", "source_information_url", "links"}


def assert_no_url_only_change(result_fields: dict[str, int]) -> None:
    assert not LINK_FIELDS & set(result_fields)
    assert not any("url" in name for name in result_fields)


@pytest.fixture(scope="module")
def stored(module_engine: Engine, lists_dir: Path) -> Engine:
    """DPL x3, SDN x2, non-SDN x4 imported once for the module."""
    run = importer(module_engine, lists_dir)
    for relative in (
        "bis-denied-persons/2019-06-29/dpl.txt",
        "bis-denied-persons/2022-09-07/dpl.txt",
        "bis-denied-persons/2023-11-30/dpl.txt",
    ):
        assert run("dpl", relative).status == "imported"
    for relative in ("ofac-sdn/2019-01-15", "ofac-sdn/2021-07-07/sdn.csv"):
        assert run("sdn", relative).status == "imported"
    for relative in (
        "ofac-consolidated/2018-04-06",
        "ofac-consolidated/2025-03-26",
        "ofac-consolidated/2025-04-21",
        "ofac-consolidated/2025-12-19",
    ):
        assert run("cons", relative).status == "imported"
    return module_engine


def test_rows_imported_per_version(stored: Engine) -> None:
    with Session(stored) as session:
        counts = {(v.list_id, v.seq): v.entry_count for v in versions(session)}
    assert counts == {
        ("cons", 1): 639,
        ("cons", 2): 443,
        ("cons", 3): 443,
        ("cons", 4): 442,
        ("dpl", 1): 546,
        ("dpl", 2): 581,
        ("dpl", 3): 665,
        ("sdn", 1): 7379,
        ("sdn", 2): 8976,
    }


def test_version_records_source_hash_and_files(stored: Engine, lists_dir: Path) -> None:
    with Session(stored) as session:
        dpl = session.scalars(select(ListVersion).where(ListVersion.list_id == "dpl")).first()
        assert dpl is not None
        assert dpl.file_hash == "6f1fddc5094b4c30562114ea2b98ae01e59e436dde9865381e2c7a227b94a1d5"
        assert dpl.source_url.startswith("file://") and dpl.source_url.endswith("dpl.txt")
        assert dpl.retrieved_at is not None and dpl.published_on is None
        sdn = session.scalars(select(ListVersion).where(ListVersion.list_id == "sdn")).first()
        assert sdn is not None
        assert [f["role"] for f in sdn.files] == ["addresses", "aliases", "comments", "primary"]


def test_dpl_diffs(stored: Engine) -> None:
    """README §4 gives +224/-188/2 and +230/-146/18 from a dict keyed on (Name, Street_Address,
    Effective_Date), which silently merges 5 rows of 2019 sharing such a key (e.g. the two
    addresses of MUHAMMED ALI HIJAZI); keys made unique here keep them, so the first pair is
    +224/-189/0, which a whole-row multiset comparison confirms (189 rows gone, 224 new)."""
    with Session(stored) as session:
        first = diff_stored(session, "dpl", "1", "2")
        second = diff_stored(session, "dpl")
    assert first.diff.counts == {"added": 224, "removed": 189, "changed": 0}
    assert second.diff.counts == {"added": 230, "removed": 146, "changed": 18}
    assert (second.old.seq, second.new.seq) == (2, 3)
    assert_no_url_only_change(second.diff.field_counts())
    assert second.diff.field_counts()["d.last_update"] == 17


def test_sdn_diff_2019_to_2021(stored: Engine) -> None:
    with Session(stored) as session:
        result = diff_stored(session, "sdn")
        old, new = (diff_items(session, v.id) for v in (result_v(session, 1), result_v(session, 2)))
    assert result.diff.counts == {"added": 1858, "removed": 261, "changed": 842}
    assert_no_url_only_change(result.diff.field_counts())
    # README §2 compares sdn.csv rows only: the same pair, with aliases/addresses left out
    primary_only = diff_versions(
        old, new, uncompared={"aliases", "addresses", "countries", "d.remarks_continued"}
    )
    assert primary_only.counts == {"added": 1858, "removed": 261, "changed": 836}


def result_v(session: Session, seq: int) -> ListVersion:
    found = session.scalars(
        select(ListVersion).where(ListVersion.list_id == "sdn", ListVersion.seq == seq)
    ).one()
    return found


def test_non_sdn_diffs(stored: Engine) -> None:
    with Session(stored) as session:
        long_gap = diff_stored(session, "cons", "1", "2")
        march_april = diff_stored(session, "cons", "2", "3")
        april_december = diff_stored(session, "cons", "3", "4")
    assert long_gap.diff.counts == {"added": 79, "removed": 275, "changed": 287}
    assert march_april.diff.counts == {"added": 0, "removed": 0, "changed": 1}
    (change,) = march_april.diff.changed
    assert change.key == "9659" and change.field_names == ("remarks",)
    # the March copy lacks cons_add/cons_alt: those fields are not compared, not "removed"
    assert {"addresses", "aliases"} <= set(march_april.diff.uncompared)
    assert april_december.diff.counts == {"added": 0, "removed": 1, "changed": 12}
    assert [i.key for i in april_december.diff.removed] == ["26182"]
    programs = [c for c in april_december.diff.changed if "programs" in c.field_names]
    assert len(programs) == 12
    moves = {
        c.name: (f.added, f.removed) for c in programs for f in c.fields if f.field == "programs"
    }
    # Rosneft, Lukoil and nine Rosneft subsidiaries gain RUSSIA-EO14024; Rosoboronexport loses SYRIA
    assert sum(1 for added, _ in moves.values() if added == ("RUSSIA-EO14024",)) == 11
    assert moves["ROSOBORONEKSPORT OAO"] == ((), ("SYRIA",))
    for result in (long_gap, march_april, april_december):
        assert_no_url_only_change(result.diff.field_counts())


def test_reimport_adds_nothing(stored: Engine, lists_dir: Path) -> None:
    before = _version_count(stored)
    again = import_path(stored, "dpl", lists_dir / "bis-denied-persons/2022-09-07/dpl.txt")
    assert again.status == "unchanged"
    assert "already imported as dpl v2" in again.message
    folder = import_path(stored, "sdn", lists_dir / "ofac-sdn/2021-07-07")
    assert folder.status == "unchanged"
    assert _version_count(stored) == before


def test_same_entries_in_other_bytes_add_nothing(
    stored: Engine, lists_dir: Path, tmp_path: Path
) -> None:
    crlf = (
        (lists_dir / "bis-denied-persons/2023-11-30/dpl.txt").read_bytes().replace(b"\n", b"\r\n")
    )
    path = tmp_path / "dpl.txt"
    path.write_bytes(crlf)
    before = _version_count(stored)
    result = import_path(stored, "dpl", path)
    assert result.status == "unchanged"
    assert "same entries as dpl v3" in result.message
    assert _version_count(stored) == before


def _version_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(ListVersion)) or 0


def test_failed_import_keeps_the_previous_version(
    engine: Engine, lists_dir: Path, tmp_path: Path
) -> None:
    good = lists_dir / "bis-denied-persons/2019-06-29/dpl.txt"
    assert import_path(engine, "dpl", good).status == "imported"
    data = (lists_dir / "bis-denied-persons/2022-09-07/dpl.txt").read_bytes()
    broken = tmp_path / "dpl.txt"
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(ListFormatError) as caught:
        import_path(engine, "dpl", broken)
    assert str(broken) in str(caught.value)
    with Session(engine) as session:
        current = current_version(session, "dpl")
        assert current is not None and current.seq == 1 and current.entry_count == 546
        assert session.scalar(select(func.count()).select_from(ListVersion)) == 1


def test_import_is_one_transaction(
    engine: Engine, lists_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after some rows were written (disk full, killed process...) leaves nothing."""
    assert import_path(engine, "dpl", lists_dir / "bis-denied-persons/2019-06-29/dpl.txt")
    real = importer_module._insert_entries

    def insert_then_fail(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(importer_module, "_insert_entries", insert_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_path(engine, "dpl", lists_dir / "bis-denied-persons/2022-09-07/dpl.txt")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(ListVersion)) == 1
        assert session.scalar(select(func.count()).select_from(ListEntryRow)) == 546
        names = session.scalar(select(func.count()).select_from(ListEntryName))
        assert names == 546


def test_truncated_csl_never_replaces_the_last_good_version(
    engine: Engine, lists_dir: Path
) -> None:
    assert import_path(engine, "csl", lists_dir / "csl/2022-05-16/consolidated.csv").status == (
        "imported"
    )
    truncated = lists_dir / "csl/2023-11-30-truncated/csl.csv"
    with pytest.raises(PartialFileError, match="4226 whole rows could be imported"):
        import_path(engine, "csl", truncated)
    partial = import_path(engine, "csl", truncated, allow_partial=True)
    assert partial.status == "partial"
    assert partial.version.entry_count == 4226 and not partial.version.complete
    with Session(engine) as session:
        current = current_version(session, "csl")
        assert current is not None and current.seq == 1 and current.entry_count == 14160
        with pytest.raises(Exception, match="a diff needs two"):
            diff_stored(session, "csl")
        explicit = diff_stored(session, "csl", "1", "2")
    assert explicit.diff.counts["changed"] == 538
