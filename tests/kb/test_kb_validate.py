"""`whomade kb validate`: counts on the shipped data; file, line and fact for every broken copy."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from whomade.kb import Graph, load_checked
from whomade.kb.oui import check_registrants, netaddr_registry

ROOT = Path(__file__).resolve().parents[2]
RESEARCH = ROOT / ".." / "shared" / "research"


def test_shipped_graph_validates_with_counts(run, graph: Graph) -> None:
    result = run("kb", "validate")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Knowledge graph OK" in out
    assert "0 facts without source" in out
    counts = graph.counts()
    for label, key in (
        ("entities", "entities"),
        ("names", "names"),
        ("relations", "relations"),
        ("identifiers", "identifiers"),
        ("lists", "lists"),
        ("list entries", "listings"),
        ("sources", "sources"),
    ):
        assert re.search(rf"^{label}\s+{counts[key]:,}\b", out, re.MULTILINE), label
    for kind, number in Counter(i.kind for i in graph.identifiers).items():
        assert f"{kind} {number}" in out
    assert re.search(r"[\d,]+ IEEE OUI prefixes from \d+ of \d+ oui_registrant names", out)


def test_validate_json_counts(run, graph: Graph) -> None:
    result = run("kb", "validate", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["ok"] is True
    assert body["graph_version"] == graph.version
    assert body["counts"]["facts_without_source"] == 0
    assert body["counts"]["list_entries"] == len(graph.listings)
    assert sum(body["counts"]["identifiers_by_kind"].values()) == len(graph.identifiers)
    # netaddr's MA-L registry alone holds far more than a thousand Huawei/ZTE/Hikvision blocks.
    assert body["oui"]["prefixes"] > 1000


def test_oui_registrants_resolve_exactly(graph: Graph) -> None:
    registry, version = netaddr_registry()
    report = check_registrants(graph.identifiers, registry, version)
    by_id = {check.identifier: check for check in report.checks}
    assert report.problems == ()
    assert by_id["oui_hikvision_1"].prefixes >= 50  # research: 50 MA-L in ieee-data 2022-08
    assert by_id["oui_dahua_1"].prefixes >= 24
    # Registrants whose only blocks are MA-M / MA-S cannot be confirmed from netaddr's files.
    assert {c.identifier for c in report.unchecked} == {"oui_sensetime_1", "oui_norsat_1"}


@pytest.mark.skipif(not RESEARCH.exists(), reason="../shared/research not available")
def test_oui_registrant_names_agree_with_research_prefix_table(graph: Graph) -> None:
    import csv

    with (RESEARCH / "oui_prefixes.csv").open(encoding="utf-8") as handle:
        registered = {row["organization_name_as_registered"] for row in csv.DictReader(handle)}
    names = {i.value for i in graph.identifiers if i.kind == "oui_registrant"}
    assert names <= registered, names - registered


# ---- broken copies: every problem names file, line and fact -----------------------------------

BROKEN_FACTS = {
    "no_source": (
        """relations:
- id: rel_test_unsourced
  subject: lorex
  predicate: brand_of
  object: dahua
  confidence: low
""",
        2,
        "rel_test_unsourced",
        "fact has no source",
    ),
    "dangling_reference": (
        """relations:
- id: rel_test_dangling
  subject: lorex
  predicate: subsidiary_of
  object: no_such_company
  confidence: low
  sources: [WIKI_DAHUA]
""",
        2,
        "rel_test_dangling",
        "object 'no_such_company' is not an entity",
    ),
    "unknown_source": (
        """relations:
- id: rel_test_unknown_source
  subject: lorex
  predicate: subsidiary_of
  object: dahua
  confidence: low
  sources: [NO_SUCH_SOURCE]
""",
        2,
        "rel_test_unknown_source",
        "cites unknown source 'NO_SUCH_SOURCE'",
    ),
    "invalid_regex": (
        """identifiers:
- id: test_invalid_regex
  kind: model_pattern
  entity: dahua
  pattern: 'DH-(IPC'
  examples: [DH-IPC]
  sources: [WIKI_DAHUA]
""",
        2,
        "test_invalid_regex",
        "invalid regex",
    ),
    "catastrophic_regex": (
        """identifiers:
- id: test_catastrophic_regex
  kind: model_pattern
  entity: dahua
  pattern: '^(\\w+\\s?)*$'
  examples: ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!']
  sources: [WIKI_DAHUA]
""",
        2,
        "test_catastrophic_regex",
        "catastrophic regex",
    ),
    "dates_reversed": (
        """relations:
- id: rel_test_reversed
  subject: lorex
  predicate: formerly_owned_by
  object: dahua
  confidence: low
  valid_from: 2022-11
  valid_to: 2018-02
  sources: [WIKI_DAHUA]
""",
        2,
        "rel_test_reversed",
        "valid_to 2018-02 is before valid_from 2022-11",
    ),
    "duplicate_id": (
        """relations:
- id: rel_lorex_formerly_dahua
  subject: lorex
  predicate: formerly_owned_by
  object: dahua
  confidence: high
  sources: [WIKI_DAHUA]
""",
        2,
        "rel_lorex_formerly_dahua",
        "duplicate id in relations",
    ),
    "oui_registrant_not_in_registry": (
        """identifiers:
- id: test_oui_misspelt
  kind: oui_registrant
  entity: dahua
  value: Zhejiang Dahua Technology Co.,Ltd.
  sources: [IEEE_OUI]
""",
        2,
        "test_oui_misspelt",
        "matches no assignment in the registry",
    ),
    "unknown_field": (
        """relations:
- id: rel_test_typo
  subject: lorex
  predicate: subsidiary_of
  object: dahua
  confidence: high
  valid_form: 2019
  sources: [WIKI_DAHUA]
""",
        2,
        "rel_test_typo",
        "valid_form: Extra inputs are not permitted",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FACTS))
def test_broken_fact_is_named_by_file_line_and_fact(run, data_copy: Path, case: str) -> None:
    text, line, fact, message = BROKEN_FACTS[case]
    (data_copy / "zz_test.yaml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    result = run("kb", "validate", "--data", str(data_copy))
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if fact in ln and message in ln]
    assert lines, result.output
    assert lines[0].startswith(f"{data_copy / 'zz_test.yaml'}:{line}: {fact}: ")


def test_broken_fact_json(run, data_copy: Path) -> None:
    text, line, fact, _ = BROKEN_FACTS["dangling_reference"]
    (data_copy / "zz_test.yaml").write_text(text, encoding="utf-8")
    result = run("kb", "validate", "--data", str(data_copy), "--json")
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["ok"] is False
    assert {"file": str(data_copy / "zz_test.yaml"), "line": line, "fact": fact} in [
        {k: p[k] for k in ("file", "line", "fact")} for p in body["problems"]
    ]


def test_relation_edited_in_place_is_reported_at_its_line(run, data_copy: Path) -> None:
    path = data_copy / "relations.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("- id: rel_lorex_formerly_dahua\n")
    line = text.count("\n", 0, start) + 1
    edited = text[:start] + text[start:].replace("  object: dahua\n", "  object: dahau\n", 1)
    path.write_text(edited, encoding="utf-8")
    result = run("kb", "validate", "--data", str(data_copy))
    assert result.exit_code == 1
    expected = f"{path}:{line}: rel_lorex_formerly_dahua: object 'dahau' is not an entity"
    assert expected in result.output.splitlines()


# ---- bad input: one clear error with file and line, no traceback ------------------------------


def _only_problem(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert "1 problem(s) found." in lines, output
    assert "Traceback" not in output
    return lines[0]


def test_malformed_yaml(run, data_copy: Path) -> None:
    path = data_copy / "entities.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[40] = "  - name: [unclosed\n"
    path.write_text("".join(lines), encoding="utf-8")
    result = run("kb", "validate", "--data", str(data_copy))
    assert result.exit_code == 1
    problem = _only_problem(result.output)
    assert re.match(rf"{re.escape(str(path))}:4\d: \(file\): malformed YAML", problem), problem


def test_ten_megabyte_string(run, data_copy: Path) -> None:
    path = data_copy / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index("sources:\n") + len("sources:\n")
    line = text.count("\n", 0, at) + 1
    huge = f"- id: HUGE\n  title: {'x' * 10_000_000}\n  url: https://example.org/\n"
    path.write_text(text[:at] + huge + text[at:], encoding="utf-8")
    started = time.perf_counter()
    result = run("kb", "validate", "--data", str(data_copy))
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1
    problem = _only_problem(result.output)
    assert problem.startswith(f"{path}:{line + 1}: (file): file of 10,")


def test_long_string_under_the_file_limit(run, data_copy: Path) -> None:
    path = data_copy / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index("sources:\n") + len("sources:\n")
    line = text.count("\n", 0, at) + 1
    long = f"- id: LONG\n  title: {'x' * 1_000_000}\n  url: https://example.org/\n"
    path.write_text(text[:at] + long + text[at:], encoding="utf-8")
    result = run("kb", "validate", "--data", str(data_copy))
    assert result.exit_code == 1
    problem = _only_problem(result.output)
    assert problem.startswith(f"{path}:{line + 1}: (file): malformed YAML: string of 1,000,000")


def test_backtracking_regex_is_refused_not_run(run, data_copy: Path) -> None:
    path = data_copy / "identifiers.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index("identifiers:\n") + len("identifiers:\n")
    line = text.count("\n", 0, at) + 1
    evil = (
        "- id: test_backtracking\n"
        "  kind: banner\n"
        "  entity: hikvision\n"
        "  pattern: '(a|aa)+$'\n"
        f"  examples: ['{'a' * 5000}!']\n"
        "  sources: [RECOG]\n"
    )
    path.write_text(text[:at] + evil + text[at:], encoding="utf-8")
    started = time.perf_counter()
    result = run("kb", "validate", "--data", str(data_copy))
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1
    problem = _only_problem(result.output)
    assert problem.startswith(f"{path}:{line}: test_backtracking: catastrophic regex")


def test_alias_bomb_is_refused_quickly(run, data_copy: Path) -> None:
    rows = ["sources:", "- id: BOMB0", "  title: t", "  url: https://e.org", "  notes: &l0 [x, x]"]
    for level in range(1, 30):
        rows += [f"- id: BOMB{level}", "  title: t", "  url: https://e.org"]
        rows.append(f"  notes: &l{level} [*l{level - 1}, *l{level - 1}]")
    (data_copy / "zz_bomb.yaml").write_text("\n".join(rows) + "\n", encoding="utf-8")
    started = time.perf_counter()
    result = run("kb", "validate", "--data", str(data_copy))
    assert time.perf_counter() - started < 10
    assert result.exit_code == 1
    problem = _only_problem(result.output)
    assert "(file): malformed YAML: YAML aliases expand to more than" in problem


def test_not_utf8(run, data_copy: Path) -> None:
    (data_copy / "zz_binary.yaml").write_bytes(b"sources:\n- id: X\n  title: '\xff\xfe'\n")
    result = run("kb", "validate", "--data", str(data_copy))
    assert result.exit_code == 1
    problem = _only_problem(result.output)
    assert problem.startswith(f"{data_copy / 'zz_binary.yaml'}:3: (file): not UTF-8")


def test_missing_folder(run, tmp_path: Path) -> None:
    result = run("kb", "validate", "--data", str(tmp_path / "nowhere"))
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_load_checked_reports_the_same_problems(data_copy: Path) -> None:
    text, line, fact, _ = BROKEN_FACTS["no_source"]
    (data_copy / "zz_test.yaml").write_text(text, encoding="utf-8")
    _, problems = load_checked(data_copy)
    assert [(p.line, p.fact) for p in problems if p.file.endswith("zz_test.yaml")] == [(line, fact)]
