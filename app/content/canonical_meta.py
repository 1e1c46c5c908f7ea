"""The YAML parts of a canonical bank: the front matter and each question's metadata block.

Both are strict: an unknown key is an error, because a misspelt `difficulty` or `concepts` would otherwise
vanish without a trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.content.bank import KINDS, ContentError, QuestionKind, SourceRef
from app.yaml_loader import SAFE_LOADER

FORMAT_VERSION = 1
SLUG = re.compile(r"[a-z0-9-]+")
QUESTION_ID = re.compile(r"[A-Za-z0-9_.-]+")
FRONT_MATTER_KEYS = ("preplab", "bank", "title", "description", "documents")
METADATA_KEYS = ("id", "kind", "difficulty", "topic", "skill", "concepts", "sources", "multiple", "unanswered")


@dataclass
class FrontMatter:
    bank: str
    title: str
    description: str = ""
    documents: list[str] = field(default_factory=list)


@dataclass
class Metadata:
    id: str
    kind: QuestionKind
    difficulty: int | None = None
    topic: str | None = None
    skill: str | None = None
    concepts: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    multiple: bool = False  # a multi-select MCQ: more than one option is correct
    unanswered: bool = False


@dataclass
class _Mapping:
    """A loaded YAML mapping with the 0-based file line of each key and of each item of list values."""

    path: Path
    data: dict[str, Any]
    key_line: dict[str, int]
    item_lines: dict[str, list[int]]
    anchor: int  # line to blame for a missing key

    def error(self, key: str | None, problem: str, item: int | None = None) -> ContentError:
        line = self.key_line.get(key, self.anchor) if key else self.anchor
        if key and item is not None and item < len(self.item_lines.get(key, [])):
            line = self.item_lines[key][item]
        return ContentError(self.path, line + 1, problem)

    def unknown_keys(self, allowed: tuple[str, ...], what: str) -> None:
        for key in self.data:
            if key not in allowed:
                known = ", ".join(allowed)
                raise self.error(key, f"{what}中有未知的键 {key!r} / unknown key; known: {known}")

    def optional_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.error(key, f"{key} 必须是文本 / {key} must be text")
        return value.strip() or None

    def text_list(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"{key} 必须是列表 / {key} must be a list")
        for number, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(key, f"{key} 的每一项必须是非空文本 / {key} items must be text", number)
        return [item.strip() for item in value]


def front_matter_end(lines: list[str]) -> int | None:
    """Index of the line closing the front matter, or None when the text has none."""
    if not lines or lines[0].rstrip() != "---":
        return None
    return next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)


def read_front_matter(path: Path, lines: list[str]) -> tuple[FrontMatter, int]:
    """The validated front matter and the index of the first body line."""
    end = front_matter_end(lines)
    if not lines or lines[0].rstrip() != "---":
        raise ContentError(path, 1, "缺少 front matter（文件应以 --- 开头） / missing front matter")
    if end is None:
        raise ContentError(path, 1, "front matter 没有闭合的 --- / unclosed front matter")
    fm = _load_mapping(path, lines, 1, end, anchor=0, what=("front matter", "front matter"))
    fm.unknown_keys(FRONT_MATTER_KEYS, "front matter ")
    for key in ("preplab", "bank", "title"):
        if fm.data.get(key) in (None, ""):
            raise fm.error(None, f"front matter 缺少 {key} / front matter lacks `{key}`")
    version = fm.data["preplab"]
    if isinstance(version, bool) or version != FORMAT_VERSION:
        raise fm.error("preplab", f"不支持的格式版本 {version!r}（应为 1） / unsupported format version")
    bank = fm.data["bank"]
    if not isinstance(bank, str) or not SLUG.fullmatch(bank):
        raise fm.error("bank", f"bank 须为小写字母、数字和 -：{bank!r} / bank must match [a-z0-9-]+")
    title = fm.optional_text("title")
    if not title:
        raise fm.error("title", "title 不能为空 / title must not be empty")
    front = FrontMatter(bank=bank, title=title, description=fm.optional_text("description") or "",
                        documents=fm.text_list("documents"))
    return front, end + 1


def read_metadata(path: Path, lines: list[str], fence: int, close: int, heading: int) -> Metadata:
    """Validate the yaml block between lines `fence` and `close` of the question headed at `heading`."""
    meta = _load_mapping(path, lines, fence + 1, close, anchor=fence, what=("元数据块", "metadata block"))
    meta.anchor = heading
    meta.unknown_keys(METADATA_KEYS, "元数据")
    question_id = meta.data.get("id")
    if question_id in (None, ""):
        raise meta.error(None, "缺少 id / missing id")
    if not isinstance(question_id, str) or not QUESTION_ID.fullmatch(question_id):
        raise meta.error("id", f"id 只能含字母、数字和 _ . -（必要时加引号）：{question_id!r} / bad id")
    kind = meta.data.get("kind")
    if kind not in KINDS:
        raise meta.error("kind" if "kind" in meta.data else None,
                         f"kind 须为 {' | '.join(KINDS)}：{kind!r} / kind must be one of {', '.join(KINDS)}")
    flags = {key: meta.data.get(key, False) for key in ("multiple", "unanswered")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise meta.error(key, f"{key} 须为 true 或 false / {key} must be true or false")
    return Metadata(
        id=question_id, kind=kind, difficulty=_difficulty(meta), topic=meta.optional_text("topic"),
        skill=meta.optional_text("skill"), concepts=meta.text_list("concepts"), sources=_sources(meta),
        multiple=flags["multiple"], unanswered=flags["unanswered"],
    )


def _difficulty(meta: _Mapping) -> int | None:
    value = meta.data.get("difficulty")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise meta.error("difficulty", f"difficulty 须为 1 到 10 的整数：{value!r} / difficulty must be 1-10")
    return value


def _sources(meta: _Mapping) -> list[SourceRef]:
    refs = []
    for number, text in enumerate(meta.text_list("sources")):
        try:
            refs.append(SourceRef.parse(text))
        except ValueError:
            raise meta.error("sources", f"来源须写成 文档:行号：{text!r} / source must be DOCUMENT:LINE",
                             number) from None
    return refs


def _compose_and_load(text: str) -> tuple[Any, Any]:
    """The document's node (its marks give line numbers) and its value, from one parse of the text."""
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _load_mapping(path: Path, lines: list[str], start: int, end: int, *, anchor: int,
                  what: tuple[str, str]) -> _Mapping:
    """Load lines[start:end] as a YAML mapping, reporting errors at their line in the file."""
    text = "\n".join(lines[start:end])
    try:
        node, data = _compose_and_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = start + (mark.line if mark else 0)
        problem = getattr(exc, "problem", None) or exc
        raise ContentError(path, line + 1, f"{what[0]}不是有效的 YAML / {what[1]} is not valid YAML: "
                                           f"{problem}") from None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise ContentError(path, anchor + 1, f"{what[0]}必须是键值映射 / {what[1]} must be a mapping")
    key_line: dict[str, int] = {}
    item_lines: dict[str, list[int]] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if key in key_line:
            raise ContentError(path, start + key_node.start_mark.line + 1, f"键重复：{key} / duplicate key")
        key_line[key] = start + key_node.start_mark.line
        if isinstance(value_node, yaml.SequenceNode):
            item_lines[key] = [start + item.start_mark.line for item in value_node.value]
    return _Mapping(path, {str(k): v for k, v in data.items()}, key_line, item_lines, anchor)
