"""Query terms and snippet markup: escaping happens before marking, so no text can become a tag."""

from __future__ import annotations

from app.search.highlight import best_window, fts_query, query_terms, snippet_html, window
from app.search.index import MARK_END, MARK_START


def test_query_terms_split_on_spaces_punctuation_and_quotes() -> None:
    assert query_terms("  ZeRO-3，显存 “混合精度”  zero-3 ") == ["ZeRO-3", "显存", "混合精度"]
    assert query_terms("") == []
    assert len(query_terms(" ".join(f"t{i}" for i in range(20)))) == 8


def test_fts_query_quotes_every_term() -> None:
    assert fts_query(["ZeRO", 'a"b', "NEAR("]) == '"ZeRO" AND "a""b" AND "NEAR("'


def test_markers_become_marks_after_escaping() -> None:
    marked = f"<b>{MARK_START}ZeRO{MARK_END}</b> & {MARK_START}<i>{MARK_END}"
    assert snippet_html(marked) == "&lt;b&gt;<mark>ZeRO</mark>&lt;/b&gt; &amp; <mark>&lt;i&gt;</mark>"


def test_extra_terms_are_marked_case_insensitively_and_overlaps_merge() -> None:
    assert snippet_html(f"{MARK_START}显存{MARK_END}占用 DP dp", ["存占", "dp"]) == \
        "<mark>显存占</mark>用 <mark>DP</mark> <mark>dp</mark>"
    assert snippet_html("a<b", ["<"]) == "a<mark>&lt;</mark>b"


def test_windows_centre_on_the_first_match() -> None:
    text = "甲" * 100 + "显存" + "乙" * 100
    cut = window(text, ["显存"], width=20)
    assert cut.startswith("…") and cut.endswith("…") and "显存" in cut and len(cut) == 22
    assert window("短文本", ["无"], width=20) == "短文本"
    assert best_window(["没有", "这里有 DP", ""], ["dp"]) == "这里有 DP"
    assert best_window(["", "第一段", "第二段"], ["无"]) == "第一段"
