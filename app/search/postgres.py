"""Search on PostgreSQL: a pg_trgm GIN index for terms of three characters or more, an array index for shorter ones.

Migration 0002 creates `question_search` on PostgreSQL as a plain table holding what the SQLite FTS5 index holds
(title, prompt, answer, extra: plain text), plus `body`, all four lower-cased, under a `gin_trgm_ops` index, and
`grams`, every 1- and 2-character substring of them, under an array GIN index. A term of three characters or more
("混合精", "ZeRO") is a `body LIKE '%term%'` that the trigram index answers; a shorter one ("显存", "DP") has no
trigram, so it is a `grams @> ARRAY['显存']` that the array index answers. Both are exact (no false positives
after the recheck, none missed), and every term must match. Ranking follows the SQLite path: the columns a term is
in, weighted (title > prompt > extra > answer), a Latin term as a whole word far above the same letters inside a
longer word, and pg_trgm's word similarity of the title to the query to order questions that tie.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, MetaData, Table, Text, case, func, literal, literal_column, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col

from app.db import SEARCH_TABLE
from app.models import Question
from app.search.fallback import fallback_search

# The SQLite path's ranking constants, so that a query ranks the same questions first on either database.
from app.search.filters import (
    EXACT_WORD_BONUS,
    INSIDE_WORD_SCALE,
    LATIN_TERM,
    WEIGHTS,
    WORD_BONUS,
    SearchFilters,
    SearchHit,
    filter_conditions,
)
from app.search.highlight import TRIGRAM, best_window, snippet_html

COLUMNS = ("title", "prompt", "answer", "extra")
SNIPPET_CHARS = 64
REINDEX_SHARE = 0.1  # rebuild the indexes when more than this share of the rows changed (the first import: all)

search_table = Table(SEARCH_TABLE, MetaData(), Column("question_id", Text),
                     *(Column(name, Text) for name in (*COLUMNS, "body")), Column("grams", ARRAY(Text)))


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def short_grams(values: Iterable[str]) -> list[str]:
    """Every 1- and 2-character substring of the lower-cased values (none spanning two of them, none holding a
    space): what a term too short for a trigram is looked up by."""
    found: set[str] = set()
    for value in values:
        lowered = value.lower()
        found.update(lowered)
        found.update(lowered[start:start + 2] for start in range(len(lowered) - 1))
    return sorted(gram for gram in found if not any(char.isspace() for char in gram))


def _row(document: dict[str, str]) -> dict[str, Any]:
    values = [document[name] for name in COLUMNS]
    return {**document, "body": "\n".join(value.lower() for value in values), "grams": short_grams(values)}


def rebuild_postgres_index(session: Session, documents: dict[str, dict[str, str]]) -> int:
    """Make the table hold exactly `documents` (question id -> columns), in the caller's transaction; rows whose text
    is unchanged are kept, as on SQLite, so a re-import rewrites only what changed."""
    connection = session.connection()
    stored = {row.question_id: [getattr(row, name) for name in COLUMNS]
              for row in connection.execute(select(search_table.c.question_id, *(search_table.c[n] for n in COLUMNS)))}
    kept = {question_id for question_id, values in stored.items()
            if question_id in documents and values == [documents[question_id][name] for name in COLUMNS]}
    stale = [question_id for question_id in stored if question_id not in kept]
    if stale:
        connection.execute(search_table.delete().where(search_table.c.question_id.in_(stale)))
    fresh = [_row(document) for question_id, document in documents.items() if question_id not in kept]
    if fresh:
        connection.execute(search_table.insert(), fresh)
    if len(stale) + len(fresh) > REINDEX_SHARE * max(len(documents), 1):
        # A GIN index's own statistics (its entry count and pages) are kept up to date only by VACUUM or a rebuild;
        # until then the planner prices it as if it were huge and scans the table instead. After a bulk change the
        # indexes are rebuilt (a moment's lock, in the import's transaction) so searches use them at once.
        connection.exec_driver_sql(f"REINDEX TABLE {SEARCH_TABLE}")
    if stale or fresh:  # and fresh row statistics now, not at autovacuum's next visit
        connection.exec_driver_sql(f"ANALYZE {SEARCH_TABLE}")
    return len(documents)


def postgres_index_is_empty(session: Session) -> bool:
    return bool(session.connection().execute(text(f"SELECT NOT EXISTS (SELECT 1 FROM {SEARCH_TABLE})")).scalar())


def _like_pattern(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term.lower()) + "%"


def term_condition(term: str) -> ColumnElement[bool]:
    """The indexed condition for one term: the trigram index for long terms, the gram array for short ones."""
    if len(term) >= TRIGRAM:
        return search_table.c.body.like(_like_pattern(term), escape="\\")
    return search_table.c.grams.contains(literal([term.lower()], ARRAY(Text)))


def _rank(terms: Sequence[str]) -> ColumnElement[Any]:
    """Higher is better: weighted columns per term (a Latin term inside a longer word counts a tenth), a bonus for a
    Latin term as a whole word, and the title's word similarity to the query (under 1) to order ties."""
    score: ColumnElement[Any] = literal_column("0.0")
    for term in terms:
        lowered = term.lower()
        latin = LATIN_TERM.fullmatch(term) is not None
        word = r"(^|[^a-z0-9])" + re.escape(lowered) + r"([^a-z0-9]|$)"
        found_word: dict[str, ColumnElement[bool]] = {}
        for name, weight in WEIGHTS.items():
            column = func.lower(search_table.c[name])
            score = score + case((func.strpos(column, lowered) > 0, weight * (INSIDE_WORD_SCALE if latin else 1.0)),
                                 else_=0.0)
            found_word[name] = column.regexp_match(word)
        if latin:
            score = score + case((func.lower(search_table.c.body).regexp_match(word), EXACT_WORD_BONUS), else_=0.0)
            for name, bonus in WORD_BONUS.items():
                score = score + case((found_word[name], bonus), else_=0.0)
    return score + func.word_similarity(" ".join(term.lower() for term in terms), func.lower(search_table.c.title))


def search_statement(terms: Sequence[str], filters: SearchFilters) -> tuple[Any, Any]:
    """(the count query, the ranked query without its page) for `terms` and `filters`."""
    source = search_table.join(Question, col(Question.id) == search_table.c.question_id)
    conditions = [*filter_conditions(filters), *(term_condition(term) for term in terms)]
    rank = _rank(terms).label("rank")
    total = select(func.count()).select_from(source).where(*conditions)
    ranked = (select(col(Question.id), col(Question.kind), col(Question.topic), col(Question.difficulty),
                     col(Question.title), rank, *(search_table.c[name].label(f"text_{name}") for name in COLUMNS))
              .select_from(source).where(*conditions)
              .order_by(rank.desc(), col(Question.position), col(Question.id)))
    return total, ranked


def postgres_search(*, session: Session, terms: Sequence[str], filters: SearchFilters, limit: int,
                    offset: int) -> tuple[list[SearchHit], int]:
    """One page of the active questions holding every term, best first, and how many there are in all. An index
    not filled yet (a database migrated but not re-imported) answers through the LIKE fallback, as on SQLite."""
    if postgres_index_is_empty(session):
        return fallback_search(session=session, terms=terms, filters=filters, limit=limit, offset=offset)
    total_query, ranked_query = search_statement(terms, filters)
    connection = session.connection()
    total = connection.execute(total_query).scalar_one()
    rows = connection.execute(ranked_query.limit(limit).offset(offset)).all() if total else []
    hits = []
    for row in rows:
        # A prompt that merely repeats the title says nothing new: prefer the answer's passage then; the extra
        # column (key points, concept names, aliases) is shown only when nothing else matched.
        passages = [value for value in ([] if row.text_prompt == row.text_title else [row.text_prompt])
                    + [row.text_answer] if value] or [value for value in (row.text_extra,) if value]
        passage = best_window(passages, terms, width=SNIPPET_CHARS)
        hits.append(SearchHit(id=row.id, title=row.title, title_html=snippet_html(row.title, terms), kind=row.kind,
                              topic=row.topic, difficulty=row.difficulty, snippet=snippet_html(passage, terms),
                              score=float(row.rank)))
    return hits, int(total)
