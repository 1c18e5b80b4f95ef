"""The shared evaluation files are read whole, and none of their labels reaches a record."""

from __future__ import annotations

import html
import json

import polars as pl
from tests.conftest import EVAL, needs_shared

from whomade.inputs import CANONICAL_FIELDS, ListErrorSink, open_records
from whomade.inputs.columns import HTML_FIELDS

LABEL_FIELDS = ("label_family", "label_tier", "label_reason", "source")


def _read(name: str, kind: str) -> tuple[pl.DataFrame, list[dict], ListErrorSink, object]:
    path = needs_shared(EVAL / name)
    sink = ListErrorSink()
    stream = open_records(path, kind, errors=sink, batch_size=1000)
    frame = pl.concat(list(stream))
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return frame, raw, sink, stream


def test_listings_dev() -> None:
    frame, raw, sink, stream = _read("listings_dev.jsonl", "catalog")
    assert len(frame) == len(raw) == 4864
    assert sink.errors == []
    assert frame.columns == [*CANONICAL_FIELDS["catalog"], "_line"]
    assert frame["id"].to_list() == [r["id"] for r in raw]
    assert frame["_line"].to_list() == list(range(1, 4865))
    for field in ("title", "brand", "seller", "model", "category", "price", "url"):
        assert stream.mapping[field] == field
    assert not set(LABEL_FIELDS) & set(stream.mapping.values())
    plain = [i for i, r in enumerate(raw) if "<" not in r["title"] and "&" not in r["title"]]
    titles = frame["title"].to_list()
    assert all(titles[i] == raw[i]["title"].strip() for i in plain)


def test_devices_dev() -> None:
    frame, raw, sink, stream = _read("devices_dev.jsonl", "devices")
    assert len(frame) == len(raw) == 633
    assert sink.errors == []
    expected = {
        "vendor": "vendor_field",
        "http_server": "http_server_banner",
        "rtsp_server": "rtsp_server_banner",
        "banner": "sip_banner",
        "snmp_sysdescr": "snmp_sysdescr",
        "mac": "mac",
    }
    for canonical, source in expected.items():
        assert stream.mapping[canonical] == source
    assert not set(LABEL_FIELDS) & set(stream.mapping.values())
    by_id = dict(zip(frame["id"].to_list(), frame.iter_rows(named=True), strict=True))
    for record in raw:
        row = by_id[record["id"]]
        for canonical, source in stream.mapping.items():
            value = record.get(source, "")
            if canonical in HTML_FIELDS["devices"] and ("<" in value or "&" in value):
                assert row[canonical].split() == html.unescape(value).split()
            else:
                assert row[canonical] == value.strip()
        label_text = " ".join(str(record[k]) for k in ("label_reason",) if record[k])
        if label_text:
            assert label_text not in " ".join(row[c] for c in CANONICAL_FIELDS["devices"])
