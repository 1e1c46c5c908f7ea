"""The foreign-document parser: one test per document shape, then the five seed documents as they are."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app.content.bank import ContentError, ParsedBank, ParsedQuestion, SourceRef
from app.content.foreign import parse_foreign

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "foreign"
SOURCES = ROOT / "content" / "sources"
SEED_000 = SOURCES / "000_19bd2eb347514dbd.txt"
SEED_001 = SOURCES / "001_df8376fe26b6958d.txt"
SEED_002 = SOURCES / "002_d77de37ba3de4ca3.txt"
SEED_003 = SOURCES / "003_bd4bf7e953bc6448.txt"
SEED_004 = SOURCES / "004_d6b2aaf431fc57a4.txt"


def fixture(name: str) -> ParsedBank:
    return parse_foreign(FIXTURES / name)


def by_line(bank: ParsedBank) -> dict[int, ParsedQuestion]:
    return {question.line: question for question in bank.questions}


def correct_labels(question: ParsedQuestion) -> list[str]:
    return [choice.label for choice in question.choices if choice.correct]


# --- shapes -------------------------------------------------------------------------------------


def test_labelled_headings_with_every_label_spelling() -> None:
    bank = fixture("labelled.md")
    assert bank.title == "标签格式示例"
    assert [q.line for q in bank.questions] == [3, 32, 40, 46, 54]
    first, bold_outside, plain, english, short = bank.questions
    assert first.title == "第一题：梯度累积"
    assert first.prompt == "什么是梯度累积？"
    assert first.answer.startswith("梯度累积把多个小批次的梯度相加后再更新参数。\n\n它的好处：\n\n- 节省显存")
    for kept in ("| 累积 | 低 |", "# 这是注释，不是标题", "**要点：** 记得除以累积步数。", "##### 深入"):
        assert kept in first.answer
    assert first.explanation == "常见于显存受限的场景。"
    assert (bold_outside.prompt, bold_outside.answer) == ("什么是权重衰减？", "在损失中加入参数的 L2 惩罚。")
    assert bold_outside.explanation == "AdamW 把它与梯度更新解耦。"
    assert (plain.prompt, plain.answer) == ("什么是学习率预热？", "训练开始时让学习率从小值逐步升高。")
    assert english.prompt == "What does ZeRO stage 1 shard?"
    assert english.answer == "The optimizer states."
    assert english.explanation == "Stage 2 adds gradients and stage 3 adds parameters."
    assert short.answer == "答案在标签的下一行。"  # the closing --- is not content
    assert all(q.kind == "open" and q.id is None and not q.unanswered for q in bank.questions)
    assert bank.warnings == []


def test_unlabelled_question_headings_answered_by_their_body() -> None:
    bank = fixture("unlabelled.md")
    assert bank.title == "文章标题"
    questions = by_line(bank)
    assert sorted(questions) == [17, 24, 32, 38]  # not 目录, 一、背景, 1.1, 3. 常见问题 or 总结
    assert questions[17].answer == "ZeRO 把优化器状态、梯度和参数分片到各个数据并行进程。"
    assert questions[24].title == "如何使用 FSDP"
    assert questions[24].answer.endswith("### 细节\n\n按层包装可以降低峰值显存。")
    assert questions[32].prompt == "Why use mixed precision?"
    assert questions[38].answer == "防止梯度爆炸。"


def test_details_answers_lose_their_html_wrappers() -> None:
    questions = fixture("details.md").questions
    assert [q.answer for q in questions[:3]] == [
        "NCCL 是 NVIDIA 的集合通信库。\n\n它支持 all-reduce 等操作。",
        "每个进程收集所有进程的数据。",
        "A reduce-scatter followed by an all-gather.",
    ]
    assert questions[3].answer == "```html\n<details>\n<summary>示例</summary>\n```"  # fenced, so not a block


def test_unclosed_details_is_an_error_at_its_opening_line() -> None:
    with pytest.raises(ContentError) as caught:
        fixture("unclosed_details.md")
    assert caught.value.line == 3
    assert "未闭合的 <details> / unclosed <details>" in caught.value.problem


def test_choices_in_quotes_lists_parentheses_and_task_lists() -> None:
    bank = fixture("mcq.md")
    quoted, listed, parenthesised, tasks, undecided, full_width = bank.questions
    assert all(q.kind == "mcq" for q in bank.questions)
    assert quoted.prompt == "以下哪种并行方式切分层内的矩阵乘法？"
    assert [c.text for c in quoted.choices] == ["数据并行", "张量并行", "流水线并行", "专家并行"]
    assert (correct_labels(quoted), quoted.answer, quoted.explanation) == (["B"], "B. 张量并行", "")
    assert (correct_labels(listed), listed.answer) == (["A"], "A. 5")
    assert listed.explanation == "FP16 为 1 位符号、5 位指数、10 位尾数。"
    assert parenthesised.answer == "B. Adam"
    assert parenthesised.explanation == "B. Adam keeps first and second moments."
    assert correct_labels(tasks) == ["A", "C"]
    assert tasks.answer == "A. 梯度检查点\n\nC. ZeRO"
    assert (correct_labels(full_width), full_width.answer) == (["A"], "A. 7")


def test_choices_without_a_correct_one_stay_mcq_with_a_warning() -> None:
    bank = fixture("mcq.md")
    undecided = bank.questions[4]
    assert undecided.kind == "mcq" and correct_labels(undecided) == []
    assert undecided.answer == "视硬件而定。"
    [warning] = bank.warnings
    assert (warning.line, warning.file) == (49, str(FIXTURES / "mcq.md"))
    assert "no identifiable correct answer" in warning.message


def test_question_and_answer_pairs() -> None:
    bank = fixture("qa_pairs.md")
    assert [(q.line, q.prompt) for q in bank.questions] == [
        (3, "什么是 all-reduce？"),
        (6, "什么是 NCCL？"),
        (10, "数据并行为什么要同步梯度？"),
        (13, "流水线并行的气泡是什么？"),
    ]
    assert bank.questions[1].answer == "NVIDIA 的集合通信库。\n它针对 GPU 互连做了优化。"
    assert bank.questions[2].answer == "保证各副本的参数一致。"
    assert bank.questions[3].unanswered


def test_pairs_in_a_document_without_headings() -> None:
    bank = parse_foreign(Path("notes.md"), "Q: 什么是 ZeRO？\nA: 零冗余优化器。\n")
    assert (bank.title, bank.slug, bank.canonical) == ("notes", "notes", False)
    [question] = bank.questions
    assert (question.line, question.title, question.answer) == (1, "什么是 ZeRO？", "零冗余优化器。")


def test_code_questions_need_a_coding_context_and_a_code_block() -> None:
    bank = fixture("code.md")
    assert [(q.line, q.kind) for q in bank.questions] == [(5, "code"), (16, "open"), (22, "open")]
    assert "# 先减去最大值" in bank.questions[0].answer  # a comment in a fence is not a heading


def test_unanswered_questions_are_flagged_and_warned() -> None:
    bank = fixture("unanswered.md")
    assert [(q.line, q.unanswered, q.answer) for q in bank.questions] == [(3, True, ""), (5, True, "")]
    assert [(w.line, w.message) for w in bank.warnings] == [
        (3, "问题没有答案 / question has no answer: 什么是张量并行？"),
        (5, "问题没有答案 / question has no answer: 什么是序列并行？"),
    ]


def test_a_document_without_questions_says_so() -> None:
    bank = parse_foreign(Path("essay.md"), "# 随笔\n\n## 1.1 训练工程实践\n\n一些文字。\n")
    assert bank.questions == [] and bank.title == "随笔"
    assert [w.message for w in bank.warnings] == ["未找到问题 / no questions found"]


# --- the five seed documents ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "count", "kinds"),
    [
        (SEED_000, 30, {"open": 30}),
        (SEED_001, 20, {"open": 20}),
        (SEED_002, 6, {"open": 4, "code": 2}),
        (SEED_003, 7, {"open": 5, "code": 2}),
        (SEED_004, 129, {"open": 83, "mcq": 46}),
    ],
)
def test_seed_counts_and_kinds(path: Path, count: int, kinds: dict[str, int]) -> None:
    bank = parse_foreign(path)
    assert len(bank.questions) == count
    assert Counter(q.kind for q in bank.questions) == kinds
    assert bank.warnings == []
    for question in bank.questions:
        assert question.answer and not question.unanswered
        assert question.sources == [SourceRef(path.name, question.line)]
        assert question.file == str(path) and question.id is None
        assert "</strong>" not in question.answer and "<details>" not in question.answer
        if question.kind == "mcq":
            assert len(correct_labels(question)) == 1


def test_seed_000_keeps_duplicates_and_lines() -> None:
    bank = parse_foreign(SEED_000)
    assert bank.title == "大语言模型面试题及算法编程题解析"
    first = bank.questions[0]
    assert (first.line, first.title) == (5, "什么是大语言模型？请列举一些常见的大语言模型。")
    assert first.prompt == "请解释大语言模型的概念，并列举一些常见的大语言模型。"
    assert first.answer.startswith("大语言模型（Large Language Models）是指能够理解和生成自然语言")
    assert first.answer.endswith("- **T5**：Google开发的通用文本到文本预训练模型，使用Transformer架构。")
    assert first.explanation.startswith("大语言模型通过处理大量的文本数据")
    titles = Counter(q.title for q in bank.questions)
    assert titles["请解释DeepSpeed中的ZeRO（Zero Redundancy Optimizer）技术。"] == 6
    assert bank.questions[-1].line == 369


def test_seed_001_labels_with_the_colon_outside_the_bold() -> None:
    bank = parse_foreign(SEED_001)
    assert bank.title == SEED_001.stem  # its first heading is already a question
    questions = by_line(bank)
    assert questions[142].explanation.startswith("预训练和微调相结合的方法")
    assert "**详细解析**：" in questions[159].answer
    assert questions[159].explanation.startswith("MLM能够帮助模型学习到单词之间的关系")


def test_seed_002_article_questions() -> None:
    bank = parse_foreign(SEED_002)
    assert bank.title == "大语言模型训练实践：DeepSpeed架构解析与典型面试题解析"
    assert [(q.line, q.kind, q.title) for q in bank.questions] == [
        (26, "open", "数据预处理策略"),
        (38, "open", "模型选择"),
        (69, "open", "超参数调整"),
        (81, "open", "分布式训练"),
        (100, "code", "文本分类"),
        (134, "code", "问答系统"),
    ]
    assert bank.questions[4].prompt == "请使用BERT模型实现一个文本分类器。"
    assert bank.questions[1].answer.startswith("**Transformer：**")


def test_seed_003_skips_concepts_and_summary() -> None:
    bank = parse_foreign(SEED_003)
    assert [q.line for q in bank.questions] == [17, 25, 29, 37, 41, 47, 87]
    coding = bank.questions[5]
    assert coding.kind == "code" and "# 定义模型" in coding.answer
    assert coding.explanation.startswith("在这个例子中")


def test_seed_004_skill_questions() -> None:
    bank = parse_foreign(SEED_004)
    assert bank.title == "面试题集: AI-大模型训练"
    skill_questions = [q for q in bank.questions if q.skill is not None]
    assert len(skill_questions) == 92
    assert len({q.topic for q in skill_questions}) == 7
    assert len({q.skill for q in skill_questions}) == 46
    assert [q.kind for q in skill_questions] == ["mcq", "open"] * 46
    assert all(q.difficulty is not None for q in skill_questions)
    first, second = skill_questions[:2]
    assert (first.line, first.difficulty) == (99, 2)
    assert (first.topic, first.skill) == ("数据准备与处理", "数据采集与清洗")
    assert first.prompt == "在进行大模型训练的数据准备过程中，以下哪一项是数据清洗的常见步骤？"
    assert first.answer == "B. 删除或修正缺失值和异常值"
    assert first.explanation.startswith("B. 删除或修正缺失值和异常值。数据清洗的关键步骤之一")
    assert second.line == 115 and second.answer.startswith("1. 去除噪声数据")
    assert second.prompt.startswith("假设你正在为训练一个中文对话大模型收集数据。")
    bare = by_line(bank)[564]  # "正确答案: B" with nothing after the letter
    assert bare.answer == "B. 设计模块接口时采用抽象层，确保模块内部实现细节对外隐藏，便于替换和扩展。"
    assert bare.explanation == ""
    last = skill_questions[-1]
    assert (last.skill, last.difficulty) == ("企业级安全治理体系构建", 10)


def test_seed_004_old_question_list() -> None:
    old = [q for q in parse_foreign(SEED_004).questions if q.skill is None]
    assert len(old) == 37
    assert all(q.topic is None and q.difficulty is None and q.kind == "open" for q in old)
    assert (old[0].line, old[-1].line) == (2402, 4076)
    assert old[0].title == "请阐述训练大型语言模型时，典型的数据预处理流程及其关键步骤。"
    assert old[0].answer.startswith("训练大型语言模型（LLM）的数据预处理是一个至关重要的阶段")
    assert not old[0].answer.endswith("---")
