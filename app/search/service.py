"""Search over questions: the page, its filters' options, and which path answers a query.

Every term must match (AND). On SQLite each term is an index lookup (app/search/indexed.py): three characters or
more through the FTS5 trigram index, two ("显存", "DP") through bigram tokens, and whether a Latin term stands as a
word of its own through word tokens. PostgreSQL has its own path (app/search/postgres.py). A SQLite database whose
index is not filled yet (migrated but not re-imported) is searched by LIKE over the questions (`fallback_search`).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as select_models

from app.db import SEARCH_TABLE
from app.models import Concept, Question, QuestionConcept
from app.search.fallback import fallback_search
from app.search.filters import (  # the ranking constants are re-exported: app/search/postgres.py mirrors them
    DIFFICULTIES,
    EXACT_WORD_BONUS,
    INSIDE_WORD_SCALE,
    KINDS,
    NO_FILTERS,
    WORD_BONUS,
    SearchFilters,
    SearchHit,
)
from app.search.highlight import query_terms
from app.search.index import index_available
from app.search.indexed import index_search
from app.search.tokens import ROWS_TABLE, companions_exist

__all__ = ["EXACT_WORD_BONUS", "INSIDE_WORD_SCALE", "WORD_BONUS", "SearchFilters", "SearchHit", "SearchPage",
           "fallback_search", "filter_options", "search", "search_url", "suggestions"]

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


@dataclass(frozen=True)
class SearchPage:
    query: str
    terms: list[str]
    filters: SearchFilters
    hits: list[SearchHit]
    total: int
    limit: int
    offset: int
    took_ms: float

    @property
    def first(self) -> int:
        return self.offset + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.offset + len(self.hits)

    @property
    def prev_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    @property
    def next_offset(self) -> int | None:
        return self.last if self.last < self.total else None


def search_url(query: str, filters: SearchFilters = NO_FILTERS, *, offset: int = 0) -> str:
    """The /search address of a query, its filters and a page: every link and form on the page agrees on it."""
    params = {"q": query, **filters.params(), **({"offset": offset} if offset else {})}
    return "/search?" + urlencode(params)


def search(*, session: Session, query: str, filters: SearchFilters = NO_FILTERS, limit: int = DEFAULT_LIMIT,
           offset: int = 0) -> SearchPage:
    """One page of the active questions matching every term of `query` and the filters, best first.

    A query without terms (blank) finds nothing; the HTML page shows its start screen for it instead.
    """
    started = time.perf_counter()
    terms = query_terms(query)
    limit, offset = min(max(limit, 1), MAX_LIMIT), max(offset, 0)
    hits: list[SearchHit] = []
    total = 0
    if terms and session.get_bind().dialect.name == "postgresql":
        from app.search.postgres import postgres_search  # imported here: it shares this module's neighbours

        hits, total = postgres_search(session=session, terms=terms, filters=filters, limit=limit, offset=offset)
    elif terms and _use_index(session):
        hits, total = index_search(connection=session.connection(), terms=terms, filters=filters, limit=limit,
                                   offset=offset)
    elif terms:
        hits, total = fallback_search(session=session, terms=terms, filters=filters, limit=limit, offset=offset)
    took_ms = (time.perf_counter() - started) * 1000
    return SearchPage(query=query, terms=terms, filters=filters, hits=hits, total=total, limit=limit, offset=offset,
                      took_ms=took_ms)


def _use_index(session: Session) -> bool:
    """Whether the FTS5 index and its token tables exist and hold rows (a database migrated but never imported
    into has them empty)."""
    if not index_available(session):
        return False
    connection = session.connection()
    if not companions_exist(connection):
        return False
    return bool(connection.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM {SEARCH_TABLE}) "
                                           f"AND EXISTS (SELECT 1 FROM {ROWS_TABLE})").scalar())


@dataclass(frozen=True)
class ConceptOption:
    id: str
    name_zh: str
    name_en: str
    topic: str
    questions: int

    @property
    def query(self) -> str:
        """The Chinese name without its parenthesised gloss: a query that finds the concept's questions."""
        return re.sub(r"[（(][^）)]*[）)]", "", self.name_zh).strip() or self.name_zh


@dataclass(frozen=True)
class FilterOptions:
    topics: list[str]
    concepts: list[ConceptOption]
    popular: list[ConceptOption] = field(default_factory=list)  # the concepts with most questions
    kinds: tuple[str, ...] = KINDS
    difficulties: tuple[int, ...] = DIFFICULTIES


def filter_options(*, session: Session, popular: int = 8) -> FilterOptions:
    """What the filters offer: the topics and concepts that have active questions, in the catalogue's order."""
    connection = session.connection()
    counts = connection.execute(
        select(col(QuestionConcept.concept_id), func.count())
        .join(Question, col(Question.id) == col(QuestionConcept.question_id))
        .where(col(Question.retired).is_(False)).group_by(col(QuestionConcept.concept_id))
    ).all()
    questions_by_concept: dict[str, int] = {row[0]: row[1] for row in counts}
    concepts = [ConceptOption(id=c.id, name_zh=c.name_zh, name_en=c.name_en, topic=c.topic,
                              questions=questions_by_concept[c.id])
                for c in session.exec(select_models(Concept).order_by(col(Concept.position)))
                if c.id in questions_by_concept]
    used = set(connection.execute(select(col(Question.topic)).where(col(Question.retired).is_(False))).scalars())
    topics = list(dict.fromkeys(c.topic for c in concepts if c.topic in used))
    topics += sorted(topic for topic in used if topic and topic not in topics)
    ranked = sorted(concepts, key=lambda c: -c.questions)[:popular]
    return FilterOptions(topics=topics, concepts=concepts, popular=ranked)


@dataclass(frozen=True)
class Suggestions:
    """Ways out of an empty result: drop the filters, or search for one of the terms alone."""

    without_filters: int | None
    single_terms: list[tuple[str, int]]


def suggestions(*, session: Session, page: SearchPage) -> Suggestions:
    without_filters = None
    if page.filters.active:
        without_filters = search(session=session, query=page.query, limit=1).total
    single_terms = []
    if len(page.terms) > 1:
        for term in page.terms:
            total = search(session=session, query=term, filters=page.filters, limit=1).total
            if total:
                single_terms.append((term, total))
    return Suggestions(without_filters=without_filters, single_terms=single_terms)
