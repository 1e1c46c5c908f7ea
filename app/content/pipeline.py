"""From paths on disk to a checked, merged and tagged set of questions, ready to load or to write as banks."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.content.bank import ContentError, ContentWarning, ParsedBank, ParsedQuestion, read_text_checked
from app.content.canonical import is_canonical, parse_bank
from app.content.concepts import ConceptCatalogue, infer_topic, load_concepts, tag_question
from app.content.foreign import parse_foreign
from app.content.merge import merge_questions

CONCEPTS_FILE = "concepts.yaml"
BANKS_DIR = "banks"
DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass
class Content:
    """Everything one import reads: banks, their merged questions and the concept catalogue."""

    banks: list[ParsedBank]
    questions: list[tuple[ParsedBank, ParsedQuestion]]
    catalogue: ConceptCatalogue
    warnings: list[ContentWarning] = field(default_factory=list)

    def bank_of(self, question_id: str) -> ParsedBank:
        return next(bank for bank, question in self.questions if question.id == question_id)


def find_files(paths: Sequence[Path]) -> tuple[list[Path], Path | None]:
    """Expand paths into bank/document files; a content root (a folder with banks/) means its banks."""
    files: list[Path] = []
    concepts: Path | None = None
    for path in paths:
        if not path.exists():
            raise ContentError(path, None, "路径不存在 / no such file or directory")
        if path.is_dir() and (path / BANKS_DIR).is_dir():
            concepts = concepts or _existing(path / CONCEPTS_FILE)
            path = path / BANKS_DIR
        if path.is_dir():
            concepts = concepts or _existing(path / CONCEPTS_FILE)
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in DOCUMENT_SUFFIXES
                                and p.name.lower() != "readme.md"))
        else:
            files.append(path)
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return unique, concepts


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def parse_file(path: Path) -> ParsedBank:
    text = read_text_checked(path)
    if is_canonical(text):
        return parse_bank(path, text)
    bank = parse_foreign(path, text)
    bank.slug = slugify(path.stem)
    return bank


def slugify(name: str) -> str:
    """A bank id from a file name: lower-case ASCII letters, digits and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    if slug and name.isascii():
        return slug
    # Names in other scripts keep a readable prefix (if any) and a digest so that two never collide.
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"bank-{digest}"


def load_content(paths: Sequence[Path], *, concepts_path: Path) -> Content:
    """Parse, merge, tag and check; raise ContentError on the first problem, naming file and line."""
    files, found_concepts = find_files(paths)
    catalogue = load_concepts(found_concepts or concepts_path)
    banks = [parse_file(path) for path in files]
    _check_bank_slugs(banks)
    merged = merge_questions(banks)
    for _bank, question in merged:
        question.concepts = tag_question(question, catalogue)
        question.topic = question.topic or infer_topic(question.concepts, catalogue)
    _check_unique_ids(question for _bank, question in merged)
    warnings = [warning for bank in banks for warning in bank.warnings]
    return Content(banks=banks, questions=merged, catalogue=catalogue, warnings=warnings)


def _check_bank_slugs(banks: Iterable[ParsedBank]) -> None:
    seen: dict[str, ParsedBank] = {}
    for bank in banks:
        if bank.slug in seen:
            raise ContentError(bank.path, 1, f"题库 id 重复：{bank.slug}（已见于 {seen[bank.slug].path.name}）"
                                             f" / duplicate bank id {bank.slug!r}")
        seen[bank.slug] = bank


def _check_unique_ids(questions: Iterable[ParsedQuestion]) -> None:
    seen: dict[str, ParsedQuestion] = {}
    for question in questions:
        question_id = question.ensure_id()
        if question_id in seen:
            first = seen[question_id]
            raise ContentError(
                question.file, question.line,
                f"题目 id 重复：{question_id}（首次出现于 {Path(first.file).name}:{first.line}）"
                f" / duplicate question id {question_id!r}",
            )
        seen[question_id] = question
