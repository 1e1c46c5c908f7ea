"""Q/A pairs in foreign documents: one question per pair, under a heading or none, beside heading questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.bank import ParsedBank
from app.content.foreign import parse_foreign
from tests.conftest import DATA, ImportInto

FIXTURES = DATA / "foreign"


def parse(text: str, name: str = "doc.md") -> ParsedBank:
    return parse_foreign(Path(name), text)


def pairs(bank: ParsedBank) -> list[tuple[int, str, str]]:
    return [(q.line, q.prompt, q.answer) for q in bank.questions]


def test_five_bold_q_pairs_under_one_heading_are_five_questions() -> None:
    bank = parse_foreign(FIXTURES / "pairs_bold.md")
    assert pairs(bank) == [
        (5, "什么是数据并行？", "每个 GPU 保存一份完整的模型，各自处理不同的数据，再同步梯度。"),
        (8, "什么是张量并行？", "把层内的矩阵乘法切到多个 GPU 上。\n\n它需要在每层前后做集合通信。"),
        (13, "什么是流水线并行？", "按层把模型切成若干段，每段放在一个 GPU 上。"),
        (16, "什么是 ZeRO？", "把优化器状态、梯度和参数分片到数据并行进程。"),
        (19, "什么是 FSDP？", "PyTorch 的全分片数据并行，思路与 ZeRO-3 相同。"),
    ]
    assert [q.title for q in bank.questions][:2] == ["什么是数据并行？", "什么是张量并行？"]
    assert all(q.kind == "open" and not q.unanswered for q in bank.questions)
    assert bank.title == "分布式训练速查" and bank.warnings == []


def test_five_pairs_import_as_five_questions(tmp_path: Path, import_into: ImportInto) -> None:
    document = tmp_path / "pairs.md"
    document.write_text((FIXTURES / "pairs_bold.md").read_text(encoding="utf-8"), encoding="utf-8")
    report = import_into(document)
    assert report.total == report.added == 5


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("问：什么是梯度累积？", "答：多个小批次的梯度相加后再更新。"),
        ("问: 什么是梯度累积？", "答: 多个小批次的梯度相加后再更新。"),
        ("**问：** 什么是梯度累积？", "**答：** 多个小批次的梯度相加后再更新。"),
        ("**问：什么是梯度累积？**", "**答：**多个小批次的梯度相加后再更新。"),
        ("问题：什么是梯度累积？", "答案：多个小批次的梯度相加后再更新。"),
        ("**问题：** 什么是梯度累积？", "**答案：** 多个小批次的梯度相加后再更新。"),
        ("Q：什么是梯度累积？", "A：多个小批次的梯度相加后再更新。"),
        ("**Q1：什么是梯度累积？**", "A：多个小批次的梯度相加后再更新。"),
        ("Q1. 什么是梯度累积？", "A: 多个小批次的梯度相加后再更新。"),
        ("**Q1.** 什么是梯度累积？", "**A:** 多个小批次的梯度相加后再更新。"),
        ("Question 1: 什么是梯度累积？", "Answer: 多个小批次的梯度相加后再更新。"),
        ("Q1: 什么是梯度累积？", "A1: 多个小批次的梯度相加后再更新。"),
        ("- Q: 什么是梯度累积？", "  A: 多个小批次的梯度相加后再更新。"),
        ("1. **问：** 什么是梯度累积？", "   **答：** 多个小批次的梯度相加后再更新。"),
    ],
)
def test_every_pair_spelling_splits_a_section(question: str, answer: str) -> None:
    second = question.replace("梯度累积", "梯度检查点").replace("1", "2")
    text = f"## 训练技巧\n\n{question}\n{answer}\n\n{second}\n{answer.replace('相加', '累加')}\n"
    bank = parse(text)
    assert pairs(bank) == [
        (3, "什么是梯度累积？", "多个小批次的梯度相加后再更新。"),
        (6, "什么是梯度检查点？", "多个小批次的梯度累加后再更新。"),
    ]


def test_pairs_without_any_heading_keep_the_headings_that_follow() -> None:
    text = (
        "问题：什么是数据并行？\n答案：每卡一份模型。\n\n"
        "问题：什么是张量并行？\n答案：切分矩阵乘法。\n\n第二段答案。\n\n"
        "## 为什么需要梯度裁剪？\n\n防止梯度爆炸。\n"
    )
    bank = parse(text, "notes.md")
    assert pairs(bank) == [
        (1, "什么是数据并行？", "每卡一份模型。"),
        (4, "什么是张量并行？", "切分矩阵乘法。\n\n第二段答案。"),
        (9, "为什么需要梯度裁剪？", "防止梯度爆炸。"),
    ]
    assert bank.title == "notes"


def test_one_pair_under_a_title_does_not_swallow_the_document() -> None:
    text = "# 面试笔记\n\n问题：什么是 ZeRO？\n答案：零冗余优化器。\n\n## 什么是 FSDP？\n\n全分片数据并行。\n"
    bank = parse(text)
    assert pairs(bank) == [(3, "什么是 ZeRO？", "零冗余优化器。"), (6, "什么是 FSDP？", "全分片数据并行。")]
    assert bank.title == "面试笔记"


def test_numbered_bold_questions_each_followed_by_an_answer_label() -> None:
    text = (
        "## 显存优化\n\n本节收集显存相关的问题。\n\n"
        "**1. 什么是梯度检查点？**\n答：用重算换显存。\n\n"
        "**2. 混合精度为什么省显存？**\n答：激活和梯度用半精度存储。\n\n还能提高吞吐。\n\n"
        "3. ZeRO 有哪几个阶段\n答：三个阶段，分别切分优化器状态、梯度和参数。\n"
    )
    bank = parse(text)
    assert pairs(bank) == [
        (5, "什么是梯度检查点？", "用重算换显存。"),
        (8, "混合精度为什么省显存？", "激活和梯度用半精度存储。\n\n还能提高吞吐。"),
        (13, "ZeRO 有哪几个阶段", "三个阶段，分别切分优化器状态、梯度和参数。"),
    ]
    assert all("本节" not in q.prompt for q in bank.questions)


def test_pairs_mixed_with_heading_questions_in_one_document() -> None:
    text = (
        "# 大模型训练面试题\n\n"
        "## 第一部分 基础概念\n\n本部分介绍分布式训练的基础概念。\n\n"
        "**Q1: 什么是 all-reduce？**\nA: 先归约再广播。\n\n"
        "**Q2: 什么是 NCCL？**\nA: NVIDIA 的集合通信库。\n\n"
        "## 什么是 ZeRO？\n\nZeRO 把优化器状态分片。\n\n"
        "## 梯度累积\n\n**题目：** 梯度累积解决什么问题？\n\n**答案：** 显存放不下大批次。\n\n"
        "### 一、显存优化\n\n问：什么是激活重算？\n答：反向时重新计算激活。\n\n"
        "问：什么是卸载？\n答：把状态放到 CPU 内存。\n"
    )
    bank = parse(text)
    assert [(q.line, q.title, q.prompt) for q in bank.questions] == [
        (7, "什么是 all-reduce？", "什么是 all-reduce？"),
        (10, "什么是 NCCL？", "什么是 NCCL？"),
        (13, "什么是 ZeRO？", "什么是 ZeRO？"),
        (17, "梯度累积", "梯度累积解决什么问题？"),
        (25, "什么是激活重算？", "什么是激活重算？"),
        (28, "什么是卸载？", "什么是卸载？"),
    ]
    assert [q.answer for q in bank.questions][2:4] == ["ZeRO 把优化器状态分片。", "显存放不下大批次。"]
    assert bank.title == "大模型训练面试题" and bank.warnings == []


def test_a_pair_without_an_answer_is_flagged() -> None:
    bank = parse("## 练习\n\nQ1: 什么是 ZeRO？\nA: 零冗余优化器。\n\nQ2: 什么是 FSDP？\n")
    assert [(q.line, q.unanswered) for q in bank.questions] == [(3, False), (6, True)]
    assert [w.line for w in bank.warnings] == [6]


def test_pair_labels_inside_code_are_text() -> None:
    text = "## 练习\n\nQ: 这段代码输出什么？\nA: 输出两行：\n\n```\nQ: 1\nA: 2\n```\n\nQ: 下一题？\nA: 好。\n"
    bank = parse(text)
    assert [q.line for q in bank.questions] == [3, 11]
    assert "Q: 1\nA: 2" in bank.questions[0].answer


def test_a_question_heading_with_a_q_prefix_loses_the_prefix() -> None:
    bank = parse("### Q: 什么是 ZeRO？\nA: 零冗余优化器。\n\n### Q2: 什么是 FSDP？\nA: 全分片数据并行。\n")
    assert [(q.line, q.title, q.prompt, q.answer) for q in bank.questions] == [
        (1, "什么是 ZeRO？", "什么是 ZeRO？", "零冗余优化器。"),
        (4, "什么是 FSDP？", "什么是 FSDP？", "全分片数据并行。"),
    ]


def test_a_question_label_in_a_list_inside_an_answer_stays_answer_text() -> None:
    bank = parse("## 什么是 ZeRO？\n\n答：要点如下\n\n- 问题：显存不足\n- 解决：分片\n")
    [question] = bank.questions
    assert question.answer == "要点如下\n\n- 问题：显存不足\n- 解决：分片"
