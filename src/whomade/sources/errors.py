"""Errors an import reports to the user, always naming the file, and the line or field if known."""

from __future__ import annotations


class ListImportError(Exception):
    """An official list file could not be imported; the previous version stays in use."""


class ListFormatError(ListImportError):
    """A file is not in the expected format (truncated, columns changed, wrong encoding...)."""

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        line: int | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.file = file
        self.problem = problem
        self.line = line
        self.field = field
        self.expected = expected
        where = file if line is None else f"{file}:{line}"
        text = f"{where}: {problem}"
        if field:
            text = f"{where}: field {field!r}: {problem}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class PartialFileError(ListFormatError):
    """The file is cut off or damaged but holds whole rows that could be imported on request."""

    def __init__(self, file: str, problem: str, *, whole_rows: int, line: int | None = None):
        super().__init__(file, problem, line=line)
        self.whole_rows = whole_rows
