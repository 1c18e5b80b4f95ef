"""Guessing what a file is: its format from name and magic bytes, its text encoding, its delimiter.

Encoding detection is a strict-decode cascade on samples of the file (start, middle, end):
UTF-8 (with or without BOM) first; then GB18030 when the high bytes come in pairs as in CJK text;
then cp1252; then GB18030. A UTF-8 file with a few invalid bytes stays UTF-8 (the bad bytes are
replaced and reported row by row).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from whomade.inputs.errors import InputError

UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

FORMATS = ("csv", "tsv", "jsonl", "json", "parquet", "xlsx", "nmap")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xml": "nmap",
}
_MAGIC = {b"PK\x03\x04": "xlsx", b"PAR1": "parquet"}
GZIP_MAGIC = b"\x1f\x8b"

DELIMITERS = (",", ";", "\t", "|")
_HIGH_BYTE_RUN = re.compile(rb"[\x80-\xff]+")


def format_from_name(path: Path) -> tuple[str | None, bool]:
    """(format guessed from the extension or None, whether the name ends in .gz)."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] in (".gz", ".gzip")
    if gz:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] == ".xls":
        raise InputError(
            f"{path}: old Excel .xls files are not supported; save the sheet as .xlsx or CSV"
        )
    return (_EXTENSIONS.get(suffixes[-1]) if suffixes else None), gz


def format_from_magic(head: bytes) -> str | None:
    """The binary format whose magic bytes start ``head`` (xlsx, parquet), else None."""
    for magic, fmt in _MAGIC.items():
        if head.startswith(magic):
            return fmt
    return None


def guess_text_format(head: bytes) -> str:
    """json, nmap (XML) or csv, from the first bytes of a text file."""
    stripped = head.removeprefix(UTF8_BOM).lstrip()
    if stripped[:1] in (b"[", b"{"):
        return "json"
    if stripped.startswith(b"<?xml") and b"<nmaprun" in head:
        return "nmap"
    return "csv"


def check_text(path: str, sample: bytes, fmt: str) -> None:
    """Raise InputError when a file said to be text is binary or in an unsupported encoding."""
    binary = format_from_magic(sample)
    if binary is not None:
        raise InputError(
            f"{path}: looks like a {binary.upper()} file, not {fmt.upper()}; "
            f"pass --format {binary} (or give the file a .{binary} name)"
        )
    if sample.startswith(_UTF16_BOMS):
        raise InputError(
            f"{path}: is UTF-16 text, which is not supported; save it as UTF-8 "
            f"(in Excel: 'CSV UTF-8')"
        )
    if sample.count(b"\x00") > max(8, len(sample) // 1000):
        raise InputError(f"{path}: is not a text file (it holds NUL bytes); is it really {fmt}?")


def _trim_to_lines(piece: bytes, *, start: bool, end: bool) -> bytes:
    """Cut a sample piece to whole lines so multi-byte characters are not split."""
    if start:
        cut = piece.find(b"\n")
        piece = piece[cut + 1 :] if cut >= 0 else b""
    if end:
        cut = piece.rfind(b"\n")
        piece = piece[: cut + 1] if cut >= 0 else piece
    return piece


def read_samples(path: Path, head_bytes: int = 1 << 20, piece_bytes: int = 1 << 16) -> bytes:
    """The first ``head_bytes`` of a file plus a few pieces from its middle and end."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(head_bytes)
        if size <= head_bytes:
            return head
        pieces = [_trim_to_lines(head, start=False, end=True)]
        for fraction in (0.25, 0.5, 0.75, 1.0):
            offset = max(head_bytes, int(size * fraction) - piece_bytes)
            handle.seek(offset)
            pieces.append(_trim_to_lines(handle.read(piece_bytes), start=True, end=True))
    return b"".join(pieces)


def _looks_cjk(sample: bytes) -> bool:
    """High bytes in runs of even length, as double-byte CJK text has (cp1252 has lone ones)."""
    runs = _HIGH_BYTE_RUN.findall(sample)
    if not runs:
        return False
    odd = sum(1 for run in runs if len(run) % 2)
    return odd / len(runs) < 0.2


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _replacements(sample: bytes, encoding: str) -> int:
    text = sample.decode(encoding, errors="replace")
    return text.count("\ufffd") - sample.count("\ufffd".encode())


def detect_encoding(sample: bytes) -> str:
    """The encoding of a text sample (a Python codec name)."""
    if sample.startswith(UTF8_BOM):
        return "utf-8-sig"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    text = sample.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    valid_non_ascii = sum(1 for ch in text if ord(ch) > 127) - invalid
    if valid_non_ascii > 2 * invalid:
        return "utf-8"  # a UTF-8 file with a few bad bytes
    if _looks_cjk(sample) and _decodes(sample, "gb18030"):
        return "gb18030"
    for encoding in ("cp1252", "gb18030"):
        if _decodes(sample, encoding):
            return encoding
    return min(("utf-8", "cp1252", "gb18030"), key=lambda enc: _replacements(sample, enc))


def check_encoding_name(path: str, encoding: str) -> str:
    """The canonical codec name for a user-given encoding, or InputError."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"{path}: unknown encoding {encoding!r}") from None
    if info.name.startswith("utf-16") or info.name.startswith("utf-32"):
        raise InputError(f"{path}: {info.name} is not supported; save the file as UTF-8")
    return "utf-8-sig" if info.name == "utf-8" else info.name


def sniff_delimiter(text_lines: list[str]) -> str:
    """The delimiter among , ; TAB | that splits the sample lines most consistently.

    ``text_lines`` are whole lines from the start of the file (header first).
    """
    best = (",", (-1.0, 0))
    sample = "".join(text_lines)
    for delimiter in DELIMITERS:
        try:
            rows = [
                row
                for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                if row
            ]
        except csv.Error:
            continue
        if len(rows) > 1:
            rows = rows[:-1]  # the last sample row may be cut
        if not rows:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        consistency = sum(1 for row in rows if len(row) == width) / len(rows)
        score = (round(consistency, 2), width)
        if score > best[1]:
            best = (delimiter, score)
    return best[0]
