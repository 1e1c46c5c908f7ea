"""Line-level reading of foreign Markdown documents: fences, <details> answers, headings, labels, options.

`foreign.py` builds questions out of these pieces; everything here works on single lines or short runs of
lines and knows nothing about question structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from app.content.bank import Choice, ContentError

LabelKind = Literal["marker", "prompt", "answer", "explanation"]


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line number in the source document
    text: str
    code: bool = False  # inside a fenced code block (fence lines included)
    in_details: bool = False  # inside a <details> answer, where a "#" line is answer text, not a heading
    details_start: bool = False  # first line of a <details> answer, wrappers removed


@dataclass(frozen=True)
class Label:
    kind: LabelKind
    rest: str  # text after the label on the same line
    unclosed_bold: bool  # "**答案：text" left its bold open, so the part's closing "**" is the wrapper's
    numbered: bool = False  # a numbered marker such as **问题 2:** (Q1: numbers a pair, not a skill's questions)


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_ANCHOR_LINE = re.compile(r"^\s*<a\s+(?:id|name)\s*=\s*['\"][^'\"]*['\"]\s*>\s*(?:</a>)?\s*$", re.I)
_DETAILS_OPEN = re.compile(r"^\s*<details\b[^>]*>", re.I)
_DETAILS_TAG = re.compile(r"<(/?)details\b[^>]*>", re.I)
_SUMMARY_OPEN = re.compile(r"^\s*<summary\b", re.I)
_WRAP_LEAD = re.compile(
    r"^\s*(?:(?:<summary\b[^>]*>.*?</summary>|<p\b[^>]*>|<strong>|<b>|<br\s*/?>)\s*)+", re.I
)
_WRAP_TRAIL = re.compile(r"(?:\s*(?:</strong>|</p>|</b>|<br\s*/?>))+\s*$", re.I)
_THEMATIC_BREAK = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")

_LABEL_WORDS: dict[str, str] = {
    "marker": r"Q\s*\d*|问|问题\s*\d+|Question\s*\d+",
    "prompt": r"题目|题干|问题|Question",
    "answer": r"答案|答|参考答案|正确答案|标准答案|回答|Answer|A\s*\d*",
    "explanation": r"解析|答案解析|Explanation",
}
_LABEL = re.compile(
    r"^\s*(?P<open>\*\*|__)?\s*(?:"
    + "|".join(f"(?P<{kind}>{words})" for kind, words in _LABEL_WORDS.items())
    + r")\s*(?:(?P<close>\*\*|__)\s*[:：]|[:：]\s*(?P<close2>\*\*|__)?)\s*(?P<rest>.*?)\s*$",
    re.I,
)
# "Q1. text" and "Q2、text": a number lets a dot open a pair, where "A. text" is an option, not an answer.
_NUMBERED_Q = re.compile(
    r"^\s*(?P<open>\*\*|__)?\s*(?P<marker>Q\s*\d+)\s*(?:(?P<close>\*\*|__)\s*[.．、]|[.．、]\s*(?P<close2>\*\*|__)?)"
    r"\s*(?P<rest>\S.*?)\s*$",
    re.I,
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_DIFFICULTY = re.compile(
    r"^\s*(?:\*\*)?[^:：\n]{0,8}(?:难度|difficulty)[^:：\n]{0,8}[:：]\s*(?:\*\*)?\s*(\d{1,2})\s*(?:/\s*10)?"
    r"\s*(?:\*\*)?\s*$",
    re.I,
)

_NUMBERING = re.compile(
    r"^(?:[(（]?\d{1,3}(?:\.\d{1,3})*(?:[\.、．:：)）](?!\d)\s*|\s+)|[一二三四五六七八九十]+[、.．]\s*|Q\d+[\.:：、]?\s*|(?:Q|问)\s*[:：]\s*)"
)
_NUMBERED_KIND = re.compile(r"^[\u4e00-\u9fff]{0,8}?(?:问题|题)\s*\d+\s*[:：]\s*")
_TITLE_PREFIX = re.compile(r"^(?:标题|title)\s*[:：]\s*", re.I)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_EMPHASIS = re.compile(r"\*\*|__|`")

_OPTION = re.compile(r"^\s*(?:[-*+]\s+)?(?:[(（]([A-H])[)）]|([A-H])[\.．、)）])\s*(\S.*?)\s*$")
_TASK = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s+(\S.*?)\s*$")
_QUOTE = re.compile(r"^\s*>\s?")
_LETTERS = re.compile(
    r"^\s*(?:\*\*)?\s*(?:选|选择)?\s*[(（]?"
    r"(?P<list>[A-H](?:\s*[,，、/&和及与]\s*[A-H])*|[A-H]{2,})"
    r"[)）]?(?=$|[\.．、)）:：,，;；。*\s])(?!\s+[a-z])"
)


def fence_mask(raw: list[str]) -> tuple[list[bool], int | None]:
    """Which lines belong to fenced code; also the 1-based line of a fence left open, if any."""
    mask: list[bool] = []
    opened: str | None = None
    opened_at: int | None = None
    for index, text in enumerate(raw):
        match = _FENCE.match(text)
        if opened is None:
            # A backtick in a ``` line's info string makes it inline code, not a fence (CommonMark).
            if match is not None and not (match.group(1)[0] == "`" and "`" in match.group(2)):
                opened, opened_at = match.group(1), index + 1
            mask.append(opened is not None)
            continue
        mask.append(True)
        if match and match.group(1)[0] == opened[0] and len(match.group(1)) >= len(opened):
            if not match.group(2).strip():
                opened, opened_at = None, None
    return mask, opened_at


def scan_lines(text: str, file: str | Path) -> tuple[list[Line], int | None]:
    """Number the lines, mark code, unwrap <details> answers and drop bare HTML anchors."""
    raw = text.split("\n")
    code, open_fence = fence_mask(raw)
    lines: list[Line] = []
    index = 0
    while index < len(raw):
        if not code[index] and _DETAILS_OPEN.match(raw[index]):
            block, index = _take_details(raw, code, index, file)
            lines.extend(block)
            continue
        if code[index] or not _ANCHOR_LINE.match(raw[index]):
            lines.append(Line(index + 1, raw[index], code[index]))
        index += 1
    return lines, open_fence


def _take_details(raw: list[str], code: list[bool], start: int, file: str | Path) -> tuple[list[Line], int]:
    """The content of the <details> block opening at `start`, and the index just after its closing tag."""
    depth, texts = 0, list[str]()
    for index in range(start, len(raw)):
        text, kept_from = raw[index], 0
        for tag in [] if code[index] else _DETAILS_TAG.finditer(text):
            if not tag.group(1):
                depth += 1
                kept_from = tag.end() if depth == 1 else kept_from
                continue
            depth -= 1
            if depth == 0:
                texts.append(text[kept_from : tag.start()])
                block = [
                    Line(start + 1 + n, body, code[start + n], in_details=True)
                    for n, body in enumerate(texts)
                ]
                return _strip_wrappers(block), index + 1
        texts.append(text[kept_from:])
    raise ContentError(file, start + 1, "未闭合的 <details> / unclosed <details>: no </details> follows")


def _strip_wrappers(block: list[Line]) -> list[Line]:
    """Remove <summary>, <p> and <strong> wrappers around the answer and mark where the answer starts."""
    lines = list(block)
    in_summary = False
    for index, line in enumerate(lines):
        if line.code:
            break
        text = line.text
        if in_summary or _SUMMARY_OPEN.match(text):
            closing = re.split(r"</summary>", text, maxsplit=1, flags=re.I)
            in_summary = len(closing) == 1
            text = "" if in_summary else closing[1]
        text = _WRAP_LEAD.sub("", text)
        lines[index] = replace(line, text=text)
        if text.strip():
            break
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].code:
            break
        text = _WRAP_TRAIL.sub("", lines[index].text)
        lines[index] = replace(lines[index], text=text)
        if text.strip():
            break
    for index, line in enumerate(lines):
        if line.text.strip():
            lines[index] = replace(line, details_start=True)
            break
    return lines


def heading_of(line: Line) -> tuple[int, str] | None:
    """(level, text) when the line is an ATX heading outside code."""
    if line.code or line.in_details:
        return None
    match = _HEADING.match(line.text)
    if not match or not match.group(2).strip():
        return None
    return len(match.group(1)), match.group(2).strip()


def match_label(text: str) -> Label | None:
    """A label such as **答案：**, 答案:, **解析**：, Q:, Q1. or **问：…** at the start of a line."""
    match = _LABEL.match(text) or _NUMBERED_Q.match(text)
    item = None if match else _LIST_ITEM.match(text)
    if item is not None:
        match = _LABEL.match(text[item.end() :]) or _NUMBERED_Q.match(text[item.end() :])
    if not match:
        return None
    kinds: tuple[LabelKind, ...] = ("marker", "prompt", "answer", "explanation")
    kind = next(k for k in kinds if match.re.groupindex.get(k) and match.group(k))
    if item is not None and kind not in ("marker", "answer"):
        return None  # "- 问题：…" in a list is a point of an answer; "- Q: …" / "1. 答：…" still pair up
    rest = match.group("rest")
    opened = match.group("open")
    unclosed = bool(opened) and not (match.group("close") or match.group("close2"))
    if unclosed and rest.endswith(opened) and rest.count(opened) % 2:
        rest, unclosed = rest[: -len(opened)].rstrip(), False  # **问：text** wraps the whole line
    marker = match.group("marker") if kind == "marker" else ""
    numbered = marker[:1].upper() != "Q" and any(char.isdigit() for char in marker)
    return Label(kind=kind, rest=rest, unclosed_bold=unclosed, numbered=numbered)


def difficulty_of(text: str) -> int | None:
    """The 1-10 rating of a line like **技能难度评分:** 2/10, else None."""
    match = _DIFFICULTY.match(text)
    if not match:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= 10 else None


def is_noise(line: Line) -> bool:
    """Blank lines and --- separators around a body carry no content."""
    return not line.code and (not line.text.strip() or bool(_THEMATIC_BREAK.match(line.text)))


def block_text(lines: list[Line]) -> str:
    """Markdown text of a run of lines, trimmed of blank lines and separators at both ends."""
    start, end = 0, len(lines)
    while start < end and is_noise(lines[start]):
        start += 1
    while end > start and is_noise(lines[end - 1]):
        end -= 1
    return "\n".join(line.text.rstrip() for line in lines[start:end])


def plain_text(markdown: str) -> str:
    """Inline Markdown reduced to plain text, for titles."""
    text = _LINK.sub(r"\1", markdown)
    text = _HTML_TAG.sub("", text)
    return re.sub(r"\s+", " ", _EMPHASIS.sub("", text)).strip()


def clean_heading(text: str) -> str:
    """A heading's plain text without numbering ("1. ", "2.1 典型问题1：") or a "标题：" prefix."""
    text = plain_text(text)
    text = _NUMBERING.sub("", text, count=1)
    text = _NUMBERED_KIND.sub("", text, count=1)
    return _TITLE_PREFIX.sub("", text, count=1).strip()


def unquote(lines: list[Line]) -> list[Line]:
    """Drop the > markers of a block quote when the whole block is quoted."""
    body = [line for line in lines if line.text.strip()]
    if not body or any(line.code or not _QUOTE.match(line.text) for line in body):
        return lines
    return [replace(line, text=_QUOTE.sub("", line.text, count=1)) for line in lines]


def split_options(lines: list[Line]) -> tuple[list[Line], list[Choice]]:
    """Separate A./B./(C)/D、 or task-list options from the question text around them."""
    tasks = [(i, _TASK.match(line.text)) for i, line in enumerate(lines) if not line.code]
    task_hits = [(i, m) for i, m in tasks if m]
    if len(task_hits) >= 2:
        choices = [
            Choice(chr(ord("A") + n), match.group(2), match.group(1) != " ")
            for n, (_, match) in enumerate(task_hits)
        ]
        used = {i for i, _ in task_hits}
        return [line for i, line in enumerate(lines) if i not in used], choices
    hits: list[tuple[int, str, str]] = []
    for index, line in enumerate(lines):
        match = None if line.code else _OPTION.match(line.text)
        if match and (match.group(1) or match.group(2)) == chr(ord("A") + len(hits)):
            hits.append((index, match.group(1) or match.group(2), match.group(3)))
    if len(hits) < 2:
        return lines, []
    used = {index for index, _, _ in hits}
    return [line for i, line in enumerate(lines) if i not in used], [Choice(lb, tx) for _, lb, tx in hits]


def answer_letters(text: str, labels: set[str]) -> tuple[list[str], str]:
    """The option letters an answer starts with ("B. ...", "A、C", "AC") and the text after them.

    No letters when any of them names no option, so prose that happens to start with a capital stays prose.
    """
    match = _LETTERS.match(text)
    letters = re.findall(r"[A-H]", match.group("list")) if match else []
    if not match or not set(letters) <= labels:
        return [], text
    return letters, text[match.end() :]
