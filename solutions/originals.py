"""The coding questions of the banks and the document's original snippet of each, read from content/banks/.

This reads the banks with the importer's own parser (`app.content.canonical.parse_bank`), so the snippet run
here is exactly the code the question page shows. That module is plain Python over PyYAML (no FastAPI, no
database), and only this module of `solutions` imports it; the solution modules themselves never import `app`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from app.content.canonical import parse_bank
from solutions.registry import PACKAGE_DIR

BANKS_DIR = PACKAGE_DIR.parent / "content" / "banks"
PYTHON_FENCES = {"python", "py", "python3"}


class SnippetNotFound(LookupError):
    pass


@dataclass(frozen=True)
class CodeQuestion:
    question_id: str
    title: str
    answer: str  # Markdown
    bank: str  # file name


def code_questions(banks_dir: Path = BANKS_DIR) -> list[CodeQuestion]:
    """Every `kind: code` question of the banks, in file order."""
    found = []
    for path in sorted(banks_dir.glob("*.md")):
        if "kind: code" not in path.read_text(encoding="utf-8"):
            continue  # parsing the 300 KB bank costs more than this look
        for question in parse_bank(path).questions:
            if question.kind == "code":
                found.append(CodeQuestion(question.ensure_id(), question.title, question.answer, path.name))
    return found


def first_python_block(markdown: str) -> str | None:
    """The code of the first fenced block tagged python, as the Markdown renderer sees it."""
    for token in MarkdownIt("commonmark").parse(markdown):
        language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
        if token.type == "fence" and language in PYTHON_FENCES:
            return token.content
    return None


def original_snippet(question_id: str, banks_dir: Path = BANKS_DIR) -> str:
    for question in code_questions(banks_dir):
        if question.question_id == question_id:
            code = first_python_block(question.answer)
            if code is None:
                raise SnippetNotFound(f"{question.bank}: the answer of {question_id} has no ```python block")
            return code
    raise SnippetNotFound(f"no kind: code question {question_id} in {banks_dir}")
