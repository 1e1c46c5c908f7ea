"""The model-answer sections of the canonical format: 参考答案 + 参考资料 beside the document's 原文答案/原文解析,
and corrections that quote the wrong claim (原文：…). Errors name the line; round trips are exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.bank import ContentError
from app.content.canonical import parse_bank, write_bank

PATH = Path("banks/demo.md")
HEAD = "---\npreplab: 1\nbank: demo\ntitle: 演示\n---\n\n"  # lines 1-6; a question's `##` is line 7


def bank(body: str, meta: str = "id: q-1\nkind: open") -> str:
    return HEAD + f"## 问题一\n\n```yaml\n{meta}\n```\n\n{body}\n"  # the first section label is line 14


MODEL = """### 参考答案

ZeRO 在数据并行各卡之间切分优化器状态、梯度和参数。

### 参考资料

- ZeRO 论文（Rajbhandari et al., SC 2020, arXiv:1910.02054）§5
- DeepSpeed 文档：ZeRO 教程

### 要点

- 切分模型状态
- 三个阶段
- 通信换显存

### 原文答案

ZeRO 把**数据**分割到多个 GPU。

### 原文解析

这样可以省显存。

### 勘误

- 切分的是模型状态而不是数据。
  原文：把数据分割到多个 GPU
  来源：ZeRO 论文 §5"""


def test_model_answer_is_shown_and_the_original_kept() -> None:
    question = parse_bank(PATH, bank(MODEL)).questions[0]
    assert question.model_answer.startswith("ZeRO 在数据并行") and question.shown_answer == question.model_answer
    assert question.answer == "ZeRO 把**数据**分割到多个 GPU。" and question.explanation == "这样可以省显存。"
    assert question.shown_explanation == ""  # the document's explanation is a source too
    assert question.references == ["ZeRO 论文（Rajbhandari et al., SC 2020, arXiv:1910.02054）§5",
                                   "DeepSpeed 文档：ZeRO 教程"]
    # emphasis and spacing are ignored when the quote is found in the original
    assert question.corrections[0].quote == "把数据分割到多个 GPU" and question.corrections[0].line == 39


def test_written_bank_reads_back_byte_for_byte() -> None:
    text = bank(MODEL)
    parsed = parse_bank(PATH, text)
    assert write_bank(parsed) == text
    assert parse_bank(PATH, write_bank(parsed)).questions == parsed.questions


def test_english_labels_and_legacy_answer_label_are_aliases() -> None:
    english = (MODEL.replace("### 参考答案", "### Model answer").replace("### 参考资料", "### References")
               .replace("### 原文答案", "### Original answer").replace("原文：", "Original: "))
    assert parse_bank(PATH, bank(english)).questions[0].corrections[0].quote == "把数据分割到多个 GPU"
    # a bank written before model answers: its 答案 is the shown answer, its corrections sit above it
    legacy = parse_bank(PATH, bank("### 答案\n\n答案。\n\n### 解析\n\n因为。")).questions[0]
    assert legacy.model_answer == "" and legacy.shown_answer == "答案。" and legacy.shown_explanation == "因为。"
    written = write_bank(parse_bank(PATH, bank("### 答案\n\n答案。")))
    assert "### 答案" in written and "原文答案" not in written


@pytest.mark.parametrize(("body", "line", "fragment"), [
    (MODEL.replace("### 参考资料\n\n- ZeRO 论文（Rajbhandari et al., SC 2020, arXiv:1910.02054）§5\n"
                   "- DeepSpeed 文档：ZeRO 教程\n\n", ""), 14, "参考答案缺少参考资料"),
    ("### 答案\n\n答案。\n\n### 参考资料\n\n- 论文", 18, "参考资料只属于参考答案"),
    (MODEL.replace("原文：把数据分割到多个 GPU", "原文：把参数分割到多个 GPU"), 39,
     "勘误引用的原文在它更正的答案中找不到"),
    (MODEL.replace("  来源：ZeRO 论文 §5", "  原文：又一处\n  来源：ZeRO 论文 §5"), 41, "只能引用一处原文"),
    (MODEL + "\n\n### 答案\n\n重复", 43, "小节重复"),
], ids=["no_references", "references_alone", "quote_not_in_original", "two_quotes", "answer_and_original"])
def test_errors_name_file_and_line(body: str, line: int, fragment: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_bank(PATH, bank(body))
    assert (caught.value.file, caught.value.line) == (str(PATH), line), caught.value.problem
    assert fragment in caught.value.problem and " / " in caught.value.problem


def test_mcq_model_answer_stands_for_the_explanation() -> None:
    options = "### 选项\n\n- [ ] A. 只切分参数\n- [x] B. 优化器状态和梯度\n\n"
    answer = "### 参考答案\n\n**正确答案：B**。A 错：那是 stage 3 才做的。\n\n### 参考资料\n\n- ZeRO 论文 §5.2"
    question = parse_bank(PATH, bank(options + answer, "id: q-m\nkind: mcq")).questions[0]
    assert not question.unanswered and question.answer == "B. 优化器状态和梯度"
    assert question.shown_answer.startswith("**正确答案：B**")
