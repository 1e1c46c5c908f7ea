"""PrepLab's canonical bank format: one Markdown file per bank; see content/README.md for the format.

A question is an `## ` heading followed by a ```yaml metadata block and `### ` sections. Only lines outside
fenced code are structural, so answers may quote any Markdown inside code blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.content.bank import (
    Alternate,
    Choice,
    ContentError,
    ContentWarning,
    Correction,
    ParsedBank,
    ParsedQuestion,
    SourceRef,
    TextFix,
    quote_key,
    read_text_checked,
)
from app.content.canonical_meta import (
    FrontMatter,
    Metadata,
    front_matter_end,
    read_front_matter,
    read_metadata,
)
from app.content.canonical_syntax import (
    LAB_LINE,
    QUOTE_LINE,
    SECTION_LABELS,
    SOURCE_SEPARATORS,
    SOURCES_LINE,
    TEXT_FIX_LABELS,
    TEXT_FIX_LINE,
    Fences,
    ListItem,
    SyntaxProblem,
    alternate_ref,
    check_details,
    heading_text,
    is_corrections_marker,
    list_items,
    opens_question,
    scan_fences,
    section_key,
    strip_blank_lines,
    text_fix_field,
)
from app.content.canonical_write import CHOICE_LINE, default_mcq_answer, render_bank
from labs.registry import LABS, LabNotFound, load_spec

__all__ = ["is_canonical", "parse_bank", "write_bank"]


def is_canonical(text: str) -> bool:
    """True when the text opens with front matter holding a `preplab:` key (the format's marker)."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    end = front_matter_end(lines)
    return end is not None and any(line.split(":", 1)[0].strip() == "preplab" for line in lines[1:end])


def write_bank(bank: ParsedBank) -> str:
    """The bank as canonical Markdown; raises ValueError for anything parse_bank would not read back."""
    text = render_bank(bank)
    try:
        parse_bank(bank.path, text)
    except ContentError as exc:
        # The error's line is in text that was never saved, so name the question instead.
        before = text.split("\n")[: exc.line or 0]
        heading = next((line for line in reversed(before) if line.startswith("## ")), "front matter")
        raise ValueError(f"{bank.path}「{heading.removeprefix('## ')}」: {exc.problem}") from exc
    return text


@dataclass
class _Doc:
    path: Path
    lines: list[str]
    fences: Fences

    def error(self, index: int, problem: str) -> ContentError:
        return ContentError(self.path, index + 1, problem)

    def fenced(self, index: int) -> bool:
        return index in self.fences.fenced


@dataclass
class _Section:
    key: str
    marker: int  # 0-based line of the `###` heading; the body is the lines after it up to `end`
    end: int


def parse_bank(path: Path, text: str | None = None) -> ParsedBank:
    """Read one canonical bank; raise ContentError naming the file and line of the first problem."""
    if text is None:
        text = read_text_checked(path)
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front, body_start = read_front_matter(path, lines)
    try:
        fences = scan_fences(lines, body_start)
        check_details(lines, fences, body_start)
    except SyntaxProblem as problem:
        raise ContentError(path, problem.index + 1, problem.message) from None
    doc = _Doc(path, lines, fences)
    starts = _question_starts(doc, body_start)
    bank = _new_bank(path, front, doc, body_start, starts[0] if starts else len(lines))
    seen: set[str] = set()
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        question = _read_question(doc, start, end, bank.warnings)
        if question.id in seen:
            raise doc.error(start, f"题目 id 重复：{question.id} / duplicate question id")
        seen.add(question.id or "")
        bank.questions.append(question)
    return bank


def _new_bank(path: Path, front: FrontMatter, doc: _Doc, body_start: int, first_question: int) -> ParsedBank:
    # Text before the first question is the bank's introduction; it only stands in for a missing description.
    description = front.description or strip_blank_lines(doc.lines[body_start:first_question])
    return ParsedBank(path=path, slug=front.bank, title=front.title, description=description, canonical=True)


def _question_starts(doc: _Doc, body_start: int) -> list[int]:
    """Lines of `## ` headings directly followed by a yaml block; other H2s may only appear in the intro."""
    starts: list[int] = []
    for index in range(body_start, len(doc.lines)):
        if opens_question(doc.lines, index, doc.fences):
            starts.append(index)
        elif starts and not doc.fenced(index) and heading_text(doc.lines[index], 2) is not None:
            # Otherwise a mistyped heading would silently fold a question into the previous answer.
            raise doc.error(index, "标题后缺少 yaml 元数据块 / heading without a yaml metadata block")
    return starts


def _read_question(doc: _Doc, start: int, end: int, warnings: list[ContentWarning]) -> ParsedQuestion:
    title = heading_text(doc.lines[start], 2)
    if not title:
        raise doc.error(start, "题目标题为空 / empty question title")
    fence = next(i for i in range(start + 1, end) if doc.lines[i].strip())
    close = doc.fences.close_of[fence]
    meta = read_metadata(doc.path, doc.lines, fence, close, start)
    sections = _split_sections(doc, close + 1, end)
    question = ParsedQuestion(
        kind=meta.kind, title=title, prompt=_text(doc, sections.get("prompt")) or title, answer="",
        file=str(doc.path), line=start + 1, id=meta.id, explanation=_text(doc, sections.get("explanation")),
        difficulty=meta.difficulty, topic=meta.topic, skill=meta.skill, concepts=meta.concepts,
        sources=meta.sources,
    )
    question.key_points = [item.text for item in _items(doc, sections.get("key_points")) if item.text]
    question.model_answer = _text(doc, sections.get("model_answer"))
    question.references = _references(doc, sections, question.model_answer)
    question.corrections = _corrections(doc, sections.get("corrections"))
    question.text_fixes = _text_fixes(doc, sections.get("text_fixes"))
    question.alternates = _alternates(doc, sections.get("alternates"))
    options = sections.get("options")
    question.choices = _choices(doc, options) if options else []
    question.answer = _text(doc, sections.get("answer"))
    _check_answers(doc, question, sections, meta)
    _check_quotes(doc, question)
    if question.unanswered:
        warnings.append(ContentWarning(question.file, question.line, "题目尚无答案 / no answer yet"))
    elif meta.unanswered:
        warnings.append(ContentWarning(question.file, question.line,
                                       "已有答案，可删除 unanswered / answered: remove `unanswered`"))
    return question


def _split_sections(doc: _Doc, start: int, end: int) -> dict[str, _Section]:
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    for index in range(start, end):
        key = None if doc.fenced(index) else section_key(doc.lines[index])
        if key is None:
            if current is None and doc.lines[index].strip():
                raise doc.error(index, "元数据块后应是 ### 小节 / expected a ### section after the metadata")
            continue
        if key in sections:
            raise doc.error(index, f"小节重复：{SECTION_LABELS[key]} / duplicate section")
        if current:
            current.end = index
        current = sections[key] = _Section(key, index, end)
    return sections


def _text(doc: _Doc, section: _Section | None) -> str:
    return strip_blank_lines(doc.lines[section.marker + 1 : section.end]) if section else ""


def _items(doc: _Doc, section: _Section | None) -> list[ListItem]:
    if section is None:
        return []
    try:
        return list_items(doc.lines, section.marker + 1, section.end, doc.fences)
    except SyntaxProblem as problem:
        raise doc.error(problem.index, problem.message) from None


def _corrections(doc: _Doc, section: _Section | None) -> list[Correction]:
    corrections = []
    for item in _items(doc, section):
        kept, sources, lab, quote = [item.first], [], None, None
        for offset, line in enumerate(item.more, start=item.index + 1):
            source_match, lab_match = SOURCES_LINE.match(line.strip()), LAB_LINE.match(line.strip())
            quote_match = QUOTE_LINE.match(line.strip())
            if quote_match:
                if quote is not None:
                    raise doc.error(offset, "勘误只能引用一处原文 / a correction quotes one original claim")
                quote = quote_match[1].strip()
                if not quote_key(quote):
                    raise doc.error(offset, "勘误的原文引用为空 / empty quote of the original")
            elif source_match:
                sources += [s.strip() for s in SOURCE_SEPARATORS.split(source_match[1]) if s.strip()]
            elif lab_match:
                if lab is not None:
                    raise doc.error(offset, "勘误只能写一个实验行 / a correction names at most one lab")
                lab = _lab(doc, offset, lab_match[1].strip())
            else:
                kept.append(line)
        text = strip_blank_lines(kept)
        if not text:
            raise doc.error(item.index, "勘误内容为空 / empty correction")
        if not sources:
            # A correction is only as good as its evidence: say where the right answer comes from.
            raise doc.error(item.index, "勘误缺少来源（续行 来源：…） / correction names no source (add 来源: …)")
        corrections.append(Correction(text=text, sources=sources, lab=lab, quote=quote, line=item.index + 1))
    return corrections


def _references(doc: _Doc, sections: dict[str, _Section], model_answer: str) -> list[str]:
    """The model answer's references: list items, required with a model answer and meaningless without."""
    section = sections.get("references")
    if section is None:
        if model_answer:
            raise doc.error(sections["model_answer"].marker, "参考答案缺少参考资料（### 参考资料） "
                                                             "/ model answer lists no references")
        return []
    references = [item.text for item in _items(doc, section) if item.text.strip()]
    if not model_answer:
        raise doc.error(section.marker, "参考资料只属于参考答案（缺少 ### 参考答案） "
                                        "/ references belong to a model answer, and there is none")
    if not references:
        raise doc.error(section.marker, "参考资料为空 / no references listed")
    return references


def _lab(doc: _Doc, index: int, lab_id: str) -> str:
    if not lab_id:
        raise doc.error(index, "实验行为空 / empty lab line")
    if lab_id not in registered_labs():
        known = ", ".join(registered_labs())
        raise doc.error(index, f"未知的实验 {lab_id!r}（已注册：{known}） / unknown lab; registered: {known}")
    return lab_id


@lru_cache(maxsize=1)
def registered_labs() -> tuple[str, ...]:
    """Lab ids whose spec loads (without torch), in the registry's order."""
    known = []
    for lab_id in LABS:
        try:
            load_spec(lab_id)
        except LabNotFound:
            continue
        known.append(lab_id)
    return tuple(known)


def _text_fixes(doc: _Doc, section: _Section | None) -> list[TextFix]:
    fixes = []
    for item in _items(doc, section):
        fields: dict[str, tuple[int, str]] = {}  # field -> (0-based line, value)
        for index, line in [(item.index, item.first), *enumerate(item.more, start=item.index + 1)]:
            if not line.strip():
                continue
            match = TEXT_FIX_LINE.match(line.strip())
            if not match:
                raise doc.error(index, "文字修订的每行须为 原文：/修正：/位置： "
                                       "/ each text fix line must be Original:/Fixed:/Location:")
            key = text_fix_field(match[1])
            if key in fields:
                raise doc.error(index, f"文字修订中 {TEXT_FIX_LABELS[key]} 重复 / duplicate {key} line")
            if not match[2].strip():
                raise doc.error(index, f"文字修订的 {TEXT_FIX_LABELS[key]} 为空 / empty {key} line")
            fields[key] = (index, match[2].strip())
        missing = [key for key in TEXT_FIX_LABELS if key not in fields]
        if missing:
            labels = "、".join(TEXT_FIX_LABELS[key] for key in missing)
            raise doc.error(item.index, f"文字修订缺少 {labels} / text fix lacks {', '.join(missing)}")
        location_index, location = fields["location"]
        try:
            ref = SourceRef.parse(location)
        except ValueError:
            raise doc.error(location_index, f"位置须写成 文档:行号：{location!r} "
                                            "/ location must be DOCUMENT:LINE") from None
        original, fixed = fields["original"][1], fields["fixed"][1]
        if original == fixed:
            raise doc.error(item.index, "文字修订的原文与修正相同 / text fix changes nothing")
        fixes.append(TextFix(original=original, fixed=fixed, location=ref))
    return fixes


def _alternates(doc: _Doc, section: _Section | None) -> list[Alternate]:
    if section is None:
        return []
    body = range(section.marker + 1, section.end)
    heads = [i for i in body if not doc.fenced(i) and alternate_ref(doc.lines[i])]
    stray = next((i for i in range(section.marker + 1, heads[0] if heads else section.end)
                  if doc.lines[i].strip()), None)
    if stray is not None:
        raise doc.error(stray, "其他答案须以 #### 文档:行号 开头 / alternates start with #### DOCUMENT:LINE")
    alternates = []
    for number, head in enumerate(heads):
        end = heads[number + 1] if number + 1 < len(heads) else section.end
        marker = next((i for i in range(head + 1, end) if not doc.fenced(i)
                       and is_corrections_marker(doc.lines[i])), end)
        answer = strip_blank_lines(doc.lines[head + 1 : marker])
        if not answer:
            raise doc.error(head, "其他答案为空 / empty alternate answer")
        corrections = _corrections(doc, _Section("corrections", marker, end)) if marker < end else []
        ref = alternate_ref(doc.lines[head])
        assert ref is not None  # heads were chosen by alternate_ref
        alternates.append(Alternate(answer=answer, source=ref, corrections=corrections))
    return alternates


def _choices(doc: _Doc, section: _Section) -> list[Choice]:
    choices: list[Choice] = []
    for item in _items(doc, section):
        match = CHOICE_LINE.match(item.first)
        if not match:
            raise doc.error(item.index, "选项应写成 - [ ] A. 文本 / options must look like - [ ] A. text")
        label = match["label"] or chr(ord("A") + len(choices))
        text = strip_blank_lines([match["text"], *item.more])
        if not text:
            raise doc.error(item.index, "选项内容为空 / empty option")
        if any(choice.label == label for choice in choices):
            raise doc.error(item.index, f"选项标签重复：{label} / duplicate option label")
        choices.append(Choice(label=label, text=text, correct=match["mark"] != " "))
    return choices


def _check_answers(
    doc: _Doc, question: ParsedQuestion, sections: dict[str, _Section], meta: Metadata
) -> None:
    """Every question must be answerable unless its metadata says `unanswered: true`."""
    options = sections.get("options")
    where = options.marker if options else question.line - 1
    correct = [choice for choice in question.choices if choice.correct]
    if question.kind != "mcq":
        if options:
            raise doc.error(options.marker, "只有选择题可以有选项 / only mcq questions have options")
        missing = not question.shown_answer
        required = sections.get("model_answer") or sections.get("answer")
        problem = "答案为空 / empty answer"
    else:
        if len(question.choices) < 2:
            raise doc.error(where, "选择题至少需要两个选项 / an MCQ needs at least two options")
        if len(correct) > 1 and not meta.multiple:
            raise doc.error(where, "选择题有多个正确选项（多选题请在元数据中写 multiple: true）"
                                   " / MCQ has more than one correct option (add `multiple: true` for multi-select)")
        if not correct and not meta.unanswered:
            raise doc.error(where, "选择题没有正确选项 / MCQ has no correct option")
        question.answer = question.answer or default_mcq_answer(correct)
        missing = not correct or not (question.explanation or question.model_answer)
        required = sections.get("model_answer") or sections.get("explanation")
        problem = "选择题的解析为空 / MCQ explanation is empty"
    if missing and not meta.unanswered:
        raise doc.error(required.marker if required else question.line - 1, problem)
    question.unanswered = missing


def _check_quotes(doc: _Doc, question: ParsedQuestion) -> None:
    """A correction's quote must be found in the text it corrects, or it proves nothing about that text."""
    original = quote_key(question.answer + "\n" + question.explanation)
    answers = [(original, question.corrections)]
    answers += [(quote_key(alternate.answer), alternate.corrections) for alternate in question.alternates]
    for text, corrections in answers:
        for correction in corrections:
            if correction.quote and quote_key(correction.quote) not in text:
                raise ContentError(doc.path, correction.line,
                                   f"勘误引用的原文在它更正的答案中找不到：{correction.quote!r}"
                                   " / the quoted claim is not in the answer it corrects")
