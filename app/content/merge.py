"""Merge near-duplicate questions (the same question asked in several documents) into one.

A merged question keeps the first occurrence's text as its shown answer, every occurrence's source,
and the other occurrences' answers as alternates (identical answers are not repeated). Questions of
canonical banks are anchors: they keep their explicit ids and are never merged with each other, but
a foreign question that duplicates one joins it as another source.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.content.bank import Alternate, ParsedBank, ParsedQuestion, SourceRef, normalise_prompt

# Words that change the phrasing of a prompt but not what it asks ("请详细解释…技术" ≈ "…是什么").
_FILLER = (
    "请详细", "请简要", "请简单", "请", "详细", "简要", "简单", "解释一下", "解释", "说明", "描述", "介绍",
    "阐述", "列举", "什么是", "是什么", "有哪些", "是如何", "如何", "怎样", "怎么", "一下", "的概念",
    "概念", "技术", "策略", "主要", "中的", "的", "中", "并", "及其", "以及",
    # Nearly every prompt of these banks names DeepSpeed: it tells questions apart no better than "请".
    "deepspeed",
)
_FILLER_RE = re.compile("|".join(re.escape(word) for word in sorted(_FILLER, key=len, reverse=True)))
_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")
_NUMBERING = re.compile(r"^\s*(?:第?[0-9一二三四五六七八九十]+[.、:：)）]\s*)+")

JACCARD_THRESHOLD = 0.62
# A short prompt wholly inside a longer one is the same question only when the extra words are few.
CONTAINMENT_THRESHOLD = 0.9
CONTAINMENT_MIN_JACCARD = 0.5
MIN_BIGRAMS_FOR_CONTAINMENT = 8


def similarity_key(text: str) -> str:
    """The part of a prompt that says what is asked: no numbering, glosses in brackets, filler or punctuation."""
    text = unicodedata.normalize("NFKC", text)
    text = _NUMBERING.sub("", text)
    text = _BRACKETED.sub("", text)
    text = _FILLER_RE.sub("", normalise_prompt(text))
    return text


def _bigrams(key: str) -> frozenset[str]:
    if len(key) < 2:
        return frozenset({key}) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


@dataclass
class _Signature:
    keys: tuple[frozenset[str], ...]

    @classmethod
    def of(cls, question: ParsedQuestion) -> _Signature:
        texts = {question.prompt.split("\n\n")[0]}
        # A heading that asks the question is another phrasing of it; a label heading ("分布式训练") is not.
        if question.title.rstrip().endswith(("?", "？", "。")):
            texts.add(question.title)
        return cls(tuple(_bigrams(similarity_key(text)) for text in texts if text.strip()))

    def matches(self, other: _Signature) -> bool:
        return any(_similar(a, b) for a in self.keys for b in other.keys)


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return False
    common = len(a & b)
    jaccard = common / len(a | b)
    if jaccard >= JACCARD_THRESHOLD:
        return True
    smaller = min(len(a), len(b))
    return (
        jaccard >= CONTAINMENT_MIN_JACCARD
        and smaller >= MIN_BIGRAMS_FOR_CONTAINMENT
        and common / smaller >= CONTAINMENT_THRESHOLD
    )


@dataclass
class _Group:
    primary: ParsedQuestion
    signature: _Signature
    anchored: bool
    members: list[ParsedQuestion] = field(default_factory=list)


def merge_questions(banks: Iterable[ParsedBank]) -> list[tuple[ParsedBank, ParsedQuestion]]:
    """Merge duplicates across all banks; return (owning bank, merged question) in reading order."""
    groups: list[_Group] = []
    owner: dict[int, ParsedBank] = {}
    for bank in banks:
        for question in bank.questions:
            signature = _Signature.of(question)
            target = None
            if not bank.canonical and question.kind != "mcq":
                target = next((g for g in groups if g.primary.kind != "mcq" and g.signature.matches(signature)),
                              None)
            if target is None:
                groups.append(_Group(question, signature, anchored=bank.canonical))
                owner[id(question)] = bank
            else:
                target.members.append(question)
    merged = [(owner[id(group.primary)], _fold(group)) for group in groups]
    return merged


def _fold(group: _Group) -> ParsedQuestion:
    primary = group.primary
    primary.ensure_id()
    seen_answers = {normalise_prompt(primary.answer)} | {normalise_prompt(a.answer) for a in primary.alternates}
    for member in group.members:
        for source in member.sources:
            if source not in primary.sources:
                primary.sources.append(source)
        key = normalise_prompt(member.answer)
        if member.answer.strip() and key not in seen_answers:
            seen_answers.add(key)
            source = member.sources[0] if member.sources else SourceRef(member.file, member.line)
            primary.alternates.append(Alternate(answer=member.answer, source=source))
        if primary.unanswered and not member.unanswered:
            _adopt_answer(primary, member)
        if primary.difficulty is None:
            primary.difficulty = member.difficulty
    return primary


def _adopt_answer(primary: ParsedQuestion, member: ParsedQuestion) -> None:
    """An unanswered question takes the first answer another document gives it."""
    primary.answer, primary.explanation, primary.unanswered = member.answer, member.explanation, False
    primary.alternates = [a for a in primary.alternates if a.answer != member.answer]
