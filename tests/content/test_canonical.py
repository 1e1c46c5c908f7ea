"""The canonical bank format: parsing, the errors it reports (with lines), writing and round trips."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from app.content.bank import (
    MAX_BANK_BYTES,
    Alternate,
    Choice,
    ContentError,
    Correction,
    ParsedBank,
    ParsedQuestion,
    SourceRef,
    derive_question_id,
)
from app.content.canonical import is_canonical, parse_bank, write_bank

DATA = Path(__file__).resolve().parents[1] / "data" / "canonical"
GOLDEN = DATA / "golden.md"
HAND_EDITED = DATA / "hand_edited.md"
PATH = Path("banks/demo.md")

# Lines 1-6; the first question's `##` line is line 7, its ```yaml line 9 and its first metadata line 10.
HEAD = "---\npreplab: 1\nbank: demo\ntitle: 演示\n---\n\n"


def question(meta: str = "id: q-1\nkind: open", body: str = "### 答案\n\n答案。", title: str = "问题一") -> str:
    return f"## {title}\n\n```yaml\n{meta}\n```\n\n{body}\n"


def mcq(options: str, meta: str = "id: q-m\nkind: mcq", extra: str = "### 解析\n\n因为。") -> str:
    # With the default two-line metadata, `### 选项` is line 14 and the first option line 16.
    return question(meta, f"### 选项\n\n{options}\n\n{extra}")


def parse(text: str) -> ParsedBank:
    return parse_bank(PATH, text)


def without_lines(bank: ParsedBank) -> list[ParsedQuestion]:
    return [dataclasses.replace(q, line=0) for q in bank.questions]


def assert_error(text: str, line: int | None, fragment: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse(text)
    assert caught.value.file == str(PATH)
    assert caught.value.line == line, caught.value.problem
    assert fragment in caught.value.problem
    assert " / " in caught.value.problem  # Chinese first, then English


# --- detection ---------------------------------------------------------------------------------------------


def test_is_canonical_needs_front_matter_with_preplab_key() -> None:
    assert is_canonical(HEAD)
    assert is_canonical("\ufeff---\r\npreplab: 1\r\n---\r\n")
    assert not is_canonical("---\ntitle: 演示\n---\n")
    assert not is_canonical("### 1. 什么是大语言模型？\n\n**答案：** ……\n")
    assert not is_canonical("---\npreplab: 1\n")  # never closed
    assert not is_canonical("intro\n---\npreplab: 1\n---\n")


# --- parsing -----------------------------------------------------------------------------------------------


def test_golden_bank_parses_every_section() -> None:
    bank = parse_bank(GOLDEN)
    assert (bank.slug, bank.title, bank.canonical) == ("deepspeed-basics", "DeepSpeed 基础", True)
    assert bank.description == "分布式训练框架 DeepSpeed 的常见面试题。"
    assert [q.id for q in bank.questions] == ["q-1a2b3c4d5e", "q-mcq-zero2", "q-mcq-pipeline", "q-code-zero-memory"]
    zero = bank.questions[0]
    assert (zero.kind, zero.difficulty, zero.topic, zero.skill) == ("open", 5, "分布式训练与系统架构", "DeepSpeed")
    assert zero.concepts == ["zero", "deepspeed"]
    assert zero.sources == [SourceRef("000_19bd2eb347514dbd.txt", 120), SourceRef("001_df8376fe26b6958d.txt", 216)]
    assert (zero.file, zero.line) == (str(GOLDEN), 9)
    assert zero.prompt.startswith("请解释 DeepSpeed 中的 **ZeRO**")
    [correction] = zero.corrections
    assert correction.text.startswith("原答案称 ZeRO 把“数据”分割到多个 GPU；") and "\n" not in correction.text
    assert correction.sources == ["ZeRO 论文 §5", "DeepSpeed 文档"]
    assert len(zero.key_points) == 3 and zero.key_points[2].startswith("多行要点：\n第二行仍属于这个要点\n\n```python")
    assert zero.explanation.startswith("ZeRO 的本质")


def test_fenced_lines_and_unknown_headings_stay_in_the_answer() -> None:
    answer = parse_bank(GOLDEN).questions[0].answer
    assert "~~~markdown\n## 这不是新题目\n### 答案\n#### 000_19bd2eb347514dbd.txt:1\n~~~" in answer
    assert "#### 配置示例" in answer
    assert "### 小结 不是小节标签，只是答案里的一个标题" in answer
    assert "| 2 | + 梯度 | 2Ψ + 14Ψ/N |" in answer
    assert answer.endswith("</details>")


def test_alternates_keep_their_source_and_corrections() -> None:
    first, second = parse_bank(GOLDEN).questions[0].alternates
    assert first == Alternate(
        answer="ZeRO 是一种内存优化技术，它把数据分割到多个 GPU 上，从而减少单卡内存占用。",
        source=SourceRef("001_df8376fe26b6958d.txt", 216),
        corrections=[Correction("切分的是模型状态而不是数据。", ["Rajbhandari et al., 2020"]),
                     Correction("没有说明三个阶段。", ["ZeRO 论文 §5.1–5.3"])],
    )
    assert second.source == SourceRef("003_bd4bf7e953bc6448.txt", 40)
    assert second.answer.startswith("- **内存优化**") and second.corrections == []


def test_mcq_answer_defaults_to_the_marked_option() -> None:
    zero2, pipeline = parse_bank(GOLDEN).questions[1:3]
    assert zero2.choices[1] == Choice("B", "优化器状态和梯度", correct=True)
    assert zero2.answer == "B. 优化器状态和梯度"
    assert zero2.prompt == zero2.title  # no 题目 section
    assert pipeline.answer == "B。流水线并行按层切分模型。"


def test_hand_edited_bank_accepts_aliases_any_order_and_lazy_lists() -> None:
    bank = parse_bank(HAND_EDITED)
    assert bank.title == "手写的题库: 各种写法"
    assert bank.description.startswith("这个题库是手工编辑的") and "## 介绍里的二级标题不是题目" in bank.description
    pipeline, unlabelled, todo = bank.questions
    assert pipeline.id == "Q_pipeline.1" and pipeline.prompt == "Explain **pipeline parallelism**."
    assert pipeline.answer == "Split the model by layers across GPUs;\nmicro-batches keep every stage busy."
    assert pipeline.key_points == ["stages hold consecutive layers",
                                   "micro-batches reduce the bubble\nlazy continuation of the second point"]
    assert pipeline.corrections == [Correction("GPipe flushes the pipeline every step.",
                                               ["GPipe paper", "PipeDream paper"])]
    assert [(c.label, c.correct) for c in unlabelled.choices] == [("A", False), ("B", True)]
    assert todo.unanswered and todo.answer == ""
    assert [(w.line, w.message) for w in bank.warnings] == [(62, "题目尚无答案 / no answer yet")]


def test_crlf_and_bom_are_read_like_plain_newlines() -> None:
    text = "\ufeff" + (HEAD + question()).replace("\n", "\r\n")
    assert parse(text).questions[0].answer == "答案。"


def test_stale_unanswered_flag_only_warns() -> None:
    bank = parse(HEAD + question("id: q-1\nkind: open\nunanswered: true"))
    assert not bank.questions[0].unanswered
    assert "unanswered" in bank.warnings[0].message


def test_unanswered_mcq_may_lack_a_correct_option() -> None:
    bank = parse(HEAD + mcq("- [ ] A. 一\n- [ ] B. 二", meta="id: q-m\nkind: mcq\nunanswered: true", extra=""))
    assert bank.questions[0].unanswered and bank.questions[0].answer == ""


# --- errors ------------------------------------------------------------------------------------------------

FRONT_MATTER_ERRORS = [
    ("no_front_matter", question(), 1, "缺少 front matter"),
    ("unclosed", "---\npreplab: 1\nbank: demo\n", 1, "没有闭合"),
    ("yaml_error", "---\npreplab: 1\nbank: demo\ntitle: a: b\n---\n", 4, "不是有效的 YAML"),
    ("not_mapping", "---\n- preplab\n---\n", 1, "必须是键值映射"),
    ("missing_preplab", "---\nbank: demo\ntitle: 演示\n---\n", 1, "缺少 preplab"),
    ("missing_bank", "---\npreplab: 1\ntitle: 演示\n---\n", 1, "缺少 bank"),
    ("missing_title", "---\npreplab: 1\nbank: demo\n---\n", 1, "缺少 title"),
    ("bad_slug", "---\npreplab: 1\nbank: Demo_Bank\ntitle: 演示\n---\n", 3, "bank 须为小写字母"),
    ("bad_version", "---\npreplab: 2\nbank: demo\ntitle: 演示\n---\n", 2, "不支持的格式版本"),
    ("unknown_key", "---\npreplab: 1\nbank: demo\ntitle: 演示\nauthor: 我\n---\n", 5, "未知的键 'author'"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), [case[1:] for case in FRONT_MATTER_ERRORS],
                         ids=[case[0] for case in FRONT_MATTER_ERRORS])
def test_front_matter_errors(text: str, line: int, fragment: str) -> None:
    assert_error(text, line, fragment)


METADATA_ERRORS = [
    ("yaml_error", "id: q-1\nkind: open: x", 11, "不是有效的 YAML"),
    ("not_mapping", "- id: q-1", 9, "必须是键值映射"),
    ("empty_block", "", 9, "必须是键值映射"),
    ("unknown_key", "id: q-1\nkind: open\ndifficuly: 3", 12, "未知的键 'difficuly'"),
    ("duplicate_key", "id: q-1\nkind: open\nid: q-2", 12, "键重复"),
    ("missing_id", "kind: open", 7, "缺少 id"),
    ("bad_id", "id: q 1\nkind: open", 10, "id 只能含"),
    ("numeric_id", "id: 123\nkind: open", 10, "id 只能含"),
    ("bad_kind", "id: q-1\nkind: essay", 11, "kind 须为"),
    ("missing_kind", "id: q-1", 7, "kind 须为"),
    ("difficulty_range", "id: q-1\nkind: open\ndifficulty: 11", 12, "difficulty 须为 1 到 10"),
    ("difficulty_text", "id: q-1\nkind: open\ndifficulty: hard", 12, "difficulty 须为 1 到 10"),
    ("bad_source", "id: q-1\nkind: open\nsources:\n  - a.txt:1\n  - a.txt", 14, "来源须写成 文档:行号"),
    ("sources_not_list", "id: q-1\nkind: open\nsources: a.txt:1", 12, "sources 必须是列表"),
    ("concept_not_text", "id: q-1\nkind: open\nconcepts: [zero, 3]", 12, "concepts 的每一项"),
    ("unanswered_not_bool", "id: q-1\nkind: open\nunanswered: maybe", 12, "unanswered 须为 true"),
]


@pytest.mark.parametrize(("meta", "line", "fragment"), [case[1:] for case in METADATA_ERRORS],
                         ids=[case[0] for case in METADATA_ERRORS])
def test_metadata_errors(meta: str, line: int, fragment: str) -> None:
    assert_error(HEAD + question(meta), line, fragment)


def test_duplicate_ids_report_the_second_question() -> None:
    assert_error(HEAD + question() + "\n" + question(), 18, "题目 id 重复：q-1")


def test_open_question_with_empty_answer_section() -> None:
    assert_error(HEAD + question(body="### 答案\n\n\n"), 14, "答案为空")


def test_open_question_without_answer_section() -> None:
    assert_error(HEAD + question(body="### 解析\n\n只有解析。"), 7, "答案为空")


def test_code_question_without_answer() -> None:
    assert_error(HEAD + question("id: q-1\nkind: code", body="### 题目\n\n写代码。"), 7, "答案为空")


def test_mcq_with_empty_explanation() -> None:
    assert_error(HEAD + mcq("- [ ] A. 一\n- [x] B. 二", extra="### 解析\n"), 19, "选择题的解析为空")


def test_mcq_without_explanation() -> None:
    assert_error(HEAD + mcq("- [ ] A. 一\n- [x] B. 二", extra=""), 7, "选择题的解析为空")


def test_mcq_with_no_correct_option() -> None:
    assert_error(HEAD + mcq("- [ ] A. 一\n- [ ] B. 二"), 14, "选择题没有正确选项 / MCQ has no correct option")


def test_mcq_with_two_correct_options() -> None:
    assert_error(HEAD + mcq("- [x] A. 一\n- [x] B. 二"), 14, "多个正确选项")


def test_multi_select_mcq_declares_multiple_and_round_trips() -> None:
    bank = parse(HEAD + mcq("- [x] A. 一\n- [ ] B. 二\n- [x] C. 三", meta="id: q-m\nkind: mcq\nmultiple: true"))
    (question,) = bank.questions
    assert [c.label for c in question.choices if c.correct] == ["A", "C"]
    assert question.answer == "A. 一\n\nC. 三"
    written = write_bank(bank)
    assert "multiple: true" in written and "### 答案" not in written
    assert without_lines(parse(written)) == without_lines(bank)


def test_mcq_with_one_option() -> None:
    assert_error(HEAD + mcq("- [x] A. 一"), 14, "至少需要两个选项")


def test_mcq_without_options() -> None:
    assert_error(HEAD + question("id: q-m\nkind: mcq", body="### 解析\n\n因为。"), 7, "至少需要两个选项")


def test_options_on_an_open_question() -> None:
    assert_error(HEAD + mcq("- [ ] A. 一\n- [x] B. 二", meta="id: q-m\nkind: open"), 14, "只有选择题可以有选项")


def test_option_that_is_not_a_task_list_item() -> None:
    assert_error(HEAD + mcq("- [ ] A. 一\n- B. 二"), 17, "选项应写成")


def test_duplicate_option_labels() -> None:
    assert_error(HEAD + mcq("- [ ] A. 一\n- [x] A. 二"), 17, "选项标签重复")


def test_unclosed_details_reports_the_opening_tag() -> None:
    body = "### 答案\n\n<details>\n<summary>展开</summary>\n\n答案。\n"
    assert_error(HEAD + question(body=body), 16, "<details> 没有闭合")


def test_details_inside_code_do_not_count() -> None:
    body = "### 答案\n\n用 `<details>` 折叠：\n\n```html\n<details>\n```"
    assert parse(HEAD + question(body=body)).questions[0].answer.startswith("用 `<details>`")


def test_stray_closing_details() -> None:
    assert_error(HEAD + question(body="### 答案\n\n答案。\n</details>"), 17, "多余的 </details>")


def test_unclosed_fence() -> None:
    # Any later fence would close it (as on GitHub), so only a fence left open at the end is detectable.
    text = HEAD + question() + "\n" + question("id: q-2\nkind: open", body="### 答案\n\n```python\nx = 1\n")
    assert_error(text, 27, "代码块没有闭合")


def test_heading_without_metadata_after_the_first_question() -> None:
    text = HEAD + question() + "\n## 忘了写元数据的题\n\n### 答案\n\n答案。\n"
    assert_error(text, 18, "标题后缺少 yaml 元数据块")


def test_duplicate_section() -> None:
    assert_error(HEAD + question(body="### 答案\n\n一。\n\n### Answer\n\n二。"), 18, "小节重复")


def test_text_between_metadata_and_first_section() -> None:
    assert_error(HEAD + question(body="忘了写小节标题。\n\n### 答案\n\n答案。"), 14, "应是 ### 小节")


def test_correction_that_is_not_a_list_item() -> None:
    body = "### 答案\n\n答案。\n\n### 勘误\n\n这里应该是列表。"
    assert_error(HEAD + question(body=body), 20, "应为列表项")


def test_alternates_must_start_with_a_source_heading() -> None:
    body = "### 答案\n\n答案。\n\n### 其他答案\n\n没有来源的答案。"
    assert_error(HEAD + question(body=body), 20, "#### 文档:行号")


def test_invalid_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes((HEAD + question()).encode() + b"\xff\xfe\n")
    with pytest.raises(ContentError) as caught:
        parse_bank(path)
    assert caught.value.line == 17 and "invalid UTF-8" in caught.value.problem


def test_files_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    filler = "x" * 1023 + "\n"
    path.write_text(HEAD + question(body="### 答案\n\n" + filler * (MAX_BANK_BYTES // 1024 + 1)), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        parse_bank(path)
    assert caught.value.file == str(path) and "byte limit" in caught.value.problem


# --- writing -----------------------------------------------------------------------------------------------


def test_golden_bank_is_rewritten_byte_for_byte() -> None:
    assert write_bank(parse_bank(GOLDEN)) == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", [GOLDEN, HAND_EDITED], ids=["golden", "hand_edited"])
def test_parse_write_parse_round_trips(path: Path) -> None:
    bank = parse_bank(path)
    again = parse_bank(path, write_bank(bank))
    assert without_lines(again) == without_lines(bank)
    assert (again.slug, again.title, again.description) == (bank.slug, bank.title, bank.description)
    assert write_bank(again) == write_bank(bank)


def make_question(**changes: object) -> ParsedQuestion:
    base = ParsedQuestion(kind="open", title="问题", prompt="问题", answer="答案。", file="mem", line=1, id="q-1")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def make_bank(*questions: ParsedQuestion, **changes: object) -> ParsedBank:
    bank = ParsedBank(path=PATH, slug="demo", title="演示", questions=list(questions))
    return dataclasses.replace(bank, **changes)  # type: ignore[arg-type]


def test_metadata_keys_are_written_in_a_stable_order() -> None:
    question = make_question(concepts=["zero", "ddp"], skill="DeepSpeed", topic="分布式", difficulty=3,
                             sources=[SourceRef("a.txt", 1), SourceRef("b.txt", 20)])
    text = write_bank(make_bank(question))
    assert "```yaml\nid: q-1\nkind: open\ndifficulty: 3\ntopic: 分布式\nskill: DeepSpeed\n" \
           "concepts: [zero, ddp]\nsources:\n  - a.txt:1\n  - b.txt:20\n```" in text
    assert text.startswith("---\npreplab: 1\nbank: demo\ntitle: 演示\ndocuments: [a.txt, b.txt]\n---\n")
    assert text.endswith("答案。\n") and not text.endswith("\n\n")


def test_values_that_yaml_would_misread_are_quoted() -> None:
    question = make_question(id="123", topic="yes", skill="a: b", concepts=["#x", "null"],
                             sources=[SourceRef("1", 20)])
    bank = make_bank(question, slug="2024", title="[标题]", description="说明: 一行")
    parsed = parse(write_bank(bank))
    assert (parsed.slug, parsed.title, parsed.description) == ("2024", "[标题]", "说明: 一行")
    assert without_lines(parsed) == [dataclasses.replace(question, file=str(PATH), line=0)]


def test_multi_line_description_becomes_the_intro() -> None:
    text = write_bank(make_bank(make_question(), description="第一段。\n\n## 背景\n\n第二段。"))
    assert "description:" not in text and "---\n\n第一段。\n\n## 背景\n\n第二段。\n\n## 问题\n" in text
    assert parse(text).description == "第一段。\n\n## 背景\n\n第二段。"


def test_mcq_default_answer_and_title_prompt_are_left_out() -> None:
    choices = [Choice("A", "一"), Choice("B", "二", correct=True)]
    question = make_question(kind="mcq", choices=choices, answer="B. 二", explanation="因为。")
    text = write_bank(make_bank(question))
    assert "### 答案" not in text and "### 题目" not in text
    assert "### 选项\n\n- [ ] A. 一\n- [x] B. 二\n\n### 解析\n\n因为。\n" in text


def test_missing_id_is_derived_from_the_prompt() -> None:
    question = make_question(id=None, prompt="什么是 ZeRO？")
    assert parse(write_bank(make_bank(question))).questions[0].id == derive_question_id("什么是 ZeRO？")


def test_unanswered_question_is_written_with_its_flag() -> None:
    bank = parse(write_bank(make_bank(make_question(answer="", unanswered=True))))
    assert bank.questions[0].unanswered and len(bank.warnings) == 1


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"answer": "答案。\n\n## 小标题"}, "H2"),
    ({"answer": "答案。\n\n### 解析\n\n混进来的解析"}, "section heading"),
    ({"answer": "```python\nx = 1"}, "unclosed code fence"),
    ({"explanation": "<details>\n说明"}, "unclosed <details>"),
    ({"title": "两行\n标题"}, "one non-empty line"),
    ({"id": "q 1"}, "question id"),
    ({"alternates": [Alternate("另一个答案\n#### b.txt:3\n后文", SourceRef("a.txt", 1))]}, "structural"),
    ({"corrections": [Correction("说法有误", ["论文；文档"])]}, "correction source"),
    ({"corrections": [Correction("说法有误\n来源：伪造", [])]}, "reads as its quote, sources"),
    ({"answer": ""}, "答案为空"),
    ({"kind": "mcq", "choices": [Choice("A", "一"), Choice("B", "二")], "explanation": "因为。"}, "没有正确选项"),
], ids=["h2", "section_label", "fence", "details", "title", "id", "alternate", "source_sep", "source_line",
        "empty_answer", "mcq_no_correct"])
def test_writer_refuses_what_would_not_read_back(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        write_bank(make_bank(make_question(**changes)))


def test_writer_names_the_question_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="「没有答案的题」: 答案为空"):
        write_bank(make_bank(make_question(), make_question(id="q-2", title="没有答案的题", answer="")))


def test_writer_refuses_duplicate_ids() -> None:
    with pytest.raises(ValueError, match="duplicate question id"):
        write_bank(make_bank(make_question(), make_question(title="另一题")))


def test_structural_lines_inside_fences_are_written_unchanged() -> None:
    answer = "示例：\n\n````markdown\n## 标题\n### 答案\n```\n嵌套\n```\n````"
    bank = parse(write_bank(make_bank(make_question(answer=answer))))
    assert bank.questions[0].answer == answer


def test_readme_example_is_a_valid_bank() -> None:
    readme = (Path(__file__).resolve().parents[2] / "content" / "README.md").read_text(encoding="utf-8")
    example = readme.split("````markdown\n", 1)[1].split("\n````", 1)[0] + "\n"
    bank = parse(example)
    assert [q.kind for q in bank.questions] == ["open", "mcq"]
    assert write_bank(bank) == example
