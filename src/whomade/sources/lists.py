"""The official lists whomade imports: their ids, formats, official download URLs, and how a file
or folder given on the command line is recognised and parsed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from whomade.sources.errors import ListFormatError, ListImportError
from whomade.sources.parsers import bis_el, csl, dod1260h, dpl, fcc, ofac_csv, ofac_xml, uflpa
from whomade.sources.parsers.common import ParsedList, SourceFile

OFAC_EXPORTS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"


@dataclass(frozen=True)
class OfficialFile:
    """One file of a list's default download: its role in the format and its official URL."""

    role: str
    url: str

    @property
    def file_name(self) -> str:
        """The last path segment: what ``--base-url`` serves it as."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ListSpec:
    """An official list: what it is, which formats its files come in, where to download it."""

    id: str
    title: str
    publisher: str
    formats: tuple[str, ...]
    update_format: str
    downloads: tuple[OfficialFile, ...]
    page: str

    def default_url(self) -> str:
        return self.downloads[0].url if self.downloads else self.page


def _ofac(list_id: str) -> tuple[OfficialFile, ...]:
    names = ofac_csv.FILE_NAMES[list_id]
    return tuple(OfficialFile(role, OFAC_EXPORTS + names[role]) for role in ofac_csv.ROLES)


LISTS: dict[str, ListSpec] = {
    spec.id: spec
    for spec in (
        ListSpec(
            "csl",
            "Consolidated Screening List",
            "U.S. Department of Commerce, International Trade Administration",
            ("csl-csv", "csl-json"),
            "csl-csv",
            (
                OfficialFile(
                    "primary",
                    "https://data.trade.gov/downloadable_consolidated_screening_list/v1/"
                    "consolidated.csv",
                ),
            ),
            "https://www.trade.gov/consolidated-screening-list",
        ),
        ListSpec(
            "sdn",
            "OFAC Specially Designated Nationals and Blocked Persons List",
            "U.S. Department of the Treasury, OFAC",
            ("ofac-csv", "ofac-xml", "ofac-advanced"),
            "ofac-csv",
            _ofac("sdn"),
            "https://sanctionslist.ofac.treas.gov/Home/SdnList",
        ),
        ListSpec(
            "cons",
            "OFAC Consolidated (non-SDN) Sanctions List, including NS-CMIC",
            "U.S. Department of the Treasury, OFAC",
            ("ofac-csv", "ofac-xml", "ofac-advanced"),
            "ofac-csv",
            _ofac("cons"),
            "https://sanctionslist.ofac.treas.gov/Home/ConsolidatedList",
        ),
        ListSpec(
            "dpl",
            "BIS Denied Persons List",
            "U.S. Department of Commerce, Bureau of Industry and Security",
            ("bis-dpl",),
            "bis-dpl",
            (OfficialFile("primary", "https://www.bis.doc.gov/dpl/dpl.txt"),),
            "https://www.bis.doc.gov/index.php/policy-guidance/lists-of-parties-of-concern/"
            "denied-persons-list",
        ),
        ListSpec(
            "el",
            "BIS Entity List (legacy BIS CSV, no longer published)",
            "U.S. Department of Commerce, Bureau of Industry and Security",
            (bis_el.FORMAT,),
            bis_el.FORMAT,
            (),  # nothing to download today: current Entity List data is in the CSL
            "https://www.bis.doc.gov/index.php/documents/consolidated-entity-list/1072-el-2/file",
        ),
        ListSpec(
            "fcc",
            "FCC Covered List (Secure and Trusted Communications Networks Act)",
            "Federal Communications Commission",
            ("fcc-html",),
            "fcc-html",
            (OfficialFile("primary", "https://www.fcc.gov/supplychain/coveredlist"),),
            "https://www.fcc.gov/supplychain/coveredlist",
        ),
        ListSpec(
            "uflpa",
            "UFLPA Entity List",
            "U.S. Department of Homeland Security, Forced Labor Enforcement Task Force",
            ("uflpa-html",),
            "uflpa-html",
            (OfficialFile("primary", "https://www.dhs.gov/uflpa-entity-list"),),
            "https://www.dhs.gov/uflpa-entity-list",
        ),
        ListSpec(
            "1260h",
            "DoD Section 1260H list of Chinese military companies operating in the United States",
            "U.S. Department of Defense",
            (dod1260h.XML_FORMAT, dod1260h.TEXT_FORMAT),
            dod1260h.XML_FORMAT,
            (),  # each edition is a new Federal Register notice: no fixed download URL
            "https://www.federalregister.gov/documents/search"
            "?conditions%5Bterm%5D=%22Designation+of+Chinese+Military+Companies%22",
        ),
    )
}


def spec(list_id: str) -> ListSpec:
    """The list with this id, or a clear error listing the known ids."""
    try:
        return LISTS[list_id.lower()]
    except KeyError:
        known = ", ".join(LISTS)
        raise ListImportError(f"unknown list {list_id!r}; known lists: {known}") from None


def _find(folder: Path, name: str) -> Path | None:
    for child in folder.iterdir():
        if child.is_file() and child.name.lower() == name.lower():
            return child
    return None


def read_files(list_id: str, path: Path, fmt: str | None = None) -> tuple[str, dict[str, Path]]:
    """The format and role → file of what the user gave: a file, or a folder of an OFAC CSV set.

    For an OFAC CSV set, the primary file (``sdn.csv``/``cons_prim.csv``) or its folder may be
    given; the companion files next to it are picked up when present.
    """
    the_spec = spec(list_id)
    if not path.exists():
        raise ListImportError(f"{path}: no such file or folder")
    fmt = fmt or detect_format(the_spec, path)
    if fmt not in the_spec.formats:
        raise ListImportError(
            f"{path}: format {fmt!r} is not one of {list_id}'s: {', '.join(the_spec.formats)}"
        )
    if fmt == "ofac-csv":
        names = ofac_csv.FILE_NAMES[the_spec.id]
        folder = path if path.is_dir() else path.parent
        if path.is_file() and path.name.lower() != names["primary"]:
            raise ListImportError(
                f"{path}: give the primary file {names['primary']} (or its folder); "
                "the companion files are read from beside it"
            )
        files = {role: found for role in ofac_csv.ROLES if (found := _find(folder, names[role]))}
        if "primary" not in files:
            raise ListImportError(f"{folder}: no {names['primary']} in this folder")
        return fmt, files
    if path.is_dir():
        raise ListImportError(f"{path}: a folder; give the list file itself")
    return fmt, {"primary": path}


def detect_format(the_spec: ListSpec, path: Path) -> str:
    """The format of a file or folder, from its name and (for XML and HTML) its first element."""
    if len(the_spec.formats) == 1:
        return the_spec.formats[0]
    if path.is_dir():
        return "ofac-csv" if "ofac-csv" in the_spec.formats else the_spec.formats[0]
    suffix = path.suffix.lower()
    if the_spec.id == "1260h":
        return dod1260h.XML_FORMAT if suffix == ".xml" else dod1260h.TEXT_FORMAT
    if the_spec.id == "csl":
        return "csl-json" if suffix == ".json" else "csl-csv"
    if suffix == ".xml":
        with path.open("rb") as handle:
            head = handle.read(4096)
        return "ofac-advanced" if b"<Sanctions" in head else "ofac-xml"
    return "ofac-csv"


def parse(
    list_id: str, fmt: str, files: Mapping[str, SourceFile], *, allow_partial: bool = False
) -> ParsedList:
    """Parse one version of a list from its files (role → file)."""
    the_spec = spec(list_id)
    main = files.get("primary")
    if main is None:
        raise ListFormatError("(file set)", "no primary file")
    if fmt == "csl-csv":
        return csl.parse_csv(main, allow_partial=allow_partial)
    if fmt == "csl-json":
        return csl.parse_json(main)
    if fmt == "ofac-csv":
        return ofac_csv.parse_set(the_spec.id, files)
    if fmt == "ofac-xml":
        return ofac_xml.parse_sdn_list(the_spec.id, main)
    if fmt == "ofac-advanced":
        return ofac_xml.parse_advanced(the_spec.id, main)
    if fmt == "bis-dpl":
        return dpl.parse(main)
    if fmt == bis_el.FORMAT:
        return bis_el.parse(main)
    if fmt == "fcc-html":
        return fcc.parse_html(main)
    if fmt == "uflpa-html":
        return uflpa.parse_html(main)
    if fmt == dod1260h.XML_FORMAT:
        return dod1260h.parse_fr_xml(main)
    if fmt == dod1260h.TEXT_FORMAT:
        return dod1260h.parse_text(main)
    raise ListImportError(f"no parser for format {fmt!r}")
