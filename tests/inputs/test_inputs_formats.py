"""Every supported format yields the same canonical records."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import openpyxl
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from whomade.inputs import CANONICAL_FIELDS, InputError, open_records

ROWS = [
    {
        "SKU": "A-1",
        "Product Name": "Hikvision DS-2CD2143G2-I 4MP Dome",
        "Brand": "Hikvision",
        "Seller": "Bright Deals",
        "Price": "89.00",
    },
    {
        "SKU": "A-2",
        "Product Name": "海康威视 网络摄像机",
        "Brand": "海康威视",
        "Seller": "Café Électronique",
        "Price": "120",
    },
    {
        "SKU": "A-3",
        "Product Name": "Bosch FLEXIDOME IP 5000i",
        "Brand": "Bosch",
        "Seller": "",
        "Price": "399.99",
    },
]


def _check(frame: pl.DataFrame, prices: list[str] | None = None) -> None:
    assert frame.columns == [*CANONICAL_FIELDS["catalog"], "_line"]
    assert frame["id"].to_list() == ["A-1", "A-2", "A-3"]
    assert frame["title"].to_list() == [r["Product Name"] for r in ROWS]
    assert frame["brand"].to_list() == [r["Brand"] for r in ROWS]
    assert frame["seller"].to_list() == [r["Seller"] for r in ROWS]
    assert frame["price"].to_list() == (prices or [r["Price"] for r in ROWS])
    assert frame["description"].to_list() == ["", "", ""]


def _write_csv(path: Path, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROWS[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(ROWS)
    return path


def test_csv(tmp_path: Path, read_records) -> None:
    frame, errors, stream = read_records(_write_csv(tmp_path / "listings.csv"))
    _check(frame)
    assert errors == []
    assert frame["_line"].to_list() == [2, 3, 4]
    assert (stream.fmt, stream.encoding, stream.delimiter) == ("csv", "utf-8", ",")
    assert stream.columns_found == list(ROWS[0])
    assert stream.mapping["title"] == "Product Name"


def test_tsv(tmp_path: Path, read_records) -> None:
    frame, _, stream = read_records(_write_csv(tmp_path / "listings.tsv", "\t"))
    _check(frame)
    assert (stream.fmt, stream.delimiter) == ("tsv", "\t")


def test_jsonl_and_ndjson(tmp_path: Path, read_records) -> None:
    for name in ("listings.jsonl", "listings.ndjson"):
        path = tmp_path / name
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS), "utf-8")
        frame, errors, stream = read_records(path)
        _check(frame)
        assert frame["_line"].to_list() == [1, 2, 3]
        assert errors == []
        assert stream.fmt == "jsonl"


def test_json_array_is_streamed_element_by_element(tmp_path: Path, read_records) -> None:
    path = tmp_path / "listings.json"
    path.write_text(json.dumps(ROWS, ensure_ascii=False, indent=2), "utf-8")
    frame, _, stream = read_records(path, batch_size=2)
    _check(frame)
    assert frame["_line"].to_list() == [1, 2, 3]  # element numbers
    assert stream.fmt == "json"


def test_json_object_wrapping_records(tmp_path: Path, read_records) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"meta": {"n": 3}, "products": ROWS}, indent=1), "utf-8")
    frame, _, _ = read_records(path)
    _check(frame)


def test_json_file_holding_json_lines(tmp_path: Path, read_records) -> None:
    path = tmp_path / "listings.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), "utf-8")
    frame, _, stream = read_records(path)
    _check(frame)
    assert stream.fmt == "jsonl"


def test_parquet_typed_columns(tmp_path: Path, read_records) -> None:
    path = tmp_path / "listings.parquet"
    table = pa.table(
        {
            "SKU": [r["SKU"] for r in ROWS],
            "Product Name": [r["Product Name"] for r in ROWS],
            "Brand": [r["Brand"] for r in ROWS],
            "Seller": [r["Seller"] for r in ROWS],
            "Price": [89.0, 120.0, 399.99],
            "meta": [{"a": 1}, {"a": 2}, {"a": 3}],
        }
    )
    pq.write_table(table, path, row_group_size=2)
    frame, _, stream = read_records(path, batch_size=2)
    _check(frame, prices=["89", "120", "399.99"])  # whole floats read as integers
    assert frame["_line"].to_list() == [1, 2, 3]
    assert stream.fmt == "parquet"
    assert "meta" not in stream.mapping.values()


def test_xlsx_first_sheet_and_named_sheet(tmp_path: Path, read_records) -> None:
    path = tmp_path / "listings.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Catalog"
    sheet.append(list(ROWS[0]))
    for row in ROWS:
        sheet.append([float(v) if k == "Price" else v for k, v in row.items()])
    other = workbook.create_sheet("Vendors")
    other.append(["Supplier Name", "Country"])
    other.append(["Hangzhou Hikvision Digital Technology Co., Ltd.", "CN"])
    workbook.save(path)
    frame, _, stream = read_records(path)
    _check(frame, prices=["89", "120", "399.99"])
    assert frame["_line"].to_list() == [2, 3, 4]  # sheet rows
    assert (stream.fmt, stream.sheet) == ("xlsx", "Catalog")
    vendors, _, _ = read_records(path, "vendors", sheet="Vendors")
    assert vendors["name"].to_list() == ["Hangzhou Hikvision Digital Technology Co., Ltd."]
    assert vendors["country"].to_list() == ["CN"]
    with pytest.raises(InputError, match="no sheet 'Nope'"):
        open_records(path, sheet="Nope")


def test_gzip_csv_and_jsonl(tmp_path: Path, read_records) -> None:
    plain = _write_csv(tmp_path / "plain.csv")
    packed = tmp_path / "listings.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    frame, _, _ = read_records(packed)
    _check(frame)
    lines = tmp_path / "listings.jsonl.gz"
    lines.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in ROWS).encode()))
    frame, _, _ = read_records(lines)
    _check(frame)


def test_gzip_detected_by_magic_bytes(tmp_path: Path, read_records) -> None:
    plain = _write_csv(tmp_path / "plain.csv")
    hidden = tmp_path / "listings.csv"
    hidden.write_bytes(gzip.compress(plain.read_bytes()))
    frame, _, _ = read_records(hidden)
    _check(frame)


def test_format_override_and_sniffing(tmp_path: Path, read_records) -> None:
    data = _write_csv(tmp_path / "export.dat")
    frame, _, stream = read_records(data)
    _check(frame)
    assert stream.fmt == "csv"
    frame, _, _ = read_records(data, fmt="csv")
    _check(frame)


def test_mislabelled_binary_files_are_fatal(tmp_path: Path) -> None:
    table = pa.table({"title": ["x"]})
    fake = tmp_path / "listings.csv"
    pq.write_table(table, fake)
    with pytest.raises(InputError, match=r"listings\.csv.*PARQUET"):
        open_records(fake)
    not_parquet = _write_csv(tmp_path / "listings.parquet")
    with pytest.raises(InputError, match=r"listings\.parquet.*not a readable Parquet"):
        open_records(not_parquet)
    not_xlsx = _write_csv(tmp_path / "listings.xlsx")
    with pytest.raises(InputError, match=r"listings\.xlsx.*not a readable XLSX"):
        open_records(not_xlsx)


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_records(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="not a file"):
        open_records(tmp_path)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"\.xls files are not supported"):
        open_records(old)
    with pytest.raises(InputError, match="unknown format 'yaml'"):
        open_records(_write_csv(tmp_path / "x.csv"), fmt="yaml")
    with pytest.raises(ValueError, match="unknown record kind"):
        open_records(_write_csv(tmp_path / "y.csv"), "products")


def test_stream_can_be_iterated_twice(tmp_path: Path) -> None:
    stream = open_records(_write_csv(tmp_path / "listings.csv"))
    first = pl.concat(list(stream))
    second = pl.concat(list(stream))
    assert first.equals(second)
    assert stream.records == 3


NMAP_SCAN = """<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sV" start="1710238502" version="7.94" xmloutputversion="1.05">
<host starttime="1710238510" endtime="1710238600"><status state="up" reason="arp-response"/>
<address addr="192.168.1.64" addrtype="ipv4"/>
<address addr="BC:AD:28:11:22:33" addrtype="mac" vendor="Hangzhou Hikvision Digital Technology"/>
<ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack"/>
<service name="http" product="Hikvision IP camera httpd" method="probed" conf="10"/>
<script id="http-server-header" output="App-webs/"/></port></ports>
</host>
</nmaprun>
"""


def test_nmap_scans_are_read_as_devices(tmp_path: Path, read_records) -> None:
    path = tmp_path / "scan.xml"
    path.write_text(NMAP_SCAN, encoding="utf-8")
    frame, errors, stream = read_records(path, "devices")
    assert stream.fmt == "nmap"
    assert frame["mac"].to_list() == ["BC:AD:28:11:22:33"]
    assert frame["ip"].to_list() == ["192.168.1.64"]
    assert frame["_line"].to_list() == [3]
    assert errors == []
    with pytest.raises(InputError, match="holds devices"):
        open_records(path, "catalog")


def test_truncated_gzip_is_an_input_error(tmp_path: Path) -> None:
    rows = "".join(f"{i},Title {i},Brand\n" for i in range(300_000))
    packed = gzip.compress(("id,title,brand\n" + rows).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    stream = open_records(path)
    with pytest.raises(InputError, match=r"cut\.csv\.gz: reading stopped after"):
        list(stream)
