"""Search without the FTS5 index: case-insensitive LIKE (ILIKE on PostgreSQL) over the questions' own tables.

Used on PostgreSQL, which has no FTS5, and on SQLite while the index is still empty (a database
migrated but not re-imported). It looks at the same text the index holds, column by column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import Session, col
from sqlmodel import select as select_models

from app.models import Choice, Concept, KeyPoint, Question, QuestionConcept
from app.search.filters import NO_FILTERS, SearchFilters, SearchHit, filter_conditions, weighted
from app.search.highlight import best_window, snippet_html
from app.search.index import concept_terms, question_documents

SNIPPET_CHARS = 64


def _term_columns(term: str, concepts: Sequence[Concept]) -> dict[str, ColumnElement[bool]]:
    """Where one term occurs in a question, by the index column the text would be in."""
    def has(column: Any) -> ColumnElement[bool]:
        return col(column).icontains(term, autoescape=True)

    folded = term.casefold()
    # Names and aliases live in a JSON list that neither dialect can LIKE reliably (non-ASCII is escaped).
    concept_ids = [c.id for c in concepts if any(folded in word.casefold() for word in concept_terms(c))]
    extra = [has(Question.topic), has(Question.skill),
             select(col(KeyPoint.id)).where(col(KeyPoint.question_id) == col(Question.id), has(KeyPoint.text)).exists()]
    if concept_ids:
        extra.append(select(col(QuestionConcept.question_id)).where(
            col(QuestionConcept.question_id) == col(Question.id), col(QuestionConcept.concept_id).in_(concept_ids),
        ).exists())
    choices = select(col(Choice.id)).where(col(Choice.question_id) == col(Question.id), has(Choice.text)).exists()
    return {
        "title": has(Question.title),
        "prompt": has(Question.prompt),
        "extra": or_(*extra),
        "answer": or_(has(Question.answer), has(Question.explanation), choices),
    }


def fallback_search(*, session: Session, terms: Sequence[str], filters: SearchFilters = NO_FILTERS,
                    limit: int = 20, offset: int = 0) -> tuple[list[SearchHit], int]:
    """One page of questions containing every term, ranked by the weighted columns they occur in, and the total."""
    if not terms:
        return [], 0
    concepts = session.exec(select_models(Concept)).all()
    matches = [_term_columns(term, concepts) for term in terms]
    where = and_(*(or_(*columns.values()) for columns in matches), *filter_conditions(filters))
    score = weighted(matches)
    connection = session.connection()
    total = connection.execute(select(func.count()).select_from(Question).where(where)).scalar_one()
    rows = connection.execute(
        select(col(Question.id), col(Question.kind), col(Question.topic), col(Question.difficulty),
               col(Question.title), score.label("score"))
        .where(where).order_by(score.desc(), col(Question.position), col(Question.id)).limit(limit).offset(offset)
    ).all()
    documents = {doc["question_id"]: doc for doc in question_documents(session=session,
                                                                        question_ids=[row.id for row in rows])}
    hits = []
    for row in rows:
        doc = documents.get(row.id, {})
        # A prompt that merely repeats the title says nothing new: prefer the answer's passage then.
        prompt = [] if doc.get("prompt") == doc.get("title") else [doc.get("prompt", "")]
        passage = best_window([*prompt, doc.get("answer", ""), doc.get("extra", "")], terms, width=SNIPPET_CHARS)
        hits.append(SearchHit(id=row.id, title=row.title, title_html=snippet_html(row.title, terms), kind=row.kind,
                              topic=row.topic, difficulty=row.difficulty, snippet=snippet_html(passage, terms),
                              score=float(row.score)))
    return hits, int(total)
