"""The DoD Section 1260H list of "Chinese military companies", as published in the Federal Register.

Section 1260H(b)(2) makes DoD publish the unclassified list in the Federal Register: e.g. the
notice "Notice of Availability of Designation of Chinese Military Companies", FR Doc 2025-00070
(90 FR 1105, 2025-01-07), and FR Doc 2026-11571 (2026-06-10). The names are in the notice's
SUPPLEMENTARY INFORMATION section, after an introductory sentence of the form "The Deputy
Secretary of Defense has determined that the following entities qualify ...:"; a later sentence
"... the following previously listed entities should be removed ...:" introduces removals.
Each listed entity is one paragraph, printed as on DoD's PDF::

    Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)
    360 Security Technology Inc. (Qihoo 360)*

i.e. the name, the short name DoD uses in a trailing parenthesis, and in some editions a ``*``.
Since the FY2025 NDAA, a justification paragraph may follow each name; it is kept on the entry.

Two forms are read:

* ``dod1260h-fr-xml``: the Federal Register full-text XML (``<NOTICE>`` with a ``<SUPLINF>``
  section of ``<P>``/``<FP>`` paragraphs), as served at
  ``federalregister.gov/documents/full_text/xml/<yyyy>/<mm>/<dd>/<doc>.xml``.
* ``dod1260h-text``: plain text of the same notice (the Federal Register's raw text, paragraphs
  separated by blank lines) or of DoD's PDF text layer (one numbered line ``N. Name (Short)`` per
  entity).

No copy of an official notice was available here; the element names follow the GPO Federal
Register XML, and the tests use layout fixtures filled with names from a transcription.
Parent/subsidiary grouping is not read (its printed form could not be verified), so no
relationships are inferred.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from whomade.sources.errors import ListFormatError
from whomade.sources.model import Citation, ListEntry, Value, clean_text, key_text, unique_keys
from whomade.sources.parsers.common import ParsedList, SourceFile, decode_text

LIST_ID = "1260h"
SOURCE = "DOD-1260H"
XML_FORMAT = "dod1260h-fr-xml"
TEXT_FORMAT = "dod1260h-text"
EXPECTED_LAYOUT = (
    "a Federal Register 1260H notice: 'the following entities qualify ...:' followed by one "
    "paragraph per entity, or numbered lines 'N. Name (Short name)'"
)

_LISTED_INTRO = re.compile(r"\bthe following\b.*\b(?:entit(?:y|ies)|companies)\b.*:\s*$", re.I)
_REMOVED_INTRO = re.compile(r"\b(?:removed|remove|removal|deleted|delisted)\b.*:\s*$", re.I)
# Where the list ends: the rest of the notice (reconsideration, signature, FR filing line).
_LIST_END = re.compile(
    r"^(?:Dated:|\[FR Doc|BILLING CODE|Any (?:entity|company)|An entity|Entities (?:that|may)|"
    r"Requests? for reconsideration|FOR FURTHER INFORMATION|Authority:)",
    re.I,
)
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(?=\S)")
_SHORT_NAME = re.compile(r"\s*\(([^()]+)\)\s*$")
_FORMERLY = re.compile(r"^(?:formerly|previously|f/k/a)\s+", re.I)
# A justification is prose about the entity, not a name: it has a finite verb.
_PROSE = re.compile(r"\b(?:is|are|was|were|has|have|operates|produces|provides)\b")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the notice and where it is (for citations and errors)."""

    text: str
    locator: str
    line: int | None = None


def parse_fr_xml(file: SourceFile) -> ParsedList:
    """Parse a Federal Register full-text XML 1260H notice."""
    try:
        root = ET.fromstring(file.data)
    except ET.ParseError as exc:
        line, _col = exc.position
        raise ListFormatError(
            file.name, f"not well-formed XML: {exc.msg}", line=line, expected=EXPECTED_LAYOUT
        ) from None
    section = root if root.tag == "SUPLINF" else root.find(".//SUPLINF")
    if section is None:
        raise ListFormatError(
            file.name, "no <SUPLINF> (SUPPLEMENTARY INFORMATION) section", expected=EXPECTED_LAYOUT
        )
    paragraphs = [
        Paragraph(text, f"SUPPLEMENTARY INFORMATION paragraph {n}")
        for n, text in enumerate(
            (clean_text("".join(el.itertext())) for el in section.iter() if el.tag in ("P", "FP")),
            start=1,
        )
        if text
    ]
    doc = root.findtext(".//FRDOC") or ""
    return _parse(file, paragraphs, XML_FORMAT, fr_doc=_fr_doc(doc))


def parse_text(file: SourceFile) -> ParsedList:
    """Parse the plain text of a 1260H notice (FR raw text) or of DoD's PDF text layer."""
    text = decode_text(file)
    paragraphs = list(_text_paragraphs(text))
    fr_doc = _fr_doc(text)
    if any(_NUMBERED.match(p.text) for p in paragraphs) and not any(
        _LISTED_INTRO.search(p.text) for p in paragraphs
    ):
        return _parse_numbered(file, paragraphs, fr_doc)
    return _parse(file, paragraphs, TEXT_FORMAT, fr_doc=fr_doc)


def parse_listing(text: str) -> tuple[str, tuple[str, ...], bool]:
    """``Name (Short)*`` → (name, short names, marked with ``*``); a numbering prefix is dropped.

    A former name printed as "(formerly X)" becomes the alias X. Only the last parenthesis is a
    short name: "China Unicom (Hong Kong) Limited (China Unicom
    HK)" keeps "(Hong Kong)" in the name.
    """
    text = _NUMBERED.sub("", clean_text(text))
    marked = text.endswith("*")
    text = text.rstrip("*").rstrip()
    if text.endswith(")."):  # a full stop after the short name ends the sentence, not the name
        text = text[:-1]
    aliases: tuple[str, ...] = ()
    match = _SHORT_NAME.search(text)
    if match and match.start() > 0:
        aliases = (_FORMERLY.sub("", clean_text(match.group(1))),)
        text = text[: match.start()]
    return clean_text(text).rstrip(","), aliases, marked


def _fr_doc(text: str) -> str | None:
    match = re.search(r"FR Doc\.?\s*(?:No:?\s*)?(\d{4}[-–]\d{4,6})", text)
    return match.group(1).replace("–", "-") if match else None


def _text_paragraphs(text: str) -> Iterable[Paragraph]:
    """Blank-line separated paragraphs; numbered lines start a paragraph of their own."""
    lines: list[str] = []
    start = 0
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        if not line.strip() or (_NUMBERED.match(line) and lines):
            if lines:
                yield Paragraph(clean_text(" ".join(lines)), f"line {start}", start)
                lines = []
            if not line.strip():
                continue
        if not lines:
            start = number
        lines.append(line)


def _parse(
    file: SourceFile, paragraphs: list[Paragraph], fmt: str, *, fr_doc: str | None
) -> ParsedList:
    entries: list[ListEntry] = []
    removed: list[str] = []
    mode: str | None = None
    seen_intro = False
    for para in paragraphs:
        if _LISTED_INTRO.search(para.text) and not _REMOVED_INTRO.search(para.text):
            mode, seen_intro = "listed", True
            continue
        if _REMOVED_INTRO.search(para.text) and _LISTED_INTRO.search(para.text):
            mode = "removed"
            continue
        if mode is None:
            continue
        if _LIST_END.match(para.text):
            mode = None
            continue
        if mode == "removed":
            removed.append(parse_listing(para.text)[0])
        elif _PROSE.search(_SHORT_NAME.sub("", para.text.rstrip("*"))) and entries:
            entries[-1] = _with_justification(entries[-1], para.text)
        else:
            entries.append(_entry(file, para, fr_doc))
    if not seen_intro:
        raise ListFormatError(
            file.name, "no 'the following entities ...:' sentence", expected=EXPECTED_LAYOUT
        )
    if not entries:
        raise ListFormatError(file.name, "the notice lists no entities", expected=EXPECTED_LAYOUT)
    notes = [f"removed by this notice: {name}" for name in removed]
    return ParsedList(entries=unique_keys(entries), format=fmt, notes=notes)


def _parse_numbered(
    file: SourceFile, paragraphs: list[Paragraph], fr_doc: str | None
) -> ParsedList:
    entries = [_entry(file, p, fr_doc) for p in paragraphs if _NUMBERED.match(p.text)]
    return ParsedList(entries=unique_keys(entries), format=TEXT_FORMAT)


def _entry(file: SourceFile, para: Paragraph, fr_doc: str | None) -> ListEntry:
    name, aliases, marked = parse_listing(para.text)
    if not name:
        raise ListFormatError(
            file.name, f"{para.locator}: a listed entity has no name", line=para.line
        )
    details: dict[str, Value] = {"as_printed": para.text}
    if marked:
        details["marked"] = "*"
    if fr_doc:
        details["fr_doc"] = fr_doc
    return ListEntry(
        list_id=LIST_ID,
        key=key_text(name),
        name=name,
        aliases=aliases,
        source=SOURCE,
        entity_type="company",
        countries=("CN",),
        programs=("NDAA FY2021 s. 1260H",),
        notice=f"FR Doc. {fr_doc}" if fr_doc else None,
        details=details,
        citation=Citation(file.name, para.locator),
    )


def _with_justification(entry: ListEntry, text: str) -> ListEntry:
    from dataclasses import replace

    before = entry.details.get("justification")
    joined = f"{before} {text}" if isinstance(before, str) else text
    return replace(entry, details={**entry.details, "justification": joined})
