"""Encoding detection and delimiter sniffing on real files written in each encoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from whomade.inputs import InputError, open_records
from whomade.inputs.sniff import detect_encoding

LATIN_ROWS = [
    ("1", "Caméra de surveillance extérieure", "Société Générale Sécurité"),
    ("2", "Überwachungskamera für Außenbereich", "Müller & Söhne"),
    ("3", "Cámara IP con visión nocturna, señal", "Peña Electrónica"),
]
CHINESE_ROWS = [
    ("1", "海康威视 DS-2CD3T46WDV3-I3 网络摄像机", "杭州海康威视数字技术股份有限公司"),
    ("2", "大华 DH-IPC-HFW2433M 红外枪型网络摄像机", "浙江大华技术股份有限公司"),
    ("3", "小米 智能摄像机 云台版 2K", "北京小米科技有限责任公司"),
]


def _csv_bytes(rows: list[tuple[str, str, str]], encoding: str, delimiter: str = ",") -> bytes:
    lines = [delimiter.join(("id", "title", "seller"))]
    lines += [delimiter.join(f'"{v}"' if delimiter in v else v for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "rows", "expected"),
    [
        ("utf-8", LATIN_ROWS + CHINESE_ROWS, "utf-8"),
        ("utf-8-sig", LATIN_ROWS + CHINESE_ROWS, "utf-8-sig"),
        ("cp1252", LATIN_ROWS, "cp1252"),
        ("gb18030", CHINESE_ROWS, "gb18030"),
    ],
)
def test_encodings_are_detected(
    tmp_path: Path, read_records, encoding: str, rows: list, expected: str
) -> None:
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(_csv_bytes(rows, encoding))
    frame, errors, stream = read_records(path)
    assert stream.encoding == expected
    assert errors == []
    assert frame["title"].to_list() == [r[1] for r in rows]
    assert frame["seller"].to_list() == [r[2] for r in rows]
    assert frame["id"][0] == "1"  # no BOM left on the first column name or value


def test_given_encoding_wins(tmp_path: Path, read_records) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(_csv_bytes(LATIN_ROWS, "latin-1"))
    frame, _, stream = read_records(path, encoding="latin-1")
    assert stream.encoding == "iso8859-1"
    assert frame["seller"][1] == "Müller & Söhne"
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        open_records(path, encoding="klingon")


def test_detection_samples_the_middle_of_large_files(tmp_path: Path, read_records) -> None:
    # Pure ASCII for the first MB, cp1252 accents later: the later samples decide.
    ascii_rows = [(str(i), f"Plain product number {i}", "Generic Store") for i in range(30_000)]
    data = _csv_bytes(ascii_rows + [("x", "Crème brûlée torch", "Pâtisserie")] * 500, "cp1252")
    assert len(data) > 1 << 20
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    frame, errors, stream = read_records(path)
    assert stream.encoding == "cp1252"
    assert errors == []
    assert frame["title"][-1] == "Crème brûlée torch"


def test_invalid_utf8_bytes_are_replaced_and_reported(tmp_path: Path, read_records) -> None:
    good = _csv_bytes(LATIN_ROWS + CHINESE_ROWS, "utf-8")
    broken = good + b"7,Broken \xff\xfe title,Some Seller\r\n8,Fine title,Shop\r\n"
    path = tmp_path / "broken.csv"
    path.write_bytes(broken)
    frame, errors, stream = read_records(path)
    assert stream.encoding == "utf-8"
    assert len(frame) == 8  # the record is kept
    assert frame.filter(frame["id"] == "7")["title"][0] == "Broken \ufffd\ufffd title"
    assert [(e.line, e.field, e.record_id) for e in errors] == [(8, "title", "7")]
    assert "not valid UTF-8" in errors[0].reason
    assert frame["title"].to_list()[:6] == [r[1] for r in LATIN_ROWS + CHINESE_ROWS]


def test_genuine_replacement_characters_are_not_reported(tmp_path: Path, read_records) -> None:
    path = tmp_path / "fffd.csv"
    path.write_bytes("id,title\n1,Key shell\ufffd for car\n".encode())
    frame, errors, _ = read_records(path)
    assert frame["title"][0] == "Key shell\ufffd for car"
    assert errors == []


def test_utf16_and_binary_files_are_fatal(tmp_path: Path) -> None:
    path = tmp_path / "excel-unicode.txt"
    path.write_bytes("id\ttitle\n1\tx\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        open_records(path)
    blob = tmp_path / "blob.csv"
    blob.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(InputError, match=r"blob\.csv: is not a text file"):
        open_records(blob)


def test_detect_encoding_cascade() -> None:
    assert detect_encoding(b"plain ascii\n") == "utf-8"
    assert detect_encoding("naïve café\n".encode()) == "utf-8"
    assert detect_encoding("naïve café\n".encode("cp1252")) == "cp1252"
    assert detect_encoding("海康威视数字技术\n".encode("gb18030")) == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbfid,title\n") == "utf-8-sig"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, read_records, delimiter: str) -> None:
    rows = [
        ("1", "Reolink RLC-810A, 4K PoE; outdoor", "Shop | One"),
        ("2", "Wyze Cam v3", "Shop Two"),
    ]
    path = tmp_path / "sniff.txt"
    path.write_bytes(_csv_bytes(rows, "utf-8", delimiter))
    frame, errors, stream = read_records(path)
    assert stream.delimiter == delimiter
    assert frame["title"].to_list() == [r[1] for r in rows]
    assert frame["seller"].to_list() == [r[2] for r in rows]
    assert errors == []


def test_excel_sep_hint_and_given_delimiter(tmp_path: Path, read_records) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\nid;title\n1;Arlo Pro 4, white\n", encoding="utf-8")
    frame, _, stream = read_records(path)
    assert stream.delimiter == ";"
    assert frame["title"].to_list() == ["Arlo Pro 4, white"]
    assert frame["_line"].to_list() == [3]
    other = tmp_path / "given.csv"
    other.write_text("id|title\n1|a,b\n", encoding="utf-8")
    frame, _, stream = read_records(other, delimiter="|")
    assert frame["title"].to_list() == ["a,b"]
