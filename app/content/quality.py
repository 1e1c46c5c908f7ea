"""Text-quality checks for bank content: mixed-script corruption and unbalanced Markdown emphasis.

    python -m app.content.quality [content/banks/*.md]     # prints file:line: problem, exits 1 if any

Used by the content check in the test suite; the originals recorded in `### 文字修订` are not checked
(they are the corrupted text, kept so that the source line can still be found).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

from app.content.bank import ParsedQuestion
from app.content.canonical import parse_bank

# Scripts that never belong in PrepLab's Chinese/English text (Greek is fine: ψ, σ, α in formulas).
_FOREIGN_SCRIPT = re.compile(
    "[\u0400-\u052f"  # Cyrillic
    "\u0530-\u058f"  # Armenian
    "\u0590-\u05ff"  # Hebrew
    "\u0600-\u06ff"  # Arabic
    "\u0e00-\u0e7f"  # Thai
    "\u1100-\u11ff\uac00-\ud7af"  # Hangul
    "\u3040-\u30ff"  # Japanese kana
    "\ufffd"  # replacement character: bytes lost in a decode
    "\u0000-\u0008\u000b\u000c\u000e-\u001f"  # control characters
    "]")
# UTF-8 read as Latin-1/CP-1252: "â€™", "Ã©", "ï¼Œ"
_MOJIBAKE = re.compile("(?:â€|Ã[\u0080-\u00bf]|ï¼|ã€)")
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_EMPHASIS_RUN = re.compile(r"\*\*|__|~~")


@dataclass(frozen=True)
class TextProblem:
    field: str  # "answer", "choice B", "alternate 001_x.txt:12", ...
    line: int  # 1-based line within that field's text
    problem: str

    def __str__(self) -> str:
        return f"{self.field}, line {self.line}: {self.problem}"


def text_problems(text: str, field: str) -> list[TextProblem]:
    """Mixed-script corruption anywhere (code included) and emphasis markers that CommonMark leaves as text."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for match in _FOREIGN_SCRIPT.finditer(line):
            snippet = line[max(0, match.start() - 12):match.end() + 12]
            problems.append(TextProblem(field, number, f"混入异常字符 U+{ord(match.group()):04X} / foreign-script "
                                                        f"character in “{snippet}”"))
        for match in _MOJIBAKE.finditer(line):
            problems.append(TextProblem(field, number, f"疑似乱码 / mojibake “{match.group()}”"))
    for token in _MARKDOWN.parse(text):
        if token.type != "inline" or not token.children:
            continue
        line_number = token.map[0] + 1 if token.map else 1
        for child in token.children:
            # a `**` that CommonMark leaves as text is emphasis that does not render: unbalanced, or not
            # left/right-flanking (e.g. "通过**词元化（Tokenization）**技术")
            if child.type == "text" and _EMPHASIS_RUN.search(child.content):
                snippet = child.content.strip()[:60]
                problems.append(TextProblem(field, line_number,
                                            f"Markdown 强调标记未生效 / emphasis marker left as text in “{snippet}”"))
    return problems


def question_texts(question: ParsedQuestion) -> Iterator[tuple[str, str]]:
    """Every piece of text a learner is shown for a question, with a field name."""
    yield "title", question.title
    yield "prompt", question.prompt
    yield "model answer", question.model_answer
    for index, reference in enumerate(question.references, 1):
        yield f"reference {index}", reference
    yield "answer", question.answer
    yield "explanation", question.explanation
    for choice in question.choices:
        yield f"choice {choice.label}", choice.text
    for index, point in enumerate(question.key_points, 1):
        yield f"key point {index}", point
    for index, correction in enumerate(question.corrections, 1):
        yield f"correction {index}", correction.text
    for alternate in question.alternates:
        yield f"alternate {alternate.source}", alternate.answer
        for index, correction in enumerate(alternate.corrections, 1):
            yield f"alternate {alternate.source} correction {index}", correction.text
    for index, fix in enumerate(question.text_fixes, 1):
        yield f"text fix {index} (fixed)", fix.fixed


def bank_problems(path: Path) -> list[str]:
    """`file:line (question id): field, line n: problem` for every problem in one canonical bank."""
    bank = parse_bank(path)
    found = []
    for question in bank.questions:
        for field, text in question_texts(question):
            for problem in text_problems(text, field):
                found.append(f"{path.name}:{question.line} ({question.id}): {problem}")
    return found


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or sorted(Path("content/banks").glob("*.md"))
    problems = [problem for path in paths for problem in bank_problems(path)]
    for problem in problems:
        sys.stdout.write(problem + "\n")
    sys.stdout.write(f"{len(problems)} problem(s)\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
