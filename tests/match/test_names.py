"""Company-name matching: normalisation, decisions, properties, index, CLI on the eval pairs."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from whomade.cli import app
from whomade.match.names import (
    DEFAULT_THRESHOLD,
    KnownNames,
    NameIndex,
    compare_names,
    key_profiles,
    name_keys,
    normalize_name,
    score_bound,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
EVAL_PAIRS = SHARED / "eval" / "names_dev.csv"
SCORER = SHARED / "eval" / "score.py"
needs_shared = pytest.mark.skipif(not EVAL_PAIRS.exists(), reason="../shared/eval not present")


@pytest.fixture(autouse=True)
def _tmp_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOMADE_DB", str(tmp_path / "whomade.sqlite"))


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Hytera Communications Co .,ltd", "hytera communications"),
        ("Hytera Communications Corporation Limited", "hytera communications"),
        ("Siemens Aktiengesellschaft", "siemens"),
        ("Müller Maschinenbau GmbH", "muller maschinenbau"),
        ("ООО Ромашка", "romashka"),
        ("ＺＴＥ　Ｃｏｒｐ．", "zte"),
        ("Zhejiang Dahua Technology Co., Ltd. (Dahua)", "zhejiang dahua technology"),
    ],
)
def test_normalize_drops_legal_forms_case_width_and_punctuation(name: str, expected: str) -> None:
    assert normalize_name(name) == expected


def test_normalize_chinese_drops_legal_forms_and_reads_pinyin() -> None:
    assert normalize_name("浙江大华技术股份有限公司") == "zhejiang dahua jishu"
    assert normalize_name("中兴通讯股份有限公司") == "zhongxing tongxun"
    assert normalize_name("华为技术有限公司") == "huawei jishu"


def test_punctuation_and_spacing_of_legal_forms_do_not_matter() -> None:
    assert normalize_name("Huaqin Telecom Technology Co.,Ltd.") == normalize_name(
        "Huaqin Telecom Technology Co., Ltd"
    )
    assert compare_names("Acme Co.,Ltd.", "ACME CO., LTD").score == 1.0


def test_unusable_names_normalize_to_nothing() -> None:
    assert normalize_name("") == ""
    assert normalize_name("-- / .") == ""
    assert normalize_name("x" * 100_000) == ""


# --------------------------------------------------------------------------- decisions


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Zhejiang Dahua Technology Co., Ltd.", "浙江大华技术股份有限公司"),
        ("Dahua", "Zhejiang Dahua Technology Co., Ltd."),
        ("Huawei", "Huawei Technologies Co., Ltd."),
        ("Hytera Communications Corp.", "Hytera Communications Corporation Ltd."),
        ("ZTE", "Zhongxing Telecommunication Equipment Corporation"),
        ("Zhongxing Telecommunication Equipment Corporation", "中兴通讯股份有限公司"),
        ("Technologies Huawei", "Huawei Technologies"),
        ("Zhejiang Hao Teng Electronic Technology", "Zhejiang Haoteng Electronic Technology"),
        ("Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)", "Hikvision"),
        ("Hikvison Digital Technology", "Hikvision Digital Technology"),
    ],
)
def test_same_entity_variants_match(a: str, b: str) -> None:
    result = compare_names(a, b)
    assert result.is_match, result.explanation
    assert result.explanation.startswith("same entity")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # parent and subsidiary: a distinguishing extra word
        ("Huawei Technologies Co., Ltd.", "Huawei Device Co., Ltd."),
        ("Huawei", "Huawei Device"),
        ("Huawei Technologies", "Huawei Investment & Holding Co., Ltd."),
        ("Hytera Communications Corporation", "Hytera US"),
        ("Huawei Technologies (UK) Co., Ltd.", "Huawei Technologies Co., Ltd."),
        # look-alikes
        ("Shanghai Dahua Scale Factory", "Zhejiang Dahua Technology"),
        ("Dahua", "Shanghai Dahua Scale Factory"),
        ("Hikvision", "Hikari Trading Co., Ltd."),
        ("ZTE", "Aztech Electronics Pte"),
        ("Zhejiang Dahua Technology Co., Ltd.", "Zhejiang Uniview Technologies Co., Ltd."),
        ("Tianjin Changli Lighting Co., Ltd.", "TCL"),
        # one trade name, two lines of business
        ("Liberty Logistics Corp.", "Liberty Shipping Co., Ltd."),
        # one letter apart is another pinyin trade name
        ("Suzhou Lijia Technology Inc.", "Litia Company"),
    ],
)
def test_related_and_look_alike_companies_do_not_match(a: str, b: str) -> None:
    result = compare_names(a, b)
    assert not result.is_match, result.explanation
    assert result.score < DEFAULT_THRESHOLD


def test_distinguishing_token_lowers_the_score() -> None:
    same = compare_names("Huawei Technologies Co., Ltd.", "Huawei Technologies")
    other = compare_names("Huawei Technologies Co., Ltd.", "Huawei Device Co., Ltd.")
    assert other.score < same.score
    names = {f.name for f in other.features}
    assert "distinguishing_parts" in names
    assert "device" in other.explanation


def test_features_explain_the_decision() -> None:
    result = compare_names("ZTE Corporation", "Zhongxing Telecommunication Equipment Corporation")
    assert [f.name for f in result.features] == ["acronym"]
    assert "zhongxing telecommunication equipment" in result.explanation
    chinese = compare_names("Dahua", "浙江大华技术股份有限公司")
    assert {"name_parts_match", "transliteration"} <= {f.name for f in chinese.features}
    assert "transliteration" in chinese.explanation


def test_threshold_is_applied() -> None:
    result = compare_names("Huawei", "Huawei Device", threshold=0.5)
    assert result.is_match
    assert not compare_names("Huawei", "Huawei Device").is_match


@pytest.mark.parametrize("bad", ["", "   ", "-- / .", "。，、", "x" * 100_000, "\x00\x01", "12345"])
def test_unusable_names_score_zero_with_a_reason(bad: str) -> None:
    result = compare_names(bad, "Huawei Technologies Co., Ltd.")
    assert result.score == 0.0
    assert not result.is_match
    assert result.explanation


def test_known_names_connect_what_spelling_cannot() -> None:
    known = KnownNames(
        [
            ("hikvision", "Hangzhou Hikvision Digital Technology Co., Ltd."),
            ("hikvision", "海康威视"),
        ]
    )
    plain = compare_names("Hangzhou Hikvision Digital Technology", "海康威视")
    assert not plain.is_match
    result = compare_names("Hangzhou Hikvision Digital Technology", "海康威视", known=known)
    assert result.is_match
    assert result.features[0].name == "known_names"
    assert "hikvision" in result.explanation
    # Each link of the chain must be strong: a look-alike does not borrow the entity's names.
    assert not compare_names("Hikari Trading", "海康威视", known=known).is_match


# --------------------------------------------------------------------------- properties

company_words = st.sampled_from(
    [
        "Huawei", "Dahua", "ZTE", "Hikvision", "Technology", "Co.,", "Ltd.", "GmbH", "Group",
        "Holding", "Shenzhen", "有限公司", "大华", "技术", "(Hikvision)", "USA", "Device", "&",
        "Hangzhou", "Digital", "Ромашка", "ООО", "Corporation", "Zhongxing", "Telecom",
    ]
)  # fmt: skip
names = st.one_of(
    st.text(max_size=40),
    st.lists(company_words, min_size=1, max_size=6).map(" ".join),
)
property_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@property_settings
@given(names, names)
def test_score_is_symmetric(a: str, b: str) -> None:
    assert compare_names(a, b).score == compare_names(b, a).score


@property_settings
@given(names)
def test_a_name_matches_itself(name: str) -> None:
    result = compare_names(name, name)
    if any(c.isalpha() for c in name):
        assert result.score == 1.0
    assert 0.0 <= result.score <= 1.0


@property_settings
@given(st.text(max_size=80), st.text(max_size=80))
def test_never_raises_and_stays_in_range(a: str, b: str) -> None:
    result = compare_names(a, b)
    assert 0.0 <= result.score <= 1.0
    assert result.is_match == (result.score >= DEFAULT_THRESHOLD)
    assert isinstance(name_keys(a), set)


@property_settings
@given(names, names)
def test_index_bound_never_underestimates(a: str, b: str) -> None:
    score = compare_names(a, b).score
    bounds = [score_bound(x, y) for x in key_profiles(a) for y in key_profiles(b)]
    if bounds and score > 0 and a.strip() != b.strip():
        assert max(bounds) >= score - 0.001


# --------------------------------------------------------------------------- index

ENTRIES = [
    ("hik", "Hangzhou Hikvision Digital Technology Co., Ltd."),
    ("dahua", "Zhejiang Dahua Technology Co., Ltd."),
    ("scale", "Shanghai Dahua Scale Factory"),
    ("zte", "ZTE Corporation"),
    ("huawei", "Huawei Technologies Co., Ltd."),
    ("device", "Huawei Device Co., Ltd."),
    ("ibm", "IBM"),
]


def test_index_finds_variants_and_respects_threshold() -> None:
    index = NameIndex(ENTRIES)
    assert len(index) == len(ENTRIES)
    assert [k for k, _ in index.search("HIKVISION DIGITAL TECHNOLOGY CO.,LTD")] == ["hik"]
    assert [k for k, _ in index.search("浙江大华技术股份有限公司")] == ["dahua"]
    assert [k for k, _ in index.search("Hikvison Digital Technology")] == ["hik"]
    assert [k for k, _ in index.search("Zhongxing Telecommunication Equipment")] == ["zte"]
    assert [k for k, _ in index.search("International Business Machines Corp.")] == ["ibm"]
    assert [k for k, _ in index.search("Huawei Device")] == ["device"]
    assert index.search("Xiongmai Technology") == []
    assert index.search("") == []
    loose = index.search("Huawei", threshold=0.5, limit=5)
    assert {k for k, _ in loose} >= {"huawei", "device"}
    assert len(index.search("Huawei", threshold=0.5, limit=1)) == 1


def test_search_many_answers_like_search_and_restores_the_collector() -> None:
    import gc

    index = NameIndex(ENTRIES)
    queries = ["Dahua", "Huawei Device", "Dahua", "", "Xiongmai"]
    before = gc.get_threshold()
    answers = list(index.search_many(queries, limit=2))
    assert answers == [index.search(q, limit=2) for q in queries]
    assert gc.get_threshold() == before


def test_index_agrees_with_pairwise_comparison() -> None:
    index = NameIndex(ENTRIES)
    for query in ["Dahua", "Huawei Technologies", "Hangzhou Hikvision", "ZTE Corp."]:
        expected = {
            key for key, name in ENTRIES if compare_names(query, name).score >= DEFAULT_THRESHOLD
        }
        found = {key for key, _ in index.search(query, limit=10)}
        assert found == expected, query


# --------------------------------------------------------------------------- CLI


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _f1(truth_rows: list[dict[str, str]], out_rows: list[dict[str, str]]) -> float:
    assert [(r["name1"], r["name2"]) for r in out_rows] == [
        (r["name1"], r["name2"]) for r in truth_rows
    ]
    pairs = list(zip(truth_rows, out_rows, strict=True))
    tp = sum(t["is_match"] == "1" and o["is_match"] == "1" for t, o in pairs)
    fp = sum(t["is_match"] == "0" and o["is_match"] == "1" for t, o in pairs)
    fn = sum(t["is_match"] == "1" and o["is_match"] == "0" for t, o in pairs)
    return 2 * tp / (2 * tp + fp + fn)


@needs_shared
def test_cli_compare_on_eval_pairs_reaches_f1(tmp_path: Path) -> None:
    truth = _read(EVAL_PAIRS)
    spelling = tmp_path / "spelling.csv"
    code, output = _run("names", "compare", str(EVAL_PAIRS), "-o", str(spelling), "--no-kb")
    assert code == 0, output
    rows = _read(spelling)
    assert list(rows[0]) == ["name1", "name2", "score", "is_match", "explanation"]
    assert all(r["explanation"] for r in rows)
    assert _f1(truth, rows) >= 0.90
    # The official scorer accepts the file and agrees.
    scored = subprocess.run(
        [sys.executable, str(SCORER), "pairs", str(EVAL_PAIRS), str(spelling), "--min-f1", "0.9"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert scored.returncode == 0, scored.stdout + scored.stderr

    with_graph = tmp_path / "graph.csv"
    code, output = _run("names", "compare", str(EVAL_PAIRS), "-o", str(with_graph))
    assert code == 0, output
    assert _f1(truth, _read(with_graph)) >= _f1(truth, rows)


def test_cli_compare_scores_bad_rows_zero(tmp_path: Path) -> None:
    source = tmp_path / "pairs.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name1", "name2", "is_match"])
        writer.writerow(["1", "Huawei Technologies Co.,Ltd.", "HUAWEI TECHNOLOGIES CO., LTD", "0"])
        writer.writerow(["2", "", "Huawei", "1"])
        writer.writerow(["3", "... --- ...", "Huawei", "1"])
        writer.writerow(["4", "A" * 100_000, "Huawei", "1"])
        writer.writerow(["5", "Huawei"])  # short row: name2 missing
    out = tmp_path / "out.csv"
    code, output = _run("names", "compare", str(source), "-o", str(out), "--no-kb")
    assert code == 0, output
    rows = _read(out)
    assert [r["is_match"] for r in rows] == ["1", "0", "0", "0", "0"]
    assert [float(r["score"]) for r in rows[1:]] == [0.0, 0.0, 0.0, 0.0]
    assert "empty" in rows[1]["explanation"]
    assert "no letters" in rows[2]["explanation"]
    assert "longer than" in rows[3]["explanation"]


def test_cli_compare_reports_missing_columns(tmp_path: Path) -> None:
    source = tmp_path / "pairs.csv"
    source.write_text("left,right\nHuawei,ZTE\n", encoding="utf-8")
    code, output = _run("names", "compare", str(source), "--no-kb")
    assert code == 2
    assert "missing column(s) name1, name2" in output
    assert "Traceback" not in output


def test_cli_compare_reports_unreadable_files(tmp_path: Path) -> None:
    code, output = _run("names", "compare", str(tmp_path / "nope.csv"), "--no-kb")
    assert code == 2
    assert "cannot read" in output and "nope.csv" in output
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"name1,name2\nHuawei,ZTE\n\xff\xfe\x00bad,row\n")
    code, output = _run("names", "compare", str(binary), "--no-kb")
    assert code == 2
    assert "binary.csv" in output and "Traceback" not in output


def test_cli_match_prints_feature_breakdown() -> None:
    code, output = _run(
        "names", "match", "Huawei Technologies Co., Ltd.", "Huawei Device Co., Ltd.", "--no-kb"
    )
    assert code == 0, output
    assert "different entities" in output
    assert "distinguishing_parts" in output
