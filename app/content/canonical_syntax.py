"""Line-level syntax of canonical banks, shared by the parser and the writer.

Everything structural in a bank (question headings, section labels, list items) is only structural outside
fenced code blocks, so both sides use the same fence scanner: what the writer deems safe is exactly what the
parser reads back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.content.bank import SourceRef

SECTION_LABELS: dict[str, str] = {
    "prompt": "题目",
    "options": "选项",
    "model_answer": "参考答案",
    "references": "参考资料",
    "answer": "答案",
    "explanation": "解析",
    "key_points": "要点",
    "corrections": "勘误",
    "text_fixes": "文字修订",
    "alternates": "其他答案",
}
# The labels a bank with a model answer uses for the document's own answer and explanation.
ORIGINAL_LABELS: dict[str, str] = {"answer": "原文答案", "explanation": "原文解析"}
_ENGLISH_ALIASES: dict[str, tuple[str, ...]] = {
    "prompt": ("prompt", "question"),
    "options": ("options", "choices"),
    "model_answer": ("model answer",),
    "references": ("references",),
    "answer": ("answer", "original answer", ORIGINAL_LABELS["answer"]),
    "explanation": ("explanation", "original explanation", ORIGINAL_LABELS["explanation"]),
    "key_points": ("key points", "keypoints"),
    "corrections": ("corrections", "errata"),
    "text_fixes": ("text fixes",),
    "alternates": ("alternates", "other answers"),
}
_LABEL_TO_KEY: dict[str, str] = {label: key for key, label in SECTION_LABELS.items()} | {
    alias: key for key, aliases in _ENGLISH_ALIASES.items() for alias in aliases
}

SOURCES_LINE = re.compile(r"^(?:来源|sources)\s*[:：]\s*(.*)$", re.IGNORECASE)
SOURCE_SEPARATORS = re.compile(r"[；;]")
LAB_LINE = re.compile(r"^(?:实验|lab)\s*[:：]\s*(.*)$", re.IGNORECASE)
QUOTE_LINE = re.compile(r"^(?:原文|original|quote)\s*[:：]\s*(.*)$", re.IGNORECASE)
# The three lines of a `### 文字修订` item, by the field they fill.
TEXT_FIX_LABELS: dict[str, str] = {"original": "原文", "fixed": "修正", "location": "位置"}
TEXT_FIX_LINE = re.compile(r"^(原文|修正|位置|original|fixed|location)\s*[:：]\s*(.*)$", re.IGNORECASE)
_TEXT_FIX_FIELD = {"原文": "original", "修正": "fixed", "位置": "location"}

_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_DETAILS_TAG = re.compile(r"<(/?)details\b[^>]*>", re.IGNORECASE)
_CODE_SPAN = re.compile(r"(`+).+?\1")
_LIST_ITEM = re.compile(r"^[-*+](?:[ \t]+(.*)|[ \t]*)$")


class SyntaxProblem(Exception):
    """A structural problem at a 0-based line index; the parser and writer each phrase where it is."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


def text_fix_field(label: str) -> str:
    """'original' for 原文 or Original (any case): the TextFix field a labelled line fills."""
    return _TEXT_FIX_FIELD.get(label, label.casefold())


def heading_text(line: str, level: int) -> str | None:
    """The text of an ATX heading of exactly `level` hashes, or None when the line is not one."""
    if not line.startswith("#" * level):
        return None
    rest = line[level:]
    if rest and rest[0] not in " \t":
        return None
    return rest.strip()


def section_key(line: str) -> str | None:
    """'answer' for `### 答案` or `### Answer`; None for any other line, including unknown `###` headings."""
    text = heading_text(line, 3)
    return None if text is None else _LABEL_TO_KEY.get(text.casefold())


def is_corrections_marker(line: str) -> bool:
    text = heading_text(line, 5)
    return text is not None and _LABEL_TO_KEY.get(text.casefold()) == "corrections"


def alternate_ref(line: str) -> SourceRef | None:
    """The source of an alternate answer for a `#### DOC:LINE` line; other `####` headings are content."""
    text = heading_text(line, 4)
    if not text:
        return None
    try:
        return SourceRef.parse(text)
    except ValueError:
        return None


@dataclass
class Fences:
    """Which lines of a text belong to fenced code blocks (delimiters included)."""

    fenced: set[int] = field(default_factory=set)
    info: dict[int, str] = field(default_factory=dict)  # opening line -> info string, lower-cased
    close_of: dict[int, int] = field(default_factory=dict)

    def language(self, index: int) -> str | None:
        info = self.info.get(index)
        return info.split()[0] if info else None


def scan_fences(lines: list[str], start: int = 0) -> Fences:
    """Find fenced blocks; any indentation opens one, because answers nest code blocks inside lists."""
    fences = Fences()
    index = start
    while index < len(lines):
        match = _FENCE_OPEN.match(lines[index])
        if not match or (match[1][0] == "`" and "`" in match[2]):
            index += 1
            continue
        closing = re.compile(rf"^[ \t]*{re.escape(match[1][0])}{{{len(match[1])},}}[ \t]*$")
        end = next((i for i in range(index + 1, len(lines)) if closing.match(lines[i])), None)
        if end is None:
            raise SyntaxProblem(index, "代码块没有闭合 / unclosed code fence")
        fences.info[index] = match[2].strip().lower()
        fences.close_of[index] = end
        fences.fenced.update(range(index, end + 1))
        index = end + 1
    return fences


def check_details(lines: list[str], fences: Fences, start: int = 0) -> None:
    """Every `<details>` outside code must be closed, or the rest of the page would render collapsed."""
    open_tags: list[int] = []
    for index in range(start, len(lines)):
        if index in fences.fenced:
            continue
        for match in _DETAILS_TAG.finditer(_CODE_SPAN.sub("", lines[index])):
            if not match[1]:
                open_tags.append(index)
            elif open_tags:
                open_tags.pop()
            else:
                raise SyntaxProblem(index, "多余的 </details> / </details> without an opening tag")
    if open_tags:
        raise SyntaxProblem(open_tags[0], "<details> 没有闭合 / unclosed <details>")


def opens_question(lines: list[str], index: int, fences: Fences) -> bool:
    """An `## ` line outside code whose next non-blank line opens a yaml block starts a question."""
    if index in fences.fenced or heading_text(lines[index], 2) is None:
        return False
    following = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
    return following is not None and fences.language(following) in ("yaml", "yml")


@dataclass
class ListItem:
    index: int  # 0-based line of the item marker
    first: str
    more: list[str] = field(default_factory=list)  # continuation lines, de-indented

    @property
    def text(self) -> str:
        return strip_blank_lines([self.first, *self.more])


def list_items(lines: list[str], start: int, end: int, fences: Fences) -> list[ListItem]:
    """Top-level `-`/`*`/`+` items; indented (or lazily continued) lines belong to the item above."""
    items: list[ListItem] = []
    for index in range(start, end):
        line = lines[index]
        match = None if index in fences.fenced else _LIST_ITEM.match(line)
        if match:
            items.append(ListItem(index, (match[1] or "").strip()))
        elif not line.strip():
            if items:
                items[-1].more.append("")
        elif items and (line[0] in " \t" or index in fences.fenced or items[-1].more[-1:] != [""]):
            items[-1].more.append(line[min(2, len(line) - len(line.lstrip(" "))):])
        else:
            raise SyntaxProblem(index, "此处应为列表项（- …） / expected a list item (- …)")
    return items


def strip_blank_lines(lines: list[str]) -> str:
    """Join lines, dropping blank lines around them but keeping the first line's indentation."""
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), -1)
    return "\n".join(lines[first : last + 1])


def body_problem(text: str, *, alternate: bool = False, intro: bool = False) -> str | None:
    """Why `text` cannot be written unchanged as a section body (or the bank intro), or None."""
    lines = text.split("\n")
    try:
        fences = scan_fences(lines)
        check_details(lines, fences)
    except SyntaxProblem as problem:
        return problem.message
    for index, line in enumerate(lines):
        if index in fences.fenced:
            continue
        if intro:
            # Before the first question only an H2 directly followed by a yaml block is structural.
            if opens_question(lines, index, fences):
                return f"介绍中的标题会被读成题目 / intro heading would read as a question: {line!r}"
            continue
        if heading_text(line, 2) is not None:
            return f"正文含二级标题 / body contains an H2 line: {line!r}"
        if section_key(line) is not None:
            return f"正文含小节标题 / body contains a section heading: {line!r}"
        if alternate and (alternate_ref(line) or is_corrections_marker(line)):
            return f"其他答案的正文含结构性标题 / alternate answer contains a structural heading: {line!r}"
    return None
