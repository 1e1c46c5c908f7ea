"""Render a ParsedBank as canonical Markdown: deterministic, diff-friendly and unambiguous to read back.

The writer never rewrites content to make it fit; text that the parser would read differently (an H2 or a
section label in an answer, an unclosed fence) is refused with ValueError instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml

from app.content.bank import (
    KINDS,
    Alternate,
    Choice,
    Correction,
    ParsedBank,
    ParsedQuestion,
    SourceRef,
    TextFix,
    derive_question_id,
)
from app.content.canonical_meta import FORMAT_VERSION, QUESTION_ID, SLUG
from app.content.canonical_syntax import (
    LAB_LINE,
    ORIGINAL_LABELS,
    QUOTE_LINE,
    SECTION_LABELS,
    SOURCE_SEPARATORS,
    SOURCES_LINE,
    TEXT_FIX_LABELS,
    body_problem,
    strip_blank_lines,
)

CHOICE_LINE = re.compile(r"^\[(?P<mark>[ xX])\][ \t]+(?:(?P<label>[A-Za-z])[.．、)）][ \t]+)?(?P<text>.*)$")
_LABEL = re.compile(r"[A-Za-z]")


def default_mcq_answer(correct: list[Choice]) -> str:
    """The answer an MCQ gets when its 答案 section is left out: the correct option(s), as `B. text`."""
    return "\n\n".join(f"{choice.label}. {choice.text}" for choice in correct)


def render_bank(bank: ParsedBank) -> str:
    if not SLUG.fullmatch(bank.slug):
        raise ValueError(f"bank slug must match [a-z0-9-]+: {bank.slug!r}")
    blocks = [_front_matter(bank)]
    description = strip_blank_lines(bank.description.split("\n"))
    if "\n" in description:
        # A multi-line description reads better as the bank's introduction than as a YAML block scalar.
        _check_body(description, "description", intro=True)
        blocks.append(description)
    seen: set[str] = set()
    for question in bank.questions:
        question_id = question.id or derive_question_id(question.prompt or question.title)
        if question_id in seen:
            raise ValueError(f"{_where(question)}: duplicate question id {question_id}")
        seen.add(question_id)
        try:
            blocks.append(_question(question, question_id))
        except ValueError as exc:
            raise ValueError(f"{_where(question)}: {exc}") from None
    return "\n\n".join(blocks) + "\n"


def _where(question: ParsedQuestion) -> str:
    return f"{question.file}:{question.line} ({question.title})"


def _front_matter(bank: ParsedBank) -> str:
    lines = ["---", f"preplab: {FORMAT_VERSION}", f"bank: {_scalar(bank.slug)}"]
    lines.append(f"title: {_scalar(bank.title.strip())}")
    description = bank.description.strip()
    if description and "\n" not in description:
        lines.append(f"description: {_scalar(description)}")
    documents = sorted({ref.document for question in bank.questions for ref in _all_sources(question)})
    if documents:
        lines.append(f"documents: {_flow(documents)}")
    return "\n".join([*lines, "---"])


def _all_sources(question: ParsedQuestion) -> Iterable[SourceRef]:
    yield from question.sources
    yield from (alternate.source for alternate in question.alternates)


def _question(question: ParsedQuestion, question_id: str) -> str:
    title = question.title.strip()
    if not title or "\n" in title:
        raise ValueError("a question title must be one non-empty line")
    blocks = [f"## {title}", _metadata(question, question_id)]
    prompt = _body(question.prompt, "prompt")
    if prompt and prompt != title:
        blocks.append(_section("prompt", prompt))
    if question.choices:
        blocks.append(_section("options", "\n".join(_choice(choice) for choice in question.choices)))
    model_answer = _body(question.model_answer, "model answer")
    if question.references and not model_answer:
        raise ValueError("references without a model answer")
    key_points = _section("key_points", "\n".join(_item(point) for point in question.key_points))
    if model_answer:
        if not question.references:
            raise ValueError("a model answer needs at least one reference")
        blocks.append(_section("model_answer", model_answer))
        blocks.append(_section("references", "\n".join(_item(ref) for ref in question.references)))
        if question.key_points:
            blocks.append(key_points)
    # With a model answer, the document's answer and explanation follow it under their 原文 labels.
    labels = ORIGINAL_LABELS if model_answer else SECTION_LABELS
    answer = _body(question.answer, "answer")
    correct = [choice for choice in question.choices if choice.correct]
    implied = question.kind == "mcq" and bool(correct) and answer == default_mcq_answer(correct)
    if answer and not implied:
        blocks.append(f"### {labels['answer']}\n\n{answer}")
    explanation = _body(question.explanation, "explanation")
    if explanation:
        blocks.append(f"### {labels['explanation']}\n\n{explanation}")
    if question.key_points and not model_answer:
        blocks.append(key_points)
    if question.corrections:
        blocks.append(_section("corrections", _corrections(question.corrections)))
    if question.text_fixes:
        blocks.append(_section("text_fixes", "\n".join(_text_fix(fix) for fix in question.text_fixes)))
    if question.alternates:
        blocks.append(_section("alternates", "\n\n".join(_alternate(alt) for alt in question.alternates)))
    return "\n\n".join(blocks)


def _metadata(question: ParsedQuestion, question_id: str) -> str:
    if not QUESTION_ID.fullmatch(question_id):
        raise ValueError(f"question id must match [A-Za-z0-9_.-]+: {question_id!r}")
    if question.kind not in KINDS:
        raise ValueError(f"unknown kind {question.kind!r}")
    lines = [f"id: {_scalar(question_id)}", f"kind: {question.kind}"]
    if question.difficulty is not None:
        if isinstance(question.difficulty, bool) or not 1 <= question.difficulty <= 10:
            raise ValueError(f"difficulty must be 1-10: {question.difficulty!r}")
        lines.append(f"difficulty: {question.difficulty}")
    for key, value in (("topic", question.topic), ("skill", question.skill)):
        if value and value.strip():
            lines.append(f"{key}: {_scalar(value.strip())}")
    if question.concepts:
        lines.append(f"concepts: {_flow(question.concepts)}")
    if question.sources:
        lines.append("sources:")
        lines += [f"  - {_scalar(str(ref))}" for ref in question.sources]
    if question.kind == "mcq" and sum(choice.correct for choice in question.choices) > 1:
        lines.append("multiple: true")
    if question.unanswered:
        lines.append("unanswered: true")
    return "```yaml\n" + "\n".join(lines) + "\n```"


def _section(key: str, body: str) -> str:
    return f"### {SECTION_LABELS[key]}\n\n{body}"


def _body(text: str, what: str, *, alternate: bool = False) -> str:
    body = strip_blank_lines(text.split("\n"))
    _check_body(body, what, alternate=alternate)
    return body


def _check_body(text: str, what: str, *, alternate: bool = False, intro: bool = False) -> None:
    problem = body_problem(text, alternate=alternate, intro=intro)
    if problem:
        raise ValueError(f"{what}: {problem}")


def _choice(choice: Choice) -> str:
    if not _LABEL.fullmatch(choice.label):
        raise ValueError(f"an option label must be one letter: {choice.label!r}")
    mark = "x" if choice.correct else " "
    return _item(choice.text, prefix=f"[{mark}] {choice.label}. ")


def _item(text: str, *, prefix: str = "", extra: Iterable[str] = ()) -> str:
    """A list item whose continuation lines are indented, so nothing in them can look structural."""
    body = _body(text, "list item")
    if not body:
        raise ValueError("empty list item")
    first, *rest = body.split("\n")
    lines = [f"- {prefix}{first.strip()}", *(f"  {line}" if line.strip() else "" for line in rest), *extra]
    return "\n".join(lines)


def _corrections(corrections: list[Correction]) -> str:
    items = []
    for correction in corrections:
        for line in correction.text.split("\n")[1:]:
            if any(pattern.match(line.strip()) for pattern in (SOURCES_LINE, LAB_LINE, QUOTE_LINE)):
                raise ValueError(f"correction text has a line that reads as its quote, sources or lab: {line!r}")
        if not correction.sources:
            raise ValueError(f"correction names no source: {correction.text!r}")
        for source in correction.sources:
            if not source.strip() or "\n" in source or SOURCE_SEPARATORS.search(source):
                raise ValueError(f"a correction source must be one line without ；or ;: {source!r}")
        extra = [f"  原文：{_one_line(correction.quote, 'correction quote')}"] if correction.quote else []
        extra.append(f"  来源：{'；'.join(s.strip() for s in correction.sources)}")
        if correction.lab is not None:
            extra.append(f"  实验：{_one_line(correction.lab, 'correction lab')}")
        items.append(_item(correction.text, extra=extra))
    return "\n".join(items)


def _text_fix(fix: TextFix) -> str:
    """Three labelled lines; the parser reads them back whatever the text, since a label starts each."""
    original, fixed = _one_line(fix.original, "text fix original"), _one_line(fix.fixed, "text fix fixed")
    return "\n".join([f"- {TEXT_FIX_LABELS['original']}：{original}", f"  {TEXT_FIX_LABELS['fixed']}：{fixed}",
                      f"  {TEXT_FIX_LABELS['location']}：{fix.location}"])


def _one_line(value: str, what: str) -> str:
    text = value.strip()
    if not text or "\n" in text:
        raise ValueError(f"{what} must be one non-empty line: {value!r}")
    return text


def _alternate(alternate: Alternate) -> str:
    answer = _body(alternate.answer, "alternate answer", alternate=True)
    if not answer:
        raise ValueError(f"empty alternate answer from {alternate.source}")
    blocks = [f"#### {alternate.source}", answer]
    if alternate.corrections:
        blocks += [f"##### {SECTION_LABELS['corrections']}", _corrections(alternate.corrections)]
    return "\n\n".join(blocks)


def _scalar(value: str) -> str:
    """One YAML scalar as it would appear in a block mapping: quoted only where YAML needs it."""
    if "\n" in value:
        raise ValueError(f"metadata values must be one line: {value!r}")
    dumped = yaml.safe_dump([value], default_flow_style=False, allow_unicode=True, width=1 << 30)
    return dumped.removeprefix("- ").rstrip("\n")


def _flow(values: list[str]) -> str:
    return yaml.safe_dump(list(values), default_flow_style=True, allow_unicode=True, width=1 << 30).strip()
