"""Content use cases over a database: import paths in one transaction, list banks with their counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

from app.caches import content_changed
from app.content.importer import ImportReport, import_content
from app.content.pipeline import CONCEPTS_FILE, load_content
from app.db import session_scope
from app.models import Bank, Question
from app.settings import Settings
from app.shared_state import bump_content_revision


def import_paths(engine: Engine, paths: Sequence[Path], *, settings: Settings) -> ImportReport:
    """Parse everything first, then write it all in one transaction: a bad file changes nothing."""
    content = load_content(paths, concepts_path=settings.content_dir / CONCEPTS_FILE)
    changes: list[bool] = []
    try:
        with session_scope(engine) as session:
            event.listen(session, "after_flush", lambda flushed, _context: changes.append(_writes(flushed)))
            report = import_content(session=session, content=content)
            if any(changes):  # an import that changes nothing leaves every worker's caches (and the revision) be
                bump_content_revision(session)  # the other workers drop their caches once this commits
            return report
    finally:
        if any(changes):
            content_changed()  # this process's rendered content (other processes: the content revision)


def _writes(session: Session) -> bool:
    """Whether a flush is about to write a row: a new one, a deleted one, or one whose values changed."""
    return bool(session.new or session.deleted or any(session.is_modified(row) for row in session.dirty))


@dataclass(frozen=True)
class BankSummary:
    id: str
    title: str
    description: str
    canonical: bool
    counts: dict[str, int]  # kind -> active questions
    retired: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def bank_summaries(*, session: Session) -> list[BankSummary]:
    rows = session.exec(
        select(Question.bank_id, Question.kind, Question.retired, func.count())
        .group_by(col(Question.bank_id), col(Question.kind), col(Question.retired))
    ).all()
    counts: dict[str, dict[str, int]] = {}
    retired: dict[str, int] = {}
    for bank_id, kind, is_retired, count in rows:
        if is_retired:
            retired[bank_id] = retired.get(bank_id, 0) + count
        else:
            counts.setdefault(bank_id, {})[kind] = count
    banks = session.exec(select(Bank).order_by(col(Bank.position), col(Bank.id))).all()
    return [
        BankSummary(id=b.id, title=b.title, description=b.description, canonical=b.canonical,
                    counts=counts.get(b.id, {}), retired=retired.get(b.id, 0))
        for b in banks
        if b.id in counts or b.id in retired
    ]
