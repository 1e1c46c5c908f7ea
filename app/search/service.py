"""Search over questions: FTS5 with bm25 ranking on SQLite, LIKE where the trigram index cannot help.

Terms of three or more characters go through the trigram index (MATCH); shorter ones ("显存", "DP")
are matched with LIKE over the index's same columns, and every term must match (AND). Without the
index (PostgreSQL, or an index not filled yet) the whole query goes to `fallback_search`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Column, ColumnElement, MetaData, Table, Text, func, literal_column, or_, select
from sqlmodel import Session, col
from sqlmodel import select as select_models

from app.db import SEARCH_TABLE
from app.models import Concept, Question, QuestionConcept
from app.search.fallback import fallback_search
from app.search.filters import (
    DIFFICULTIES,
    KINDS,
    NO_FILTERS,
    WEIGHTS,
    SearchFilters,
    SearchHit,
    filter_conditions,
    weighted,
)
from app.search.highlight import ELLIPSIS, best_window, fts_query, indexed_terms, query_terms, short_terms, snippet_html
from app.search.index import MARK_END, MARK_START, index_available, index_is_empty

__all__ = ["SearchFilters", "SearchHit", "SearchPage", "fallback_search", "filter_options", "search", "search_url",
           "suggestions"]

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
SNIPPET_TOKENS = 64  # trigram tokens: about one character each
# bm25() takes one weight per column in the table's order: question_id (not indexed), title, prompt, answer, extra.
BM25_WEIGHTS = (0.0, WEIGHTS["title"], WEIGHTS["prompt"], WEIGHTS["answer"], WEIGHTS["extra"])

search_table = Table(SEARCH_TABLE, MetaData(),
                     *(Column(name, Text) for name in ("question_id", "title", "prompt", "answer", "extra")))


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
    if terms and _use_index(session, terms):
        hits, total = _index_search(session=session, terms=terms, filters=filters, limit=limit, offset=offset)
    elif terms:
        hits, total = fallback_search(session=session, terms=terms, filters=filters, limit=limit, offset=offset)
    took_ms = (time.perf_counter() - started) * 1000
    return SearchPage(query=query, terms=terms, filters=filters, hits=hits, total=total, limit=limit, offset=offset,
                      took_ms=took_ms)


# How much a Latin term standing as a word of its own lifts a hit. Anywhere in the question (its aliases included):
# more than any substring score, so an exact term match always comes first — `DP` finds the data-parallel
# questions before those that only say FSDP or GDPR (trigrams and LIKE match inside words). In the title (or
# prompt) a little more again, so `LoRA` finds the LoRA questions first, then those that mention it.
EXACT_WORD_BONUS = 100.0
WORD_BONUS = {"title": 20.0, "prompt": 8.0, "extra": 6.0, "answer": 3.0}  # extra: key points, concepts, aliases
# A Latin term inside a longer word (DP in FSDP) still matches, but counts for a tenth of a whole word.
INSIDE_WORD_SCALE = 0.1
LATIN_TERM = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+#-]*")
_GLOB_SPECIAL = re.compile(r"([*?\[\]])")


def whole_word_bonus(terms: Sequence[str]) -> ColumnElement[Any]:
    """A ranking bonus for each Latin term found as a whole word (not inside a longer word): anywhere, and more in
    the title and prompt."""
    bonus: ColumnElement[Any] = literal_column("0.0")
    for term in terms:
        if not LATIN_TERM.fullmatch(term):
            continue  # Chinese has no word boundaries to speak of
        pattern = "*[^a-z0-9]" + _GLOB_SPECIAL.sub(r"[\1]", term.casefold()) + "[^a-z0-9]*"
        found = {column: (literal_column("' '").concat(func.lower(search_table.c[column]))
                          .concat(literal_column("' '")).op("GLOB")(pattern))
                 for column in ("title", "prompt", "answer", "extra")}
        bonus = bonus + func.iif(or_(*found.values()), EXACT_WORD_BONUS, 0.0)
        for column, weight in WORD_BONUS.items():
            bonus = bonus + func.iif(found[column], weight, 0.0)
    return bonus


def _use_index(session: Session, terms: Sequence[str]) -> bool:
    return index_available(session) and not index_is_empty(session)


def _index_search(*, session: Session, terms: Sequence[str], filters: SearchFilters, limit: int,
                  offset: int) -> tuple[list[SearchHit], int]:
    """Long terms through MATCH (bm25, snippet()); short ones through LIKE over the index's own columns."""
    index: ColumnElement[Any] = literal_column(SEARCH_TABLE)  # FTS5's hidden column named after the table
    long, short = indexed_terms(terms), short_terms(terms)
    likes = [{name: search_table.c[name].icontains(term, autoescape=True) for name in WEIGHTS} for term in short]
    conditions = [*filter_conditions(filters), *(or_(*columns.values()) for columns in likes)]
    latin = [columns for term, columns in zip(short, likes, strict=True) if LATIN_TERM.fullmatch(term)]
    other = [columns for term, columns in zip(short, likes, strict=True) if not LATIN_TERM.fullmatch(term)]
    if long:
        conditions.append(index.op("MATCH")(fts_query(long)))
        rank: ColumnElement[Any] = func.bm25(index, *BM25_WEIGHTS) - whole_word_bonus(terms)  # lower is better
        shown: list[Any] = [func.highlight(index, 1, MARK_START, MARK_END).label("title_marked"),
                            *(func.snippet(index, number, MARK_START, MARK_END, ELLIPSIS, SNIPPET_TOKENS).label(name)
                              for number, name in ((2, "prompt"), (3, "answer"), (4, "extra")))]
    else:  # snippet() and bm25() exist only in a MATCH query
        rank = -weighted(other) - INSIDE_WORD_SCALE * weighted(latin) - whole_word_bonus(terms)
        shown = [search_table.c.title.label("title_marked"), search_table.c.prompt, search_table.c.answer,
                 search_table.c.extra]
    source = search_table.join(Question, col(Question.id) == search_table.c.question_id)
    connection = session.connection()
    total = connection.execute(select(func.count()).select_from(source).where(*conditions)).scalar_one()
    rowid: ColumnElement[Any] = literal_column(f"{SEARCH_TABLE}.rowid")
    ranked = connection.execute(
        select(rowid.label("rowid"), col(Question.id), col(Question.kind), col(Question.topic),
               col(Question.difficulty), col(Question.title), rank.label("rank"),
               (search_table.c.prompt == search_table.c.title).label("prompt_is_title"))
        .select_from(source).where(*conditions)
        .order_by(rank, col(Question.position), col(Question.id)).limit(limit).offset(offset)
    ).all()
    # Highlights and snippets for this page's rows only: asked for in the ranking query, SQLite would make them for
    # every match before sorting (at 10,000 questions, most of the search's time).
    texts = {row.rowid: row for row in connection.execute(
        select(rowid.label("rowid"), *shown).select_from(search_table)
        .where(*([index.op("MATCH")(fts_query(long))] if long else []), rowid.in_([row.rowid for row in ranked]))
    )} if ranked else {}
    hits = []
    for found in ranked:
        row = _Hit(found, texts[found.rowid])
        # A prompt that merely repeats the title says nothing new: prefer the answer's passage then. The extra column
        # (key points, concept names and aliases) ranks but is never shown: a match only there shows the answer.
        passages = [text for text in ([] if row.prompt_is_title else [row.prompt]) + [row.answer] if text]
        passages = passages or [text for text in (row.extra,) if text]
        if long:
            marked = next((text for text in passages if MARK_START in text), passages[0] if passages else "")
        else:
            marked = best_window(passages, short, width=SNIPPET_TOKENS)
        hits.append(SearchHit(id=row.id, title=row.title, title_html=snippet_html(row.title_marked, short),
                              kind=row.kind, topic=row.topic, difficulty=row.difficulty,
                              snippet=snippet_html(marked, short), score=-float(row.rank)))
    return hits, int(total)


class _Hit:
    """A ranked row and its highlighted texts, read as one."""

    def __init__(self, ranked: Any, texts: Any) -> None:
        self.id, self.kind, self.topic, self.difficulty = ranked.id, ranked.kind, ranked.topic, ranked.difficulty
        self.title, self.rank, self.prompt_is_title = ranked.title, ranked.rank, ranked.prompt_is_title
        self.title_marked, self.prompt, self.answer, self.extra = (texts.title_marked, texts.prompt, texts.answer,
                                                                    texts.extra)


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
