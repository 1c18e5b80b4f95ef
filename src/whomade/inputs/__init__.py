"""Input readers: a user's file (CSV/TSV, JSON Lines, JSON, Parquet, XLSX) as batches of records.

``open_records(path, kind)`` checks the file and its columns up front and returns a
``RecordStream``; iterating it yields polars DataFrames with every canonical field of the kind
(text, "" when missing) plus ``_line``. Per-row problems go to an ``ErrorSink``; fatal ones raise
``InputError`` (``ColumnError`` for columns).

Memory stays flat: CSV/TSV and JSON Lines are read in blocks of at most 8 MB (fewer rows when
``batch_size`` is small), Parquet in record batches of about 8 MB, XLSX row by row (openpyxl
read-only mode), JSON arrays element by element. Limits: one CSV record or JSON Lines line may
be at most 64 MB (a longer one is taken for an unbalanced quote, reported and skipped); a JSON
file whose records sit inside a wrapping object (``{"records": [...]}``) is loaded whole and
may be at most 256 MB (write JSON Lines or a top-level array for larger files).
"""

from whomade.inputs.clean import html_to_text
from whomade.inputs.columns import CANONICAL_FIELDS, KINDS, SYNONYMS, normalize_name
from whomade.inputs.errors import (
    ColumnError,
    ErrorSink,
    InputError,
    JsonlErrorSink,
    ListErrorSink,
    RowError,
)
from whomade.inputs.stream import RecordStream, open_records

__all__ = [
    "CANONICAL_FIELDS",
    "KINDS",
    "SYNONYMS",
    "ColumnError",
    "ErrorSink",
    "InputError",
    "JsonlErrorSink",
    "ListErrorSink",
    "RecordStream",
    "RowError",
    "html_to_text",
    "normalize_name",
    "open_records",
]
