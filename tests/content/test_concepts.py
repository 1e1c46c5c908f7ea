"""The concept catalogue: the real content/concepts.yaml, validation errors, alias matching and tagging."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from app.content.bank import ContentError, ParsedQuestion
from app.content.concepts import (
    ConceptCatalogue,
    infer_topic,
    load_concepts,
    match_concepts,
    tag_question,
)

ROOT = Path(__file__).resolve().parents[2]
CONCEPTS = ROOT / "content" / "concepts.yaml"
SOURCES = ROOT / "content" / "sources"
TOPICS = (
    "大模型基础", "数据准备与处理", "模型架构设计", "训练算法与优化",
    "分布式训练与系统架构", "硬件加速与系统优化", "模型评估与调试", "安全与合规",
)
LABS = {"zero-memory", "mixed-precision", "lora", "activation-memory", "attention", "kv-cache", "model-math"}
REQUIRED_IDS = {
    "deepspeed", "zero", "zero-offload", "zero-infinity", "fsdp", "data-parallelism", "tensor-parallelism",
    "pipeline-parallelism", "model-parallelism", "3d-parallelism", "mixed-precision", "fp16", "bf16",
    "loss-scaling", "gradient-accumulation", "gradient-checkpointing", "gradient-clipping", "optimizers",
    "lr-schedule", "lr-warmup", "lora", "qlora", "peft", "quantization", "knowledge-distillation",
    "transformer", "self-attention", "flash-attention", "kv-cache", "rlhf", "scaling-laws",
}


@pytest.fixture(scope="module")
def catalogue() -> ConceptCatalogue:
    return load_concepts(CONCEPTS)


def question(
    title: str, prompt: str = "", answer: str = "",
    *, concepts: list[str] | None = None, topic: str | None = None,
) -> ParsedQuestion:
    return ParsedQuestion(
        kind="open", title=title, prompt=prompt, answer=answer, file="bank.md", line=7,
        concepts=concepts or [], topic=topic,
    )


# ── the real catalogue ─────────────────────────────────────────────────────────────────────────────────


def test_real_catalogue_is_complete(catalogue: ConceptCatalogue) -> None:
    assert catalogue.topics == TOPICS
    assert len(catalogue.concepts) >= 55
    assert {c.topic for c in catalogue.concepts} == set(TOPICS)
    assert REQUIRED_IDS <= {c.id for c in catalogue.concepts}
    for concept in catalogue.concepts:
        assert concept.name_zh and concept.name_en and concept.summary, concept.id
        assert concept.aliases or concept.exact_aliases, concept.id
        assert set(concept.labs) <= LABS, concept.id
        assert all(rid in catalogue for rid in concept.related), concept.id


def test_real_catalogue_labs_and_fallbacks(catalogue: ConceptCatalogue) -> None:
    assert catalogue.by_id("zero").labs == ("zero-memory",)
    assert catalogue.by_id("fsdp").labs == ("zero-memory",)
    assert catalogue.by_id("bf16").labs == ("mixed-precision",)
    assert catalogue.by_id("qlora").labs == ("lora",)
    assert catalogue.by_id("transformer").labs == ()
    for topic in TOPICS:
        assert catalogue.fallback_for(topic).topic == topic
    assert catalogue.fallback_for(None).topic == "大模型基础"


# ── validation ─────────────────────────────────────────────────────────────────────────────────────────

GOOD = """\
topics: [大模型基础, 训练算法与优化]
fallbacks:
  大模型基础: topic-base
  训练算法与优化: topic-train
concepts:
  - id: topic-base
    name_zh: 基础（综合）
    name_en: Basics
    topic: 大模型基础
    aliases: [大模型基础]
    summary: 兜底。
  - id: topic-train
    name_zh: 训练（综合）
    name_en: Training
    topic: 训练算法与优化
    aliases: [训练算法与优化]
    summary: 兜底。
  - id: lora
    name_zh: 低秩自适应
    name_en: Low-Rank Adaptation
    topic: 训练算法与优化
    aliases: [LoRA, 低秩]
    related: [topic-train]
    labs: [lora]
    summary: 只训练低秩增量。
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "concepts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> ContentError:
    with pytest.raises(ContentError) as info:
        load_concepts(write(tmp_path, text))
    return info.value


def test_small_catalogue_loads(tmp_path: Path) -> None:
    cat = load_concepts(write(tmp_path, GOOD))
    assert [c.id for c in cat.concepts] == ["topic-base", "topic-train", "lora"]
    assert cat.by_id("lora").aliases == ("LoRA", "低秩")
    assert cat.by_id("lora").related == ("topic-train",)
    assert cat.fallback_for("训练算法与优化").id == "topic-train"


def test_a_catalogue_is_parsed_once_per_content(tmp_path: Path) -> None:
    """The same bytes give the same catalogue without a second parse; an edit, even one that keeps the size and the
    modification time, is parsed; a file that fails is not kept, so fixing it back is parsed again."""
    path = write(tmp_path, GOOD)
    first = load_concepts(path)
    assert load_concepts(path) is first
    stat = path.stat()
    path.write_text(GOOD.replace("只训练低秩增量。", "只训练低秩矩阵。"), encoding="utf-8")  # as many bytes
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edited = load_concepts(path)
    assert edited is not first and edited.by_id("lora").summary == "只训练低秩矩阵。"
    path.write_text(GOOD.replace("topic: 训练算法与优化", "topic: 推理"), encoding="utf-8")
    with pytest.raises(ContentError):
        load_concepts(path)
    with pytest.raises(ContentError):  # still refused: a failure is not remembered as a catalogue
        load_concepts(path)
    path.write_text(GOOD, encoding="utf-8")
    assert load_concepts(path) is first  # the first content, as it was read


def test_duplicate_id_is_located(tmp_path: Path) -> None:
    text = GOOD + GOOD[GOOD.index("  - id: lora"):].replace("aliases: [LoRA, 低秩]", "aliases: [其它]")
    err = error_of(tmp_path, text)
    assert err.line == 26 and "lora" in err.problem and "duplicate" in err.problem
    assert str(err).startswith(str(tmp_path / "concepts.yaml") + ":26:")


def test_unknown_topic_is_located(tmp_path: Path) -> None:
    lora = GOOD.index("  - id: lora")
    err = error_of(tmp_path, GOOD[:lora] + GOOD[lora:].replace("topic: 训练算法与优化", "topic: 推理"))
    assert err.line == 21 and "推理" in err.problem and "未知主题" in err.problem


def test_unknown_related_id_is_located(tmp_path: Path) -> None:
    err = error_of(tmp_path, GOOD.replace("related: [topic-train]", "related: [topic-train, qlora]"))
    assert err.line == 23 and "qlora" in err.problem and "unknown related" in err.problem


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("- id: lora", "- id: LoRA_x", 18, "slug"),
        ("aliases: [LoRA, 低秩]", "aliases: [LoRA, 低秩, '']", 22, "non-empty"),
        ("aliases: [LoRA, 低秩]", "aliases: [LoRA, 低秩, DP]", 22, "too short"),
        ("aliases: [LoRA, 低秩]", "aliases: [LoRA, 大模型基础]", 22, "names both"),
        ("aliases: [LoRA, 低秩]", "aliases: []", 22, "no alias"),
        ("  训练算法与优化: topic-train\n", "", 3, "no fallback"),
        ("  训练算法与优化: topic-train", "  训练算法与优化: lora-x", 4, "fallback lora-x"),
        ("    labs: [lora]", "    labs: [lora]\n    colour: red", 25, "unknown key"),
        ("    summary: 只训练低秩增量。\n", "", 18, "missing key summary"),
        ("aliases: [LoRA, 低秩]", "aliases: [LoRA, 低秩", 23, "syntax"),
    ],
)
def test_other_errors_are_located(tmp_path: Path, old: str, new: str, line: int, words: str) -> None:
    assert old in GOOD
    err = error_of(tmp_path, GOOD.replace(old, new))
    assert err.line == line, err
    assert words in err.problem, err
    assert " / " in err.problem  # Chinese / English


# ── matching ───────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("请解释DeepSpeed中的ZeRO（Zero Redundancy Optimizer）技术。", ["deepspeed", "zero"]),
        ("deepspeed 与 zero-3、ZERO-2", ["deepspeed", "zero"]),  # case-insensitive
        ("GELU is not zero-centered; model.zero_grad()", ["activation-functions"]),  # ZeRO is exact
        ("ChatGPT 与 GPT-4 以及 GPT系列", ["gpt"]),
        ("xGPT3", []),  # no alias inside a longer word
        ("RoBERTa 和 BERT", ["bert"]),
        ("LoRA 与 QLoRA", ["lora", "qlora"]),
        ("fine tuning, finetuning 与 Fine-Tuning", ["fine-tuning"]),  # separators are optional
        ("scaling laws", ["scaling-laws"]),  # plural
        ("混合精度训练（如FP16或BF16）", ["mixed-precision", "fp16", "bf16"]),
        ("ＦＰ１６ 全角", ["fp16"]),  # width folded
        ("梯度检查点与检查点恢复", ["gradient-checkpointing", "fault-tolerance"]),  # longest wins
        ("大型互联网企业", []),
        ("什么是位置编码？", ["positional-encoding"]),
    ],
)
def test_match_concepts(catalogue: ConceptCatalogue, text: str, expected: list[str]) -> None:
    assert match_concepts(text, catalogue) == expected


def test_matching_is_fast(catalogue: ConceptCatalogue) -> None:
    texts = [line for path in sorted(SOURCES.glob("*.txt")) for line in path.read_text("utf-8").splitlines()]
    start = time.process_time()  # CPU: the work's, whatever the machine's load
    for text in texts:
        match_concepts(text, catalogue)
    assert time.process_time() - start < 1.0


# ── tagging ────────────────────────────────────────────────────────────────────────────────────────────


def test_tag_question_prefers_explicit_then_title_and_prompt(catalogue: ConceptCatalogue) -> None:
    q = question("DeepSpeed 的 ZeRO", "与 FSDP 对比", "答案提到 LoRA", concepts=["lora", "zero"])
    assert tag_question(q, catalogue) == ["lora", "zero", "deepspeed", "fsdp"]


def test_tag_question_unknown_explicit_concept(catalogue: ConceptCatalogue) -> None:
    with pytest.raises(ContentError) as info:
        tag_question(question("x", concepts=["no-such"]), catalogue)
    assert info.value.line == 7
    assert "no-such" in info.value.problem and "unknown concept" in info.value.problem


def test_tag_question_falls_back_to_answer_then_topic(catalogue: ConceptCatalogue) -> None:
    answer = "用 LoRA。LoRA 很省显存；再配合 BF16 和 ZeRO-3、FSDP，以及 LoRA 的秩 r。FSDP 也行。"
    assert tag_question(question("这道题", "怎么做？", answer), catalogue) == ["lora", "fsdp", "bf16"]
    q = question("这道题", "怎么做？", "不知道", topic="安全与合规")
    assert tag_question(q, catalogue) == ["topic-security"]
    assert tag_question(question("这道题"), catalogue) == ["topic-foundations"]
    assert tag_question(question("这道题", topic="没有这个主题"), catalogue) == ["topic-foundations"]


def test_tag_question_caps_and_dedupes(catalogue: ConceptCatalogue) -> None:
    title = "ZeRO、FSDP、LoRA、QLoRA、BF16、FP16、NCCL、NVLink、ZeRO"
    tags = tag_question(question(title, concepts=["zero"]), catalogue)
    assert tags == ["zero", "fsdp", "lora", "qlora", "bf16", "fp16"]


def test_infer_topic(catalogue: ConceptCatalogue) -> None:
    assert infer_topic(["topic-security", "lora", "zero"], catalogue) == "训练算法与优化"
    assert infer_topic(["topic-security"], catalogue) == "安全与合规"
    assert infer_topic(["unknown"], catalogue) == "大模型基础"
    assert infer_topic([], catalogue) == "大模型基础"


# ── the real documents ─────────────────────────────────────────────────────────────────────────────────

_BODY = re.compile(r"\*\*(题目|答案|答|技能难度|问题)")


def question_headings() -> list[tuple[str, int, str]]:
    """Headings that open a question: the first lines after them (HTML anchors skipped, up to the next
    heading) hold a question or answer label."""
    found = []
    for path in sorted(SOURCES.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        fenced = False
        for i, line in enumerate(lines):
            fenced ^= line.lstrip().startswith("```")
            if fenced or not line.startswith("#"):
                continue
            after = []
            for nxt in lines[i + 1 : i + 12]:
                if nxt.startswith("#"):
                    break
                if nxt.strip() and not nxt.lstrip().startswith("<a "):
                    after.append(nxt.strip())
            if any(_BODY.match(text) for text in after[:2]):
                found.append((path.name, i + 1, line.lstrip("#").strip().strip("*")))
    return found


def test_question_headings_are_found() -> None:
    headings = question_headings()
    per_file = Counter(name[:3] for name, _, _ in headings)
    assert per_file == {"000": 30, "001": 20, "002": 6, "003": 7, "004": 83}


def test_document_questions_tag_well(catalogue: ConceptCatalogue) -> None:
    fallbacks = catalogue.fallback_ids()
    headings = question_headings()
    unmatched = [(name, line, text) for name, line, text in headings
                 if not [cid for cid in match_concepts(text, catalogue) if cid not in fallbacks]]
    for name, line, text in unmatched:
        print(f"unmatched: {name}:{line}: {text}")
    assert len(unmatched) <= 0.2 * len(headings)
    assert len(unmatched) <= 3  # what the catalogue achieves today; keep it there


def test_deepspeed_questions_get_their_concepts(catalogue: ConceptCatalogue) -> None:
    expected = {
        "请解释DeepSpeed中的动态损失计算技术。": "loss-scaling",
        "请解释DeepSpeed中的FSDP（Fully Sharded Data Parallel）技术。": "fsdp",
        "请解释DeepSpeed中的“张量切片（Tensor Sharding）”是什么？": "tensor-parallelism",
        "DeepSpeed中的流水线并行是什么？": "pipeline-parallelism",
        "DeepSpeed如何实现动态学习率调整？": "lr-schedule",
        "DeepSpeed中的量化和剪枝技术是什么？": "pruning",
    }
    for title, cid in expected.items():
        assert cid in tag_question(question(title), catalogue), title
