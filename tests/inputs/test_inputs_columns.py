"""Column recognition by name, --map overrides and column errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from whomade.inputs import CANONICAL_FIELDS, KINDS, ColumnError, open_records
from whomade.inputs.columns import SYNONYMS, normalize_name, recognise


def _csv(tmp_path: Path, header: str, row: str, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    return path


def test_canonical_fields_and_synonym_tables_agree() -> None:
    assert set(KINDS) == set(CANONICAL_FIELDS) == set(SYNONYMS)
    for kind in KINDS:
        assert set(SYNONYMS[kind]) == set(CANONICAL_FIELDS[kind])
        for canonical in CANONICAL_FIELDS[kind]:
            assert recognise(kind, canonical) == (canonical, 0)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Product Name", "title"),
        ("PRODUCT-TITLE", "title"),
        ("item_name", "title"),
        ("Brand Name", "brand"),
        ("Maker", "manufacturer"),
        ("MFR", "manufacturer"),
        ("Storefront", "seller"),
        ("Merchant", "seller"),
        ("vendor", "seller"),
        ("Model Number", "model"),
        ("MPN", "model"),
        ("part-number", "model"),
        ("Bullet Points", "description"),
        ("desc", "description"),
        ("ASIN", "id"),
        ("item id", "id"),
        ("Listing ID", "id"),
        ("First Available", "date"),
        ("listing_date", "date"),
        ("FCC ID", "fcc_id"),
        ("EAN", "upc"),
        ("商品名称", "title"),
    ],
)
def test_catalog_synonyms(header: str, expected: str) -> None:
    hit = recognise("catalog", header)
    assert hit is not None and hit[0] == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("http_server_banner", "http_server"),
        ("Server", "http_server"),
        ("vendor_field", "vendor"),
        ("MAC Vendor", "vendor"),
        ("rtsp_server_banner", "rtsp_server"),
        ("sysDescr", "snmp_sysdescr"),
        ("MAC Address", "mac"),
        ("IP Address", "ip"),
        ("sip_banner", "banner"),
        ("Serial Number", "serial"),
    ],
)
def test_device_synonyms(header: str, expected: str) -> None:
    hit = recognise("devices", header)
    assert hit is not None and hit[0] == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [("Supplier", "name"), ("Legal Name", "name"), ("Company", "name"), ("Vendor Name", "name"),
     ("Parent Company", "parent"), ("DUNS", "identifiers"), ("Web Site", "website")],
)  # fmt: skip
def test_vendor_synonyms(header: str, expected: str) -> None:
    hit = recognise("vendors", header)
    assert hit is not None and hit[0] == expected


def test_names_are_compared_folded() -> None:
    assert normalize_name("Product-Name ") == normalize_name("product_name") == "productname"


def test_labels_and_provenance_are_never_recognised() -> None:
    for kind in KINDS:
        for name in ("label_family", "label_tier", "label_reason", "source", "Label", "truth"):
            assert recognise(kind, name) is None


def test_best_synonym_wins_and_map_overrides(tmp_path: Path) -> None:
    path = _csv(tmp_path, "name,Product Title,sku,Notes", "Widget,Hikvision camera,S1,n")
    stream = open_records(path)
    assert stream.mapping == {"id": "sku", "title": "Product Title"}
    batch = next(iter(stream))
    assert batch["title"][0] == "Hikvision camera"
    mapped = open_records(path, mapping={"title": "name", "description": "Notes"})
    assert mapped.mapping == {"id": "sku", "title": "name", "description": "Notes"}
    batch = next(iter(mapped))
    assert (batch["title"][0], batch["description"][0]) == ("Widget", "n")


def test_map_is_case_and_space_insensitive_when_unambiguous(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Product Name,Notes", "x,y")
    assert open_records(path, mapping={"title": "product name"}).mapping["title"] == "Product Name"


def test_map_naming_a_missing_column(tmp_path: Path) -> None:
    path = _csv(tmp_path, "sku,Product Name,Price", "1,x,2")
    with pytest.raises(ColumnError) as caught:
        open_records(path, mapping={"title": "Title Text"})
    message = str(caught.value)
    assert "'Title Text'" in message
    assert "'sku', 'Product Name', 'Price'" in message
    assert "f.csv" in message


def test_map_naming_an_unknown_field(tmp_path: Path) -> None:
    path = _csv(tmp_path, "title", "x")
    with pytest.raises(ColumnError, match=r"unknown field 'titel'.*fields are: id, title"):
        open_records(path, mapping={"titel": "title"})


@pytest.mark.parametrize(
    ("kind", "header", "needs"),
    [
        ("catalog", "sku,price,colour", "'title'"),
        ("vendors", "id,country", "'name'"),
        ("devices", "id,location,owner", "'mac'"),
    ],
)
def test_missing_required_column(tmp_path: Path, kind: str, header: str, needs: str) -> None:
    path = _csv(tmp_path, header, ",".join("v" for _ in header.split(",")))
    with pytest.raises(ColumnError) as caught:
        open_records(path, kind)
    message = str(caught.value)
    assert needs in message
    assert "Columns found: " + ", ".join(repr(c) for c in header.split(",")) in message
    assert "--map" in message


def test_description_alone_is_enough_for_a_catalog(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Details", "EZVIZ C6N indoor camera")
    batch = next(iter(open_records(path)))
    assert batch["description"][0] == "EZVIZ C6N indoor camera"
    assert batch["id"][0] == "row-2"


def test_nested_values_and_labels_are_not_mapped(tmp_path: Path, read_records) -> None:
    path = tmp_path / "devices.jsonl"
    records = [
        {"id": "D1", "mac": "B4:A3:82:00:00:01", "model": {"name": "DS-2CD"},
         "label_family": "hikvision", "source": {"vendor": "Hikvision"}},
        {"id": "D2", "mac": "", "model": "RLC-810A", "label_family": "none", "source": {}},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    frame, errors, stream = read_records(path, "devices")
    assert "model" not in stream.mapping  # a dict in the sample: never mapped
    assert "source" not in stream.mapping.values()
    assert "label_family" not in stream.mapping.values()
    assert frame["model"].to_list() == ["", ""]
    for column in frame.columns[:-1]:
        assert not any("hikvision" in v.lower() for v in frame[column].to_list())
    assert errors == []


def test_later_json_keys_are_recognised(tmp_path: Path, read_records) -> None:
    path = tmp_path / "devices.jsonl"
    lines = [{"id": f"D{i}", "mac": f"00:11:22:33:44:{i:02x}"} for i in range(3000)]
    lines.append({"id": "late", "mac": "", "rtsp_server_banner": "Hikvision RTSP"})
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    frame, _, stream = read_records(path, "devices")
    assert stream.mapping["rtsp_server"] == "rtsp_server_banner"
    assert "rtsp_server_banner" in stream.columns_found
    assert frame.filter(frame["id"] == "late")["rtsp_server"][0] == "Hikvision RTSP"
