"""Write canonical banks (content/banks/*.md) from foreign documents: parsed, merged and tagged."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.content.bank import ParsedBank
from app.content.canonical import write_bank
from app.content.pipeline import load_content


def convert_documents(documents: Sequence[Path], out_dir: Path, *, concepts_path: Path) -> list[Path]:
    """One canonical bank per input document, holding the questions that document asked first."""
    content = load_content(documents, concepts_path=concepts_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for bank in content.banks:
        questions = [question for owner, question in content.questions if owner is bank]
        for question in questions:
            # A canonical MCQ needs its 解析; one whose document gave only the letter is flagged for an editor.
            if question.kind == "mcq" and not question.explanation.strip():
                question.unanswered = True
        converted = ParsedBank(
            path=out_dir / f"{bank.slug}.md", slug=bank.slug, title=bank.title, questions=questions,
            description=bank.description or f"由 {bank.path.name} 转换 / converted from {bank.path.name}",
            canonical=True,
        )
        converted.path.write_text(write_bank(converted), encoding="utf-8")
        written.append(converted.path)
    return written
