"""The full-text search index: one FTS5 row per active question, rebuilt inside the import's transaction.

The index holds Markdown reduced to plain text, so snippets read as prose and a term wrapped in `**…**`
is still found. Only SQLite has FTS5 (migration 0002 creates the table there); on PostgreSQL the same columns live in a
plain table under pg_trgm and array GIN indexes, rebuilt here too and searched by app/search/postgres.py. On SQLite,
the word and bigram tokens beside the index (app/search/tokens.py, migration 0010) follow it in the same transaction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.db import SEARCH_TABLE
from app.models import Choice, Concept, KeyPoint, Question, QuestionConcept
from app.search.tokens import Row, companions_exist, sync_companions

# Private-use characters: content never legitimately holds them, so they can mark matches safely
# before the text is HTML-escaped (see highlight.snippet_html).
MARK_START, MARK_END = "\ue000", "\ue001"

# Markdown that would only clutter a snippet: fence lines, table and horizontal rules, heading, quote and bullet
# marks, bold, backticks and table pipes. (Underscores stay: they belong to identifiers such as __init__.)
_MARKUP = re.compile(
    r"^[ \t]*(?:```|~~~).*$"
    r"|^[ \t]*\|?[ \t]*:?-{3,}[-:| \t]*$"
    r"|^[ \t]{0,3}#{1,6}[ \t]+"
    r"|^[ \t]*>+"
    r"|^[ \t]*[-*+][ \t]+"
    r"|\*\*|`+|\|",
    re.MULTILINE,
)


def plain_text(markdown: str | None) -> str:
    """Markdown with its commonest markup removed and whitespace collapsed: what a snippet should show."""
    value = (markdown or "").replace(MARK_START, "").replace(MARK_END, "")
    return " ".join(_MARKUP.sub(" ", value).split())


def concept_terms(concept: Concept) -> list[str]:
    """The words a learner may type for a concept: both names and every alias."""
    return [concept.name_zh, concept.name_en, *concept.aliases]


def _grouped(rows: Iterable[Any]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for question_id, value in rows:
        grouped[question_id].append(value)
    return grouped


def question_documents(*, session: Session, question_ids: Sequence[str] | None = None) -> list[dict[str, str]]:
    """The index's columns for active questions (all, or the listed ones), in bank order.

    answer = answer + explanation + choices; extra = key points, concept names and aliases, topic, skill.
    A handful of bulk queries, not one per question, so a rebuild stays a few milliseconds.
    """
    questions = select(Question).where(col(Question.retired).is_(False))
    choices = select(Choice.question_id, Choice.text).order_by(col(Choice.question_id), col(Choice.position))
    key_points = select(KeyPoint.question_id, KeyPoint.text).order_by(col(KeyPoint.question_id),
                                                                      col(KeyPoint.position))
    links = select(QuestionConcept.question_id, QuestionConcept.concept_id).order_by(
        col(QuestionConcept.question_id), col(QuestionConcept.position))
    if question_ids is not None:
        ids = list(question_ids)
        questions = questions.where(col(Question.id).in_(ids))
        choices = choices.where(col(Choice.question_id).in_(ids))
        key_points = key_points.where(col(KeyPoint.question_id).in_(ids))
        links = links.where(col(QuestionConcept.question_id).in_(ids))
    choice_texts = _grouped(session.exec(choices))
    point_texts = _grouped(session.exec(key_points))
    concept_ids = _grouped(session.exec(links))
    concepts = {concept.id: concept for concept in session.exec(select(Concept))}
    documents = []
    for question in session.exec(questions.order_by(col(Question.position), col(Question.id))):
        concept_words = [word for cid in concept_ids.get(question.id, []) if cid in concepts
                         for word in concept_terms(concepts[cid])]
        extra = [*point_texts.get(question.id, []), *concept_words, question.topic or "", question.skill or ""]
        documents.append({
            "question_id": question.id,
            "title": plain_text(question.title),
            "prompt": plain_text(question.prompt),
            "answer": plain_text("\n".join([question.answer, question.explanation,
                                            *choice_texts.get(question.id, [])])),
            "extra": plain_text("\n".join(extra)),
        })
    return documents


def index_available(session: Session) -> bool:
    """Whether this database has the FTS5 index (SQLite only)."""
    return session.get_bind().dialect.name == "sqlite"


_COLUMNS = ("title", "prompt", "answer", "extra")


def rebuild_index(session: Session) -> int:
    """Make the index hold exactly one row per active question, in the caller's transaction; returns the count.

    Rows whose text is unchanged are kept: rewriting all of them costs a re-import about as much as the
    rest of its work (FTS5 deletes row by row), while comparing the stored text costs a few milliseconds.
    """
    if session.get_bind().dialect.name == "postgresql":
        from app.search.postgres import rebuild_postgres_index  # imported here: it imports this module's neighbours

        session.flush()
        return rebuild_postgres_index(session, {doc["question_id"]: doc for doc in question_documents(session=session)})
    if not index_available(session):
        return 0
    session.flush()
    documents = {doc["question_id"]: doc for doc in question_documents(session=session)}
    connection = session.connection()  # the session's own transaction: the import commits or rolls back both
    before: dict[int, Row] = {rowid: tuple(row) for rowid, *row in connection.execute(
        text(f"SELECT rowid, question_id, {', '.join(_COLUMNS)} FROM {SEARCH_TABLE}"))}
    kept: dict[str, int] = {}
    stale: list[dict[str, Any]] = []
    for rowid, (question_id, *values) in before.items():
        doc = documents.get(question_id or "")
        if doc is not None and question_id not in kept and values == [doc[name] for name in _COLUMNS]:
            kept[doc["question_id"]] = rowid
        else:
            stale.append({"rowid": rowid})
    if stale:
        connection.execute(text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :rowid"), stale)
    # New rows get their rowids here, so the companion tables can be written under the same ones.
    next_rowid = max(before, default=0) + 1
    missing = [doc for question_id, doc in documents.items() if question_id not in kept]
    fresh: list[dict[str, Any]] = [{**doc, "rowid": next_rowid + number} for number, doc in enumerate(missing)]
    if fresh:
        connection.execute(
            text(f"INSERT INTO {SEARCH_TABLE} (rowid, question_id, {', '.join(_COLUMNS)}) "
                 "VALUES (:rowid, :question_id, :title, :prompt, :answer, :extra)"),
            fresh,
        )
    if companions_exist(connection):
        after = {rowid: before[rowid] for rowid in kept.values()}
        for doc in fresh:
            after[int(doc["rowid"])] = (str(doc["question_id"]), *(str(doc[name]) for name in _COLUMNS))
        sync_companions(connection, before=before, after=after)
    return len(documents)

