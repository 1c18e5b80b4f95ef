"""Streaming: many batches, block boundaries inside quoted fields, exact line numbers."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import whomade.inputs.delimited as delimited
import whomade.inputs.json_source as json_source
from whomade.inputs import ListErrorSink, open_records


def _rows(count: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    words = ["Hikvision", "camera", "4K", 'inch "55"', "PoE,", "dome", "海康威视", "Müller", "TV"]
    rows = []
    for i in range(count):
        title = " ".join(rng.choices(words, k=rng.randint(1, 6)))
        if rng.random() < 0.2:
            title += "\nsecond line" + "\r\nthird" * rng.randint(0, 2)
        description = "" if rng.random() < 0.3 else " ".join(rng.choices(words, k=20))
        rows.append([f"id-{i}", title, rng.choice(["Axis", "", "Bosch"]), description])
    return rows


def _expected_lines(text: str) -> list[int]:
    """The line each record starts on, by Python's csv module."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    starts, previous = [], reader.line_num
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    return starts


def _write(path: Path, rows: list[list[str]], lineterminator: str = "\n") -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(["sku", "title", "brand", "description"])
    writer.writerows(rows)
    text = buffer.getvalue()
    path.write_text(text, encoding="utf-8", newline="")
    return text


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few hundred bytes, so boundaries fall inside quoted multi-line fields."""
    monkeypatch.setattr(delimited, "MIN_BLOCK_BYTES", 300)
    monkeypatch.setattr(delimited, "MAX_BLOCK_BYTES", 300)
    monkeypatch.setattr(json_source, "MIN_BLOCK_BYTES", 300)
    monkeypatch.setattr(json_source, "MAX_BLOCK_BYTES", 300)


@pytest.mark.parametrize("terminator", ["\n", "\r\n"])
def test_many_batches_and_exact_lines(tmp_path: Path, terminator: str, tiny_blocks: None) -> None:
    rows = _rows(1500)
    text = _write(tmp_path / "cat.csv", rows, terminator)
    sink = ListErrorSink()
    batches = list(open_records(tmp_path / "cat.csv", errors=sink, batch_size=64))
    assert len(batches) > 20
    assert all(0 < len(b) <= 64 for b in batches)
    frame = pl.concat(batches)
    assert sink.errors == []
    assert frame["id"].to_list() == [r[0] for r in rows]
    assert frame["title"].to_list() == [r[1].strip() for r in rows]
    assert frame["description"].to_list() == [r[3] for r in rows]
    assert frame["_line"].to_list() == _expected_lines(text)


def test_big_blocks_give_the_same_result(tmp_path: Path) -> None:
    rows = _rows(3000, seed=3)
    text = _write(tmp_path / "cat.csv", rows)
    frame = pl.concat(list(open_records(tmp_path / "cat.csv", batch_size=1000)))
    assert frame["title"].to_list() == [r[1].strip() for r in rows]
    assert frame["_line"].to_list() == _expected_lines(text)


def test_bad_rows_across_block_boundaries(tmp_path: Path, tiny_blocks: None) -> None:
    rows = _rows(400, seed=11)
    text = _write(tmp_path / "good.csv", rows)
    lines = text.split("\n")
    # Break three physical lines that each start a record: a stray quote, an extra field, a
    # missing field. The csv module on the original text tells where records start.
    starts = _expected_lines(text)
    single = [k for k in range(len(starts) - 1) if starts[k + 1] == starts[k] + 1]
    chosen = {how: next(k for k in single if k >= at) for how, at in
              (("stray", 50), ("extra", 200), ("short", 300))}  # fmt: skip
    broken = {starts[k]: how for how, k in chosen.items()}
    for line_no, how in broken.items():
        index = line_no - 1
        record_id = lines[index].split(",")[0]
        if how == "stray":
            lines[index] = f'{record_id},"unterminated,Axis,x'
        elif how == "extra":
            lines[index] = f"{record_id},a,b,c,d,e"
        else:
            lines[index] = f"{record_id},only title"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines), encoding="utf-8", newline="")
    sink = ListErrorSink()
    frame = pl.concat(list(open_records(path, errors=sink, batch_size=50)))
    reported = sorted(e.line for e in sink.errors)
    assert set(broken) <= set(reported)
    kept = dict(zip(frame["id"].to_list(), frame["_line"].to_list(), strict=True))
    for row, start in zip(rows, starts, strict=True):
        if start not in broken and row[0] in kept and start not in reported:
            assert kept[row[0]] == start
    short, extra = chosen["short"], chosen["extra"]
    assert kept[rows[short][0]] == starts[short]  # the short row is kept, fields left empty
    assert rows[extra][0] not in kept
    assert len(frame) >= 395


def test_unterminated_quote_in_a_large_file_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delimited, "MIN_BLOCK_BYTES", 1000)
    monkeypatch.setattr(delimited, "MAX_BLOCK_BYTES", 1000)
    monkeypatch.setattr(delimited, "MAX_RECORD_BYTES", 5000)
    body = "".join(f"{i},title {i},brand,{i}\n" for i in range(2000))
    path = tmp_path / "stray.csv"
    path.write_text("id,title,brand,price\n" + '9999,"never closed,b,1\n' + body, encoding="utf-8")
    sink = ListErrorSink()
    frame = pl.concat(list(open_records(path, errors=sink)))
    assert [e.line for e in sink.errors] == [2]
    assert len(frame) == 2000
    assert frame["_line"].to_list() == list(range(3, 2003))


def test_jsonl_in_tiny_blocks(tmp_path: Path, tiny_blocks: None) -> None:
    records = [{"id": f"j{i}", "title": "x" * (i % 97), "brand": "B"} for i in range(700)]
    text = "".join(json.dumps(r) + "\n" for r in records)
    path = tmp_path / "cat.jsonl"
    path.write_text(text, encoding="utf-8")
    batches = list(open_records(path, batch_size=100))
    frame = pl.concat(batches)
    assert frame["id"].to_list() == [r["id"] for r in records]
    assert frame["_line"].to_list() == list(range(1, 701))


def test_old_mac_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"id,title\r1,EZVIZ C6N\r2,Imou Ranger\r")
    frame = pl.concat(list(open_records(path)))
    assert frame["title"].to_list() == ["EZVIZ C6N", "Imou Ranger"]
    assert frame["_line"].to_list() == [2, 3]


def test_ids_fall_back_to_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "noid.csv"
    path.write_text('title,brand\n"two\nlines",x\n,\nthird,y\n', encoding="utf-8")
    frame = pl.concat(list(open_records(path)))
    assert frame["id"].to_list() == ["row-2", "row-5"]
    with_ids = tmp_path / "someid.csv"
    with_ids.write_text("sku,title\nA1,x\n,y\n", encoding="utf-8")
    frame = pl.concat(list(open_records(with_ids)))
    assert frame["id"].to_list() == ["A1", "row-3"]


_TEXT = st.text(
    # \x1c-\x1f count as whitespace for str.strip but not for Unicode (nor polars).
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\x00\r\x1c\x1d\x1e\x1f"
    ),
    max_size=40,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=30))
def test_any_text_round_trips_through_csv(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    path = tmp_path / "roundtrip.csv"
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(["title", "brand"])
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    sink = ListErrorSink()
    frames = list(open_records(path, errors=sink, encoding="utf-8", delimiter=","))
    kept = [(t, b) for t, b in rows if (t + b).strip()]
    got = (
        []
        if not frames
        else list(zip(*(pl.concat(frames)[c].to_list() for c in ("title", "brand")), strict=True))
    )
    # Text without markup comes back as written, less surrounding whitespace.
    expected = [(t.strip(), b.strip()) for t, b in kept]
    plain = [i for i, (t, b) in enumerate(kept) if not any(ch in t + b for ch in "<&")]
    assert len(got) == len(expected)
    assert [got[i] for i in plain] == [expected[i] for i in plain]
    assert sink.errors == []
