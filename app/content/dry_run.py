"""`import --dry-run` and `convert --dry-run`: what would become a question, read but never written.

Both run the same reading as the real command (`load_content`: parse, merge, tag, check), so a listing
shows what the command would do and fails where it would fail, with file and line. Neither opens the
database nor creates a file or a folder.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.content.bank import ContentWarning, ParsedQuestion
from app.content.foreign_blocks import plain_text
from app.content.pipeline import Content, load_content

PROMPT_CHARS = 40


@dataclass(frozen=True)
class PlannedQuestion:
    """One question the command would write, where it was read and how far it is done."""

    file: str
    line: int
    kind: str
    prompt_start: str  # the prompt's first words, plain text, at most PROMPT_CHARS characters
    answered: bool


@dataclass
class Plan:
    questions: list[PlannedQuestion]
    files: int  # documents and banks read
    merged: int  # occurrences folded into a question read earlier (the same question asked twice)
    warnings: list[ContentWarning] = field(default_factory=list)
    outputs: list[tuple[Path, int]] = field(default_factory=list)  # convert: bank file, questions in it

    @property
    def kinds(self) -> Counter[str]:
        return Counter(question.kind for question in self.questions)

    @property
    def unanswered(self) -> int:
        return sum(not question.answered for question in self.questions)


def plan_import(paths: Sequence[Path], *, concepts_path: Path) -> Plan:
    """The questions `preplab import PATH…` would load, in the order it would load them."""
    content = load_content(paths, concepts_path=concepts_path)
    return _plan(content, [(question, not question.unanswered) for _bank, question in content.questions])


def plan_convert(documents: Sequence[Path], *, concepts_path: Path, out_dir: Path | None) -> Plan:
    """The questions `preplab convert DOC… -o DIR` would write, bank by bank, and the files it would write."""
    content = load_content(documents, concepts_path=concepts_path)
    plan = _plan(content, [(question, not _left_to_an_editor(question)) for _bank, question in content.questions])
    if out_dir is not None:
        plan.outputs = [
            (out_dir / f"{bank.slug}.md", sum(owner is bank for owner, _question in content.questions))
            for bank in content.banks
        ]
    return plan


def _left_to_an_editor(question: ParsedQuestion) -> bool:
    # convert_documents flags a multiple-choice question without its 解析 for an editor; so does the listing.
    return question.unanswered or (question.kind == "mcq" and not question.explanation.strip())


def _plan(content: Content, questions: list[tuple[ParsedQuestion, bool]]) -> Plan:
    read = sum(len(bank.questions) for bank in content.banks)
    planned = [
        PlannedQuestion(question.file, question.line, question.kind, prompt_start(question), answered)
        for question, answered in questions
    ]
    return Plan(questions=planned, files=len(content.banks), merged=read - len(planned), warnings=content.warnings)


def prompt_start(question: ParsedQuestion) -> str:
    first = next((line for line in question.prompt.splitlines() if line.strip()), question.title)
    text = plain_text(first)
    return text if len(text) <= PROMPT_CHARS else text[: PROMPT_CHARS - 1].rstrip() + "…"


def listing(plan: Plan, *, convert: bool, cwd: Path | None = None) -> list[str]:
    """The lines a dry run prints: one per question, the files convert would write, then a summary."""
    cwd = cwd or Path.cwd()
    width = max((len(_where(q, cwd)) for q in plan.questions), default=0)
    lines = [
        f"{_where(q, cwd):<{width}}  {q.kind:<4}  {'已答 answered  ' if q.answered else '未答 unanswered'}  "
        f"{q.prompt_start}"
        for q in plan.questions
    ]
    for path, count in plan.outputs:
        lines.append(f"将写入 / would write: {_shown(path, cwd)}（{count} 题 / questions）")
    lines.append(_summary(plan, convert=convert))
    return lines


def _summary(plan: Plan, *, convert: bool) -> str:
    total, unanswered, files, merged = len(plan.questions), plan.unanswered, plan.files, plan.merged
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(plan.kinds.items())) or "-"
    if convert:
        return (
            f"试运行：将转换 {total} 题（{kinds}），其中 {unanswered} 题待补答案；读取 {files} 个文件，"
            f"合并重复 {merged} 处；未写入任何文件。 / dry run: {total} questions would be converted ({kinds}), "
            f"{unanswered} left for an editor to answer; {files} file(s) read, {merged} duplicate(s) merged; "
            "no file was written."
        )
    return (
        f"试运行：将导入 {total} 题（{kinds}），其中 {unanswered} 题无答案；读取 {files} 个文件，"
        f"合并重复 {merged} 处；未改动数据库。 / dry run: {total} questions would be imported ({kinds}), "
        f"{unanswered} unanswered; {files} file(s) read, {merged} duplicate(s) merged; the database was not touched."
    )


def _where(question: PlannedQuestion, cwd: Path) -> str:
    return f"{_shown(Path(question.file), cwd)}:{question.line}"


def _shown(path: Path, cwd: Path) -> str:
    """A path relative to the working folder where it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(cwd.resolve()))
    except ValueError:
        return str(path)
