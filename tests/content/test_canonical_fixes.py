"""Corrections with sources and labs, and `### 文字修订` text fixes: parsing, errors with lines, writing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.content.bank import Alternate, Correction, ParsedBank, ParsedQuestion, SourceRef, TextFix
from app.content.canonical import parse_bank, registered_labs, write_bank
from tests.content.test_canonical import HEAD, PATH, assert_error, parse, question, without_lines

BANK = Path(__file__).resolve().parents[1] / "data" / "canonical" / "corrections.md"
ANSWER = "### 答案\n\n答案。\n\n"  # `### 答案` is line 14 of body(); the section after it starts on 18


def body(section: str) -> str:
    """A question whose second section heading is line 18 and whose first item is line 20."""
    return HEAD + question(body=ANSWER + section)


# --- parsing -----------------------------------------------------------------------------------------------


def test_bank_with_labs_and_text_fixes_parses() -> None:
    zero, scaling = parse_bank(BANK).questions
    first, second = zero.corrections
    assert first == Correction(
        "原答案写成 (2 + 2 + 12)Ψ/N，把 fp16 参数也算作切分；ZeRO-2 只切分梯度和优化器状态。",
        ["ZeRO 论文 §5.2", "DeepSpeed 文档"], lab="zero-memory")
    assert second.lab is None and second.sources == ["Rajbhandari et al., 2020"]
    assert zero.text_fixes == [
        TextFix("ZeRO-2 把梯度切分到各个进稈上", "ZeRO-2 把梯度切分到各个进程上",
                SourceRef("004_d6b2aaf431fc57a4.txt", 3972)),
        TextFix("**优化器状态*占 12Ψ", "**优化器状态**占 12Ψ", SourceRef("001_df8376fe26b6958d.txt", 230)),
    ]
    (alternate,) = zero.alternates
    assert [c.lab for c in alternate.corrections] == ["zero-memory"]
    assert scaling.corrections == [] and scaling.text_fixes[0].location.line == 815


def test_aliases_ascii_colons_and_any_line_order() -> None:
    section = ("### TEXT FIXES\n\n- Location: a.txt:3\n  fixed:  进程 \n  ORIGINAL:进稈\n\n"
               "### Errata\n\n- 说法有误。\n  Lab: lora\n  Sources: LoRA 论文")
    (q,) = parse(body(section)).questions
    assert q.text_fixes == [TextFix("进稈", "进程", SourceRef("a.txt", 3))]
    assert q.corrections == [Correction("说法有误。", ["LoRA 论文"], lab="lora")]


def test_lab_line_with_ascii_colon_and_multi_line_correction_text() -> None:
    section = "### 勘误\n\n- 第一行\n  第二行\n  实验: mixed-precision\n  来源: 论文"
    (q,) = parse(body(section)).questions
    assert q.corrections == [Correction("第一行\n第二行", ["论文"], lab="mixed-precision")]


def test_registered_labs_are_read_from_the_lab_registry() -> None:
    assert set(registered_labs()) >= {"zero-memory", "mixed-precision", "lora"}


# --- errors ------------------------------------------------------------------------------------------------

ERRORS = [
    ("correction_without_source", "### 勘误\n\n- 只有说法，没有依据。", 20, "correction names no source"),
    ("lab_without_source", "### 勘误\n\n- 说法。\n  实验：zero-memory", 20, "勘误缺少来源"),
    ("unknown_lab", "### 勘误\n\n- 说法。\n  来源：论文\n  实验：zero-memroy", 22, "未知的实验 'zero-memroy'"),
    ("unknown_lab_english", "### 勘误\n\n- 说法。\n  Lab: gpt5\n  来源：论文", 21, "unknown lab"),
    ("empty_lab", "### 勘误\n\n- 说法。\n  来源：论文\n  实验：", 22, "实验行为空"),
    ("two_labs", "### 勘误\n\n- 说法。\n  来源：论文\n  实验：lora\n  实验：zero-memory", 23, "只能写一个实验行"),
    ("fix_not_a_list", "### 文字修订\n\n原文：a", 20, "应为列表项"),
    ("fix_missing_fixed", "### 文字修订\n\n- 原文：a\n  位置：a.txt:3", 20, "文字修订缺少 修正"),
    ("fix_missing_two", "### 文字修订\n\n- 原文：a", 20, "文字修订缺少 修正、位置"),
    ("fix_bad_location", "### 文字修订\n\n- 原文：a\n  修正：b\n  位置：第三行", 22, "位置须写成 文档:行号"),
    ("fix_unlabelled_line", "### 文字修订\n\n- 原文：a\n  改成 b\n  位置：a.txt:3", 21, "原文：/修正：/位置："),
    ("fix_duplicate_line", "### 文字修订\n\n- 原文：a\n  修正：b\n  修正：c\n  位置：a.txt:3", 22, "修正 重复"),
    ("fix_empty_value", "### 文字修订\n\n- 原文：a\n  修正：\n  位置：a.txt:3", 21, "修正 为空"),
    ("fix_unchanged", "### 文字修订\n\n- 原文：a\n  修正：a\n  位置：a.txt:3", 20, "原文与修正相同"),
    ("second_fix_bad", "### 文字修订\n\n- 原文：a\n  修正：b\n  位置：a.txt:3\n- 原文：c\n  修正：d", 23,
     "文字修订缺少 位置"),
    ("duplicate_section", "### 文字修订\n\n- 原文：a\n  修正：b\n  位置：a.txt:3\n\n### Text fixes\n\n- x", 24,
     "小节重复"),
]


@pytest.mark.parametrize(("section", "line", "fragment"), [case[1:] for case in ERRORS],
                         ids=[case[0] for case in ERRORS])
def test_errors_name_the_line(section: str, line: int, fragment: str) -> None:
    assert_error(body(section), line, fragment)


def test_alternate_correction_without_source_is_an_error() -> None:
    section = "### 其他答案\n\n#### a.txt:1\n\n另一个答案。\n\n##### 勘误\n\n- 说法有误。"
    assert_error(body(section), 26, "勘误缺少来源")


# --- writing -----------------------------------------------------------------------------------------------


def test_bank_is_rewritten_byte_for_byte() -> None:
    assert write_bank(parse_bank(BANK)) == BANK.read_text(encoding="utf-8")


def test_aliases_are_written_in_the_canonical_spelling() -> None:
    section = "### Text fixes\n\n- fixed: 进程\n  original: 进稈\n  location: a.txt:3\n\n### 勘误\n\n- 说法。\n" \
              "  lab: lora\n  sources: 论文"
    bank = parse(body(section))
    written = write_bank(bank)
    assert "### 勘误\n\n- 说法。\n  来源：论文\n  实验：lora\n\n### 文字修订\n\n" \
           "- 原文：进稈\n  修正：进程\n  位置：a.txt:3\n" in written
    assert without_lines(parse(written)) == without_lines(bank)


def _question(**changes: object) -> ParsedQuestion:
    base = ParsedQuestion(kind="open", title="问题", prompt="问题", answer="答案。", file="mem", line=1, id="q-1")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _write(question: ParsedQuestion) -> str:
    return write_bank(ParsedBank(path=PATH, slug="demo", title="演示", questions=[question]))


def test_written_fixes_and_labs_read_back_equal() -> None:
    fix = TextFix("  两端的空白不算内容 ", "两端的空白不算内容。", SourceRef("004_d6b2aaf431fc57a4.txt", 12))
    alternate = Alternate("另一个答案。", SourceRef("b.txt", 2), [Correction("错了。", ["文档"], lab="lora")])
    question = _question(text_fixes=[fix], alternates=[alternate],
                         corrections=[Correction("说法有误。", ["论文"], lab="zero-memory")])
    (read,) = parse(_write(question)).questions
    assert read.text_fixes == [TextFix("两端的空白不算内容", "两端的空白不算内容。", fix.location)]
    assert read.corrections == question.corrections and read.alternates == [alternate]


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"corrections": [Correction("说法有误。", [])]}, "names no source"),
    ({"corrections": [Correction("说法有误。", ["论文"], lab="no-such-lab")]}, "未知的实验"),
    ({"corrections": [Correction("说法有误。", ["论文"], lab="zero-memory\nlora")]}, "one non-empty line"),
    ({"corrections": [Correction("说法有误\n实验：lora", ["论文"])]}, "reads as its quote, sources or lab"),
    ({"text_fixes": [TextFix("两行\n原文", "修正", SourceRef("a.txt", 1))]}, "one non-empty line"),
    ({"text_fixes": [TextFix("原文", " ", SourceRef("a.txt", 1))]}, "one non-empty line"),
    ({"text_fixes": [TextFix("相同", "相同", SourceRef("a.txt", 1))]}, "原文与修正相同"),
], ids=["no_source", "unknown_lab", "two_line_lab", "lab_line_in_text", "two_line_original", "empty_fixed",
        "unchanged"])
def test_writer_refuses_what_would_not_read_back(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        _write(_question(**changes))
