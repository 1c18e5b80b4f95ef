"""Bad input: each case is a real file; row problems are reported and the rest is read."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from whomade.inputs import InputError, open_records

HEADER = "id,title,brand,price\n"


def test_unbalanced_quote_at_the_end(write_file, read_records) -> None:
    path = write_file(
        "quotes.csv",
        HEADER
        + '1,Axis M3106-L,Axis,199\n2,Wyze Cam,Wyze,29\n3,"Broken title,Acme,9.99\n4,Ok,Ok,1\n',
    )
    frame, errors, _ = read_records(path)
    assert frame["id"].to_list() == ["1", "2", "4"]
    assert frame["_line"].to_list() == [2, 3, 5]
    assert [e.line for e in errors] == [4]
    assert "skipped" in errors[0].reason


def test_unbalanced_quote_before_quoted_rows(write_file, read_records) -> None:
    body = (
        '1,"Hikvision DS-2CD2143G2-I, 4MP",Hikvision,89\n'
        '2,"Broken ""quote,Acme,1\n'
        '3,"Dahua IPC-HDW2431T, 4MP",Dahua,69\n'
        '4,"Multi\nline title",Bosch,399\n'
        "5,Plain,Plain,5\n"
    )
    frame, errors, _ = read_records(write_file("quotes2.csv", HEADER + body))
    assert frame["id"].to_list() == ["1", "3", "4", "5"]
    assert frame["_line"].to_list() == [2, 4, 5, 7]
    assert frame["title"][2] == "Multi\nline title"
    assert [e.line for e in errors] == [3]


def test_quote_inside_an_unquoted_field_is_literal(write_file, read_records) -> None:
    frame, errors, _ = read_records(
        write_file("inch.csv", HEADER + '1,Samsung 55" QLED TV,Samsung,499\n')
    )
    assert frame["title"].to_list() == ['Samsung 55" QLED TV']
    assert errors == []


def test_text_after_a_closing_quote_is_read_leniently(write_file, read_records) -> None:
    frame, errors, _ = read_records(
        write_file("after.csv", HEADER + '1,"TV" 55 inch,LG,1\n2,x,y,3\n')
    )
    assert frame["title"].to_list() == ["TV 55 inch", "x"]
    assert [e.line for e in errors] == [2]
    assert "leniently" in errors[0].reason


def test_wrong_column_counts(write_file, read_records) -> None:
    body = (
        "1,Reolink RLC-810A,Reolink,59\n"
        "2,Samsung TV, 55 inch,Samsung,499\n"  # an unquoted comma: too many fields
        "3,Arlo Pro 4\n"  # too few
        "4,Ring Stick Up Cam,Ring,99\n"
    )
    frame, errors, _ = read_records(write_file("width.csv", HEADER + body))
    assert frame["id"].to_list() == ["1", "3", "4"]
    assert frame.filter(frame["id"] == "3")["brand"][0] == ""
    by_line = {e.line: e for e in errors}
    assert set(by_line) == {3, 4}
    assert "5 fields, the header has 4" in by_line[3].reason and "skipped" in by_line[3].reason
    assert by_line[3].record_id == "2"
    assert "2 fields" in by_line[4].reason and "left empty" in by_line[4].reason


def test_short_rows_found_in_a_large_clean_file(write_file, read_records) -> None:
    rows = [f"{i},Title {i},Brand,{i}\n" for i in range(20_000)]
    rows[12_345] = "12345,Only two\n"
    frame, errors, _ = read_records(write_file("big.csv", HEADER + "".join(rows)))
    assert len(frame) == 20_000
    assert [e.line for e in errors] == [12_347]


def test_blank_lines_are_skipped_silently(write_file, read_records) -> None:
    frame, errors, _ = read_records(
        write_file("blank.csv", "\n" + HEADER + "1,a,b,1\n\n,,,\n2,c,d,2\n\n")
    )
    assert frame["id"].to_list() == ["1", "2"]
    assert frame["_line"].to_list() == [3, 6]
    assert errors == []


def test_five_megabyte_field_is_truncated_and_reported(write_file, read_records) -> None:
    huge = "Hikvision " + "x" * (5 * 1024 * 1024)
    path = write_file("huge.csv", HEADER + f'1,"{huge}",Big,1\n2,Normal,Brand,2\n')
    frame, errors, _ = read_records(path, max_field_chars=1000)
    assert frame["id"].to_list() == ["1", "2"]
    assert len(frame["title"][0]) == 1000
    assert frame["title"][0].startswith("Hikvision xxx")
    assert [(e.line, e.field, e.record_id) for e in errors] == [(2, "title", "1")]
    assert "5,242,890 characters; truncated to 1,000" in errors[0].reason


def test_hostile_html_is_reduced_to_text(write_file, read_records) -> None:
    description = (
        "<p>Great <b>Hik</b>vision camera</p><script>alert('x')</script>"
        "<img src=x onerror=\"alert('>')\">Night vision &amp; audio &eacute;t&#233; &#x27;ok&#x27;"
        "<style>p { color: red }</style><!-- tracking --><a href='javascript:alert(1)'>link</a>"
        " &lt;script&gt;alert(2)&lt;/script&gt;<iframe src=evil></iframe>"
    )
    record = {"id": "h1", "title": "<i>Dome</i> camera", "description": description}
    path = write_file("html.jsonl", json.dumps(record) + "\n")
    frame, errors, _ = read_records(path)
    text = frame["description"][0]
    assert frame["title"][0] == "Dome camera"
    assert "Hikvision camera" in text
    assert "Night vision & audio été 'ok'" in text
    assert "link" in text
    for forbidden in (
        "<",
        ">",
        "alert",
        "script",
        "onerror",
        "color: red",
        "tracking",
        "javascript",
    ):
        assert forbidden not in text
    assert errors == []


def test_banner_fields_keep_angle_brackets(write_file, read_records) -> None:
    path = write_file("dev.csv", "id,telnet_banner\nd1,<ZXHN H108N> login:\n")
    frame, _, _ = read_records(path, "devices")
    assert frame["telnet_banner"][0] == "<ZXHN H108N> login:"


def test_empty_files_are_fatal(write_file) -> None:
    for name, content in [("empty.csv", ""), ("spaces.csv", "  \n\n"), ("empty.jsonl", ""),
                          ("empty.json", "\n")]:  # fmt: skip
        with pytest.raises(InputError, match=rf"{name}: the file is empty"):
            open_records(write_file(name, content))


def test_header_only_file_yields_nothing(write_file, read_records) -> None:
    for content in (HEADER, HEADER.rstrip("\n")):
        frame, errors, stream = read_records(write_file("header.csv", content))
        assert frame.is_empty()
        assert errors == []
        assert stream.mapping["title"] == "title"


def test_jsonl_lines_that_are_not_objects(write_file, read_records) -> None:
    body = "\n".join(
        [
            json.dumps({"id": "a", "title": "EZVIZ C6N"}),
            "this is not json",
            "[1, 2, 3]",
            "",
            '"just a string"',
            '{"id": "b", "title": "Imou Ranger 2"',
            json.dumps({"id": "c", "title": "Amcrest IP8M"}),
        ]
    )
    frame, errors, _ = read_records(write_file("mixed.jsonl", body + "\n"))
    assert frame["id"].to_list() == ["a", "c"]
    assert frame["_line"].to_list() == [1, 7]
    reasons = {e.line: e.reason for e in errors}
    assert set(reasons) == {2, 3, 5, 6}
    assert "not valid JSON" in reasons[2]
    assert "not a JSON object but an array" in reasons[3]
    assert "a string" in reasons[5]
    assert "not valid JSON" in reasons[6]


def test_json_array_with_bad_elements(write_file, read_records) -> None:
    path = write_file("arr.json", '[{"id": "a", "title": "x"}, 42, {"id": "b", "title": "y"}]')
    frame, errors, _ = read_records(path)
    assert frame["id"].to_list() == ["a", "b"]
    assert frame["_line"].to_list() == [1, 3]
    assert [e.line for e in errors] == [2]
    broken = write_file(
        "broken.json", '[\n  {"id": "a", "title": "x"},\n  {"id": "b", "title": }\n]'
    )
    with pytest.raises(InputError, match=r"broken\.json:3:\d+: invalid JSON in element 2"):
        list(open_records(broken))
    cut = write_file("cut.json", '[{"id": "a", "title": "x"}, {"id": "b"')
    with pytest.raises(InputError, match=r"cut\.json:1:\d+: invalid JSON in element 2"):
        list(open_records(cut))


def test_json_that_holds_no_records(write_file) -> None:
    with pytest.raises(InputError, match="no list of records"):
        open_records(write_file("obj.json", '{\n "count": 2\n}'))
    with pytest.raises(InputError, match="not JSON"):
        open_records(write_file("x.json", "title\nfoo\n"), fmt="json")


def test_xlsx_with_title_row_merged_cells_and_blank_rows(tmp_path: Path, read_records) -> None:
    path = tmp_path / "catalog.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Spring catalogue 2024"
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["SKU", "Product Name", "Brand", "Price"])  # row 3
    sheet.append(["K1", "DS-2CD2143G2-I dome", "Hikvision", 89])  # row 4
    sheet.append(["K2", "DS-2CD2087G2-LU bullet", None, 129])  # row 5
    sheet.append(["K3", "DS-7608NI-K2 NVR", None, 199.5])  # row 6
    sheet.merge_cells("C4:C6")
    sheet.append([None, None, None, None])  # row 7: blank
    sheet.append(["K4", "Wyze Cam v3", "Wyze", 29])  # row 8
    workbook.save(path)
    frame, errors, stream = read_records(path)
    assert stream.columns_found == ["SKU", "Product Name", "Brand", "Price"]
    assert frame["id"].to_list() == ["K1", "K2", "K3", "K4"]
    assert frame["brand"].to_list() == ["Hikvision", "Hikvision", "Hikvision", "Wyze"]
    assert frame["price"].to_list() == ["89", "129", "199.5", "29"]
    assert frame["_line"].to_list() == [4, 5, 6, 8]
    assert errors == []


def test_xlsx_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(InputError, match="is empty"):
        open_records(path)


def test_trailing_delimiters_and_duplicate_headers(write_file, read_records) -> None:
    frame, errors, stream = read_records(
        write_file("trail.csv", "id,title\n1,Axis camera,\n2,Bosch,,\n")
    )
    assert frame["title"].to_list() == ["Axis camera", "Bosch"]
    assert errors == []
    frame, _, stream = read_records(write_file("dup.csv", "title,title,brand\nfirst,second,b\n"))
    assert frame["title"].to_list() == ["first"]
    assert stream.columns_found == ["title", "title", "brand"]
