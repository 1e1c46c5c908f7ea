"""Parse "foreign" Markdown interview documents: anything that is not PrepLab's canonical bank format.

A document is read as a tree of heading sections. A section whose own text is a run of Q/A pairs
(`Q1:` / `问：` / `问题：` ... `A:` / `答：`, see foreign_pairs.py) gives one question per pair. Otherwise a
section is a question when its own text carries labels (**题目：**, **答案：**, <details> answers...), or
when its heading reads like a question and no section below it is one. A heading that only names a section
("第一部分 基础概念", a heading over pairs or over question sub-headings) is never a question, and its
introduction never becomes a prompt. Ids are left to the merger; duplicates are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.content.bank import (
    Choice,
    ContentWarning,
    ParsedBank,
    ParsedQuestion,
    QuestionKind,
    SourceRef,
    read_text_checked,
)
from app.content.foreign_blocks import (
    Line,
    answer_letters,
    block_text,
    clean_heading,
    difficulty_of,
    heading_of,
    match_label,
    plain_text,
    scan_lines,
    split_options,
    unquote,
)
from app.content.foreign_headings import names_a_section, reads_like_question
from app.content.foreign_pairs import PairStart, pair_starts

__all__ = ["parse_foreign"]

_CODE_CONTEXT = re.compile(r"编程|代码|编写|实现|coding|programming|\bcode\b", re.I)
_LINK_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+\[.*\]\(.*\)\s*$")
_TITLE_MAX = 80
_PARTS = ("preamble", "prompt", "answer", "explanation")


@dataclass
class Section:
    level: int  # 0 for the document root
    heading: Line | None
    parent: Section | None = None
    body: list[Line] = field(default_factory=list)  # own lines, up to the first child heading
    children: list[Section] = field(default_factory=list)
    is_doc_title: bool = False

    @property
    def line(self) -> int:
        return self.heading.no if self.heading else 0

    @property
    def title(self) -> str:
        found = heading_of(self.heading) if self.heading else None
        return clean_heading(found[1]) if found else ""

    def span(self) -> list[Line]:
        """The section as written below its heading, deeper headings included."""
        lines = list(self.body)
        for child in self.children:
            lines += [child.heading, *child.span()] if child.heading else child.span()
        return lines

    def context(self) -> list[str]:
        """Headings of this section and every enclosing one, innermost first."""
        titles: list[str] = []
        section: Section | None = self
        while section is not None and section.level > 0:
            titles.append(section.title)
            section = section.parent
        return titles


@dataclass
class Candidate:
    """Where one question was found, before its text is taken apart."""

    line: int
    heading: str | None  # cleaned heading text; None for a question found as a Q/A pair
    lines: list[Line]
    context: list[str]
    answer_by_default: bool = False  # an unlabelled body is the answer
    topic: str | None = None
    skill: str | None = None
    difficulty: int | None = None


@dataclass
class Parts:
    lines: dict[str, list[Line]] = field(default_factory=lambda: {name: [] for name in _PARTS})
    bold_tail: set[str] = field(default_factory=set)  # parts whose label left a bold marker open
    has_prompt_label: bool = False
    difficulty: int | None = None

    def text(self, name: str) -> str:
        text = block_text(self.lines[name])
        if name in self.bold_tail and text.endswith("**"):
            text = text[:-2].rstrip()
        return text


def parse_foreign(path: Path, text: str | None = None) -> ParsedBank:
    """Read a foreign Markdown document into a bank of questions (ids unset, duplicates kept)."""
    if text is None:
        text = read_text_checked(path)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines, open_fence = scan_lines(text, path)
    root = _build_tree(lines)
    warnings: list[ContentWarning] = []
    if open_fence is not None:
        warnings.append(ContentWarning(str(path), open_fence, "未闭合的代码块 / unclosed code fence"))
    questions: list[ParsedQuestion] = []
    for candidate in _collect(root):
        question, problems = _build_question(candidate, path)
        questions.append(question)
        warnings += problems
    if not questions:
        warnings.append(ContentWarning(str(path), 1, "未找到问题 / no questions found"))
    title = _document_title(root, {question.line for question in questions}) or path.stem
    return ParsedBank(
        path=path, slug=path.stem, title=title, questions=questions, canonical=False, warnings=warnings
    )


def _build_tree(lines: list[Line]) -> Section:
    root = Section(level=0, heading=None)
    stack = [root]
    for line in lines:
        found = heading_of(line)
        if found is None:
            stack[-1].body.append(line)
            continue
        while stack[-1].level >= found[0]:
            stack.pop()
        section = Section(level=found[0], heading=line, parent=stack[-1])
        section.is_doc_title = found[0] == 1 and len(stack) == 1 and not root.children
        stack[-1].children.append(section)
        stack.append(section)
    return root


def _walk(section: Section) -> Iterator[Section]:
    yield section
    for child in section.children:
        yield from _walk(child)


def _collect(section: Section) -> list[Candidate]:
    found_below = [(child, _collect(child)) for child in section.children]
    below = [candidate for _child, found in found_below for candidate in found]
    starts = pair_starts(section.body, names_section=_names_a_section(section))
    if starts:
        return _pair_candidates(section, starts) + below
    if _first_label(section.body) is not None or _asks_by_options(section, below):
        # A sub-section that asks a question of its own stays a question; any other is part of this answer.
        lines, kept = list(section.body), []
        for child, found in found_below:
            if _asks_itself(child):
                kept += found
            else:
                lines += [child.heading, *child.span()] if child.heading else child.span()
        return [_section_candidate(section, lines, answer_by_default=False), *kept]
    if not below and _reads_as_question(section):
        return [_section_candidate(section, section.span(), answer_by_default=True)]
    return below


def _asks_itself(section: Section) -> bool:
    """Whether a section or one below it has a heading that asks, or text that opens a question (Q:, 题目：)."""
    for inner in _walk(section):
        if reads_like_question(inner.title) and not names_a_section(inner.title):
            return True
        if any(_first_label([line]) in ("marker", "prompt") for line in inner.body):
            return True
    return False


def _names_a_section(section: Section) -> bool:
    return section.level == 0 or section.is_doc_title or names_a_section(section.title)


def _asks_by_options(section: Section, below: list[Candidate]) -> bool:
    """A heading over A./B. options and nothing that asks below it; a section's list of parts is no question."""
    if section.level == 0 or below or _names_a_section(section):
        return False
    return bool(split_options(unquote(section.body))[1])


def _first_label(lines: list[Line]) -> str | None:
    """The kind of the first label in a section's own text ("answer" for a <details> answer)."""
    for line in lines:
        if line.details_start:
            return "answer"
        label = None if line.code else match_label(line.text)
        if label is not None:
            return label.kind
    return None


def _reads_as_question(section: Section) -> bool:
    if section.level == 0 or section.is_doc_title:
        return False
    title = section.title
    if not title or names_a_section(title):
        return False
    body = [line for line in section.body if line.text.strip()]
    if body and all(_LINK_ITEM.match(line.text) for line in body):
        return False  # a table of contents
    return reads_like_question(title)


def _section_candidate(section: Section, lines: list[Line], answer_by_default: bool) -> Candidate:
    line = section.line or next((item.no for item in lines if item.text.strip()), 1)
    return Candidate(
        line=line,
        heading=section.title or None,
        lines=lines,
        context=section.context(),
        answer_by_default=answer_by_default,
    )


def _pair_candidates(section: Section, starts: list[PairStart]) -> list[Candidate]:
    """One question per Q/A pair; the introduction before the first pair only rates the section."""
    intro = section.body[: starts[0].index]
    chunks: list[tuple[Line, bool, list[Line]]] = []
    for start, end in zip(starts, [*(s.index for s in starts[1:]), len(section.body)], strict=True):
        opener = section.body[start.index]
        first = [replace(opener, text=start.text)] if start.text else []
        chunks.append((opener, start.numbered, first + section.body[start.index + 1 : end]))
    ratings = [rating for line in intro if not line.code and (rating := difficulty_of(line.text))]
    # A heading over numbered questions names a skill, and the heading above it the skill's area.
    skill = section.title or None
    parent = section.parent
    topic = parent.title or None if parent is not None else None
    return [
        Candidate(
            line=marker.no,
            heading=None,
            lines=lines,
            context=section.context(),
            topic=topic if numbered and skill else None,
            skill=skill if numbered else None,
            difficulty=ratings[0] if ratings else None,
        )
        for marker, numbered, lines in chunks
    ]


def _split_parts(lines: list[Line]) -> Parts:
    """Sort a question's lines into preamble, prompt (题目), answer (答案, <details>), explanation (解析)."""
    parts = Parts()
    current = "preamble"
    for line in lines:
        if line.details_start:
            current = "answer"
        label = None if line.code else match_label(line.text)
        if label is not None and label.kind != "marker" and _starts_part(parts, label.kind, current):
            current = label.kind
            parts.has_prompt_label |= current == "prompt"
            if label.unclosed_bold:
                parts.bold_tail.add(current)
            if label.rest:
                parts.lines[current].append(replace(line, text=label.rest))
            continue
        rating = difficulty_of(line.text) if current in ("preamble", "prompt") and not line.code else None
        if rating is not None:
            parts.difficulty = parts.difficulty or rating
            continue
        parts.lines[current].append(line)
    return parts


def _starts_part(parts: Parts, kind: str, current: str) -> bool:
    """Whether a label opens a part; a label repeating the part being written is just text in it."""
    if kind == current and block_text(parts.lines[kind]):
        return False
    return not (kind == "prompt" and block_text(parts.lines["answer"]))


def _build_question(candidate: Candidate, path: Path) -> tuple[ParsedQuestion, list[ContentWarning]]:
    parts = _split_parts(candidate.lines)
    question_lines, choices = split_options(unquote(parts.lines["preamble"] + parts.lines["prompt"]))
    asked = block_text(question_lines)
    answer, answer_lines = parts.text("answer"), parts.lines["answer"]
    if candidate.answer_by_default and not answer and not choices:
        answer, answer_lines, asked = asked, question_lines, ""
    prompt = _prompt(candidate.heading, asked, parts.has_prompt_label)
    title = candidate.heading or _short_title(prompt)
    explanation = parts.text("explanation")
    kind: QuestionKind = "open"
    if choices:
        kind = "mcq"
        answer, explanation = _resolve_choices(choices, answer, explanation)
    elif any(line.code for line in answer_lines) and _CODE_CONTEXT.search(" ".join(candidate.context)):
        kind = "code"
    question = ParsedQuestion(
        kind=kind,
        title=title,
        prompt=prompt,
        answer=answer,
        file=str(path),
        line=candidate.line,
        explanation=explanation,
        choices=choices,
        difficulty=candidate.difficulty or parts.difficulty,
        topic=candidate.topic,
        skill=candidate.skill,
        sources=[SourceRef(path.name, candidate.line)],
        unanswered=not answer,
    )
    return question, _problems(question)


def _prompt(heading: str | None, asked: str, labelled: bool) -> str:
    """The 题目 text where given; else the heading, followed by any question text under it."""
    if labelled and asked:
        return asked
    pieces = [asked]
    if heading and (not asked or reads_like_question(heading)):
        pieces.insert(0, heading)
    return "\n\n".join(piece for piece in pieces if piece)


def _short_title(prompt: str) -> str:
    first = next((line for line in prompt.splitlines() if line.strip()), "")
    text = plain_text(first)
    return text if len(text) <= _TITLE_MAX else text[: _TITLE_MAX - 1].rstrip() + "…"


def _resolve_choices(choices: list[Choice], answer: str, explanation: str) -> tuple[str, str]:
    """Mark the options the answer names; show them as "B. text", keeping its reasons as explanation."""
    letters, remainder = answer_letters(answer, {choice.label for choice in choices})
    if not any(choice.correct for choice in choices):
        for choice in choices:
            choice.correct = choice.label in letters
    correct = [choice for choice in choices if choice.correct]
    if not correct:
        return answer, explanation
    says_more = bool(re.sub(r"[\s\W_]+", "", remainder))  # "B" alone explains nothing
    reasons = [answer if says_more else "", explanation]
    shown = "\n\n".join(f"{choice.label}. {choice.text}" for choice in correct)
    return shown, "\n\n".join(reason for reason in reasons if reason)


def _problems(question: ParsedQuestion) -> list[ContentWarning]:
    if question.unanswered:
        message = f"问题没有答案 / question has no answer: {question.title}"
    elif question.kind == "mcq" and not any(choice.correct for choice in question.choices):
        message = (
            "选择题没有可识别的正确答案 / multiple-choice question has no identifiable correct answer: "
            + question.title
        )
    else:
        return []
    return [ContentWarning(question.file, question.line, message)]


def _document_title(root: Section, question_lines: set[int]) -> str | None:
    """The first H1-H3 heading that comes before every question and is not one itself."""
    first_question = min(question_lines, default=None)
    for section in _walk(root):
        if not 1 <= section.level <= 3:
            continue
        if section.line in question_lines or (first_question is not None and section.line > first_question):
            return None
        if section.title:
            return section.title
    return None
