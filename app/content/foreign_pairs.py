"""Where the Q/A pairs of a section's own text start: `Q1:` / `问：` / `问题：` openers, or lines asking above `答：`.

A section's text is a run of pairs when
- its first label is a marker (`Q:`, `**Q1: …**`, `Q1.`, `问：`, `**问题 2:**`, `Question 3:`);
- or its first label is a prompt label (`问题：`, `题目：`) and such labels open two or more pairs, or open
  one under a heading that only names a section (a document title, "第一部分 …", or no heading at all);
- or it holds no opener but two or more answer labels, each right after a line that asks ("**1. 什么是 X？**").

A prompt label opens a new pair only once the pair being read has its answer; before that it is the pair's
题目. Everything before the first opener is the section's introduction, never a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.content.foreign_blocks import Label, Line, match_label, plain_text
from app.content.foreign_headings import reads_like_question

_NUMBER = re.compile(r"^(?:[(（]?\d{1,3}(?:[)）.、．:：]\s*|\s+)|[一二三四五六七八九十]+[、.．]\s*)")
_OUTER_BOLD = re.compile(r"^(\*\*|__)(?P<text>.+)\1$")


@dataclass(frozen=True)
class PairStart:
    index: int  # position of the opening line in the section's own lines
    text: str  # the question text on that line, label and numbering removed ("" when it comes on later lines)
    numbered: bool  # a **问题 N:** marker, whose heading names a skill


def pair_starts(body: list[Line], *, names_section: bool) -> list[PairStart]:
    """The openers of the pairs in a section's own lines, or [] when the lines are not a run of pairs."""
    labels = [(index, label) for index, line in enumerate(body) if (label := _label(line)) is not None]
    if not labels:
        return []
    first = labels[0][1]
    if first.kind == "marker":
        return _explicit(labels)
    if first.kind == "prompt":
        starts = _explicit(labels)
        return starts if len(starts) >= 2 or names_section else []
    return _implicit(body, labels)


def _label(line: Line) -> Label | None:
    if line.code:
        return None
    label = match_label(line.text)
    if label is None and line.details_start:
        return Label(kind="answer", rest=line.text.strip(), unclosed_bold=False)  # a <details> answer
    return label


def _explicit(labels: list[tuple[int, Label]]) -> list[PairStart]:
    starts: list[PairStart] = []
    answered = True
    for index, label in labels:
        if label.kind == "marker" or (label.kind == "prompt" and answered):
            starts.append(PairStart(index, label.rest, label.numbered))
            answered = False
        elif label.kind == "answer":
            answered = True
    return starts


def _implicit(body: list[Line], labels: list[tuple[int, Label]]) -> list[PairStart]:
    """Pairs whose question is a plain line just above each answer label, when every answer has one."""
    answers = [index for index, label in labels if label.kind == "answer" and not body[index].details_start]
    if len(answers) < 2 or any(label.kind != "answer" for _, label in labels):
        return []
    starts: list[PairStart] = []
    for index in answers:
        above = index - 1
        while above >= 0 and not body[above].code and not body[above].text.strip():
            above -= 1
        asked = question_line(body[above]) if above >= 0 else None
        if asked is None or (starts and above <= starts[-1].index):
            return []
        starts.append(PairStart(above, asked, numbered=False))
    return starts


def question_line(line: Line) -> str | None:
    """The question a lone line asks ("**1. 什么是 X？**" -> "什么是 X？"), or None when it asks nothing."""
    if line.code or line.in_details or _label(line) is not None:
        return None
    text = line.text.strip()
    bold = _OUTER_BOLD.match(text)
    text = _NUMBER.sub("", bold.group("text").strip() if bold else text, count=1).strip()
    return text if text and reads_like_question(plain_text(text)) else None
