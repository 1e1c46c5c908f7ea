"""The in-memory shape of a question bank, shared by every parser, the merger, the writer and the loader."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

QuestionKind = Literal["mcq", "open", "code"]
KINDS: tuple[str, ...] = ("mcq", "open", "code")

MAX_BANK_BYTES = 10 * 1024 * 1024


class ContentError(Exception):
    """A problem in a bank or document, located by file and line, that stops an import."""

    def __init__(self, file: str | Path, line: int | None, problem: str) -> None:
        self.file = str(file)
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.problem}"


@dataclass(frozen=True)
class ContentWarning:
    """Something worth telling the user that does not stop the import (e.g. an unanswered question)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class SourceRef:
    """Where a question (or one of its answers) was read: a document's file name and a 1-based line."""

    document: str
    line: int

    def __str__(self) -> str:
        return f"{self.document}:{self.line}"

    @classmethod
    def parse(cls, text: str) -> SourceRef:
        document, _, line = text.strip().rpartition(":")
        if not document or not line.isdigit():
            raise ValueError(f"not a source reference (expected DOCUMENT:LINE): {text!r}")
        return cls(document=document, line=int(line))


@dataclass
class Choice:
    label: str  # "A", "B", ...
    text: str
    correct: bool = False


@dataclass
class Correction:
    """What an original answer got wrong and what is right; sources name papers, docs or code."""

    text: str
    sources: list[str] = field(default_factory=list)
    lab: str | None = None  # a registered lab id whose measurements back the correction
    quote: str | None = None  # the wrong claim, quoted verbatim from the answer it corrects
    line: int | None = field(default=None, compare=False)  # 1-based line in its bank, for error messages


@dataclass
class TextFix:
    """A corrupted line of a source document and its repaired text; the location finds the original line."""

    original: str
    fixed: str
    location: SourceRef


@dataclass
class Alternate:
    """Another document's answer to a merged question, kept beside the shown answer."""

    answer: str
    source: SourceRef
    corrections: list[Correction] = field(default_factory=list)


@dataclass
class ParsedQuestion:
    kind: QuestionKind
    title: str  # short heading text shown in lists
    prompt: str  # the full question, Markdown
    answer: str  # the document's (or author's) own answer, Markdown ("" only when unanswered)
    file: str  # file it was read from (for error messages)
    line: int  # 1-based line of the question in that file
    id: str | None = None  # explicit id; None until derived
    explanation: str = ""  # the document's (or author's) own explanation
    # PrepLab's model answer and the references behind it; when present it is the answer PrepLab shows,
    # and `answer`/`explanation` are kept as the document's original, shown only as a source.
    model_answer: str = ""
    references: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    difficulty: int | None = None  # 1-10
    topic: str | None = None
    skill: str | None = None
    concepts: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    alternates: list[Alternate] = field(default_factory=list)
    text_fixes: list[TextFix] = field(default_factory=list)
    unanswered: bool = False

    @property
    def shown_answer(self) -> str:
        return self.model_answer or self.answer

    @property
    def shown_explanation(self) -> str:
        return "" if self.model_answer else self.explanation

    def ensure_id(self) -> str:
        if not self.id:
            self.id = derive_question_id(self.prompt or self.title)
        return self.id


@dataclass
class ParsedBank:
    """One file's worth of questions: a canonical bank or a foreign document."""

    path: Path
    slug: str  # bank id, from front matter or the file stem
    title: str
    questions: list[ParsedQuestion] = field(default_factory=list)
    description: str = ""
    canonical: bool = False
    warnings: list[ContentWarning] = field(default_factory=list)


_PUNCT_OR_SPACE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_prompt(text: str) -> str:
    """Fold width, case, Markdown markers, punctuation and spacing so trivial edits give the same key."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"`{3}.*?`{3}", " ", text, flags=re.S)  # code blocks do not identify a question
    return _PUNCT_OR_SPACE.sub("", text)


_EMPHASIS_OR_SPACE = re.compile(r"[\s*`]+")


def quote_key(text: str) -> str:
    """Text folded for finding a quoted claim: width-folded, emphasis markers and whitespace dropped."""
    return _EMPHASIS_OR_SPACE.sub("", unicodedata.normalize("NFKC", text))


def derive_question_id(prompt: str) -> str:
    """A stable id from the normalised prompt: 'q-' and 10 hex digits of its SHA-1."""
    digest = hashlib.sha1(normalise_prompt(prompt).encode("utf-8")).hexdigest()
    return f"q-{digest[:10]}"


def read_text_checked(path: Path) -> str:
    """Read a bank or document as UTF-8, refusing oversized files and invalid bytes with a located error."""
    return decode_checked(path, read_bytes_checked(path))


def read_bytes_checked(path: Path) -> bytes:
    """A bank's or document's bytes, refusing an oversized file with an error naming it."""
    size = path.stat().st_size
    if size > MAX_BANK_BYTES:
        raise ContentError(path, None, f"file is {size} bytes, over the {MAX_BANK_BYTES} byte limit")
    return path.read_bytes()


def decode_checked(path: Path, data: bytes) -> str:
    """`data`, read from `path`, as text: UTF-8 (invalid bytes are an error at their line), BOM dropped, newlines
    made \\n."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(path, line, f"invalid UTF-8 (byte 0x{data[exc.start]:02x})") from exc
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
