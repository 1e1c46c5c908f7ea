"""Headings that only name a section are not questions, and never lend their first paragraph as a prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.bank import ParsedBank
from app.content.foreign import parse_foreign

INTRO = "本部分介绍分布式训练的基础。"


def parse(text: str) -> ParsedBank:
    return parse_foreign(Path("doc.md"), text)


@pytest.mark.parametrize(
    "heading",
    ["## 第一部分 基础概念", "### 一、分布式训练", "## 第2章：显存优化", "## Part 1: Basics", "## 常见面试题",
     "## 3. 常见问题", "## 总结"],
)
def test_a_section_name_over_text_is_no_question(heading: str) -> None:
    bank = parse(f"# 笔记\n\n{heading}\n\n{INTRO}\n\n更多说明。\n")
    assert bank.questions == []


@pytest.mark.parametrize(
    "heading",
    ["## 第一部分 基础概念", "### 一、分布式训练", "## 什么是分布式训练？", "## 分布式训练", "# 面试题"],
)
def test_a_heading_over_question_subheadings_lends_them_nothing(heading: str) -> None:
    text = f"{heading}\n\n{INTRO}\n\n#### 什么是数据并行？\n\n每卡一份模型。\n\n#### 什么是张量并行？\n\n切分矩阵。\n"
    bank = parse(text)
    assert [(q.line, q.prompt) for q in bank.questions] == [(5, "什么是数据并行？"), (9, "什么是张量并行？")]


@pytest.mark.parametrize(
    ("heading", "pair"),
    [
        ("## 第一部分 基础概念", "问题：什么是数据并行？\n答案：每卡一份模型。"),
        ("### 一、分布式训练", "**Q: 什么是数据并行？**\nA: 每卡一份模型。"),
        ("## 分布式训练", "问：什么是数据并行？\n答：每卡一份模型。"),
        ("# 面试题", "问题：什么是数据并行？\n答案：每卡一份模型。"),
    ],
)
def test_a_heading_over_one_pair_gives_the_pair_not_its_intro(heading: str, pair: str) -> None:
    bank = parse(f"{heading}\n\n{INTRO}\n\n{pair}\n")
    [question] = bank.questions
    assert (question.line, question.title, question.prompt) == (5, "什么是数据并行？", "什么是数据并行？")
    assert question.answer == "每卡一份模型。"


def test_options_in_a_section_intro_are_not_a_question() -> None:
    text = (
        "## 第二章 显存优化\n\n本章包括：\n\nA. 梯度检查点\nB. ZeRO\n\n"
        "### 什么是梯度检查点？\n\n用重算换显存。\n"
    )
    bank = parse(text)
    assert [(q.line, q.kind, q.prompt) for q in bank.questions] == [(8, "open", "什么是梯度检查点？")]


def test_a_labelled_question_keeps_the_sub_questions_below_it() -> None:
    text = "## 梯度累积\n\n**答案：** 多个小批次的梯度相加。\n\n### 为什么要除以累积步数？\n\n保持梯度的尺度。\n"
    bank = parse(text)
    assert [(q.line, q.prompt, q.answer) for q in bank.questions] == [
        (1, "梯度累积", "多个小批次的梯度相加。"),
        (5, "为什么要除以累积步数？", "保持梯度的尺度。"),
    ]


@pytest.mark.parametrize(
    "heading",
    ["数据并行和模型并行有什么区别", "ZeRO 的三个阶段分别是什么", "Adam 与 AdamW 的区别", "混合精度训练的优缺点",
     "梯度累积能否替代大批次", "How does ZeRO shard the optimizer state", "什么是 ZeRO", "ZeRO 是什么？"],
)
def test_headings_that_ask_are_questions_answered_by_their_text(heading: str) -> None:
    bank = parse(f"# 笔记\n\n## {heading}\n\n这是答案。\n")
    [question] = bank.questions
    assert (question.title, question.answer) == (heading, "这是答案。")


@pytest.mark.parametrize(
    "heading", ["数据并行", "分布式训练概述", "背景", "参考资料", "附录 A：术语表", "第一部分 基础概念", "问答"]
)
def test_headings_that_name_things_are_not_questions(heading: str) -> None:
    assert parse(f"# 笔记\n\n## {heading}\n\n一段介绍。\n").questions == []
