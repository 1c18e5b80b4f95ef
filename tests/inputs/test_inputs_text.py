"""HTML reduction to text, and the JSON Lines error sink."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from whomade.inputs import JsonlErrorSink, RowError, html_to_text


def _clean(value: str) -> str:
    return html_to_text(pl.Series([value]))[0]


def test_plain_text_is_untouched() -> None:
    values = pl.Series(["Axis M3106-L dome", "a < b > c", "AT&T modem", "  spaced  "])
    assert html_to_text(values).to_list() == [
        "Axis M3106-L dome",
        "a < b > c",
        "AT&T modem",
        "  spaced  ",
    ]


def test_markup_is_reduced() -> None:
    assert _clean("<ul><li>4MP</li><li>PoE</li></ul>") == "4MP PoE"
    assert _clean("Line one<br/>Line two") == "Line one Line two"
    assert _clean("Hik<b>vision</b>") == "Hikvision"
    assert _clean("<p>Dahua</p>\n\n<p>Imou</p>") == "Dahua Imou"
    assert (
        _clean("Tom &amp; Jerry &lt;3 &quot;x&quot; &#39;y&#39;&nbsp;z")
        == "Tom & Jerry <3 \"x\" 'y' z"
    )
    assert _clean("caf&eacute; &#233;t&#xE9; &copy;") == "café été ©"
    assert _clean("&amp;lt;b&amp;gt;") == "&lt;b&gt;"  # unescaped once, not twice


def test_hostile_markup_leaves_no_tag() -> None:
    cases = [
        "<script>alert(1)</script>ok",
        "<SCRIPT type='text/javascript'>var x = '</div>';</SCRIPT>ok",
        "<scr<script>ipt>alert(1)</script>ok",
        "<img src=x onerror=alert(1)>ok",
        "<svg onload=alert(1)><circle/></svg>ok",
        "<style>body{display:none}</style>ok",
        "&lt;script&gt;alert(1)&lt;/script&gt;ok",
        "<iframe src='//evil'></iframe>ok",
        "<!-- <script>alert(1)</script> -->ok",
        "<script>never closed",
    ]
    for case in cases:
        text = _clean(case)
        assert "alert" not in text, case
        assert "<script" not in text.lower() and "onerror" not in text and "onload" not in text
    assert _clean("<script>never closed") == ""


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_TAG = st.sampled_from(["b", "i", "p", "div", "span", "li", "a", "em", "td"])


@st.composite
def _html(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        tag = draw(_TAG)
        words = " ".join(draw(st.lists(_WORD, min_size=1, max_size=4)))
        attribute = draw(st.sampled_from(["", ' class="x"', " title='a>b'", " data-x=1"]))
        parts.append(f"<{tag}{attribute}>{words}</{tag}> ")
    return "".join(parts)


@settings(max_examples=100, deadline=None)
@given(_html())
def test_words_agree_with_the_stdlib_html_parser(document: str) -> None:
    reference = _TextOf()
    reference.feed(document)
    reference.close()
    assert _clean(document).split() == " ".join(reference.parts).split()


def test_jsonl_error_sink(tmp_path: Path) -> None:
    path = tmp_path / "errors.jsonl"
    with JsonlErrorSink(path) as sink:
        sink.add(RowError("f.csv", 3, "row has 2 fields", record_id="A1"))
        sink.add(RowError("f.csv", 9, "not valid JSON", field="title"))
        assert len(path.read_text().splitlines()) == 2  # written as it comes
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0] == {"file": "f.csv", "line": 3, "reason": "row has 2 fields",
                       "record_id": "A1", "field": None}  # fmt: skip
    assert rows[1]["field"] == "title"
    assert sink.count == 2
    assert str(RowError("f.csv", 3, "bad")) == "f.csv:3: bad"
