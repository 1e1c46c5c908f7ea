"""Search through SQLite's FTS5 index and its companion tables (app/search/tokens.py): every term is a token lookup.

A term of three characters or more is a trigram MATCH on `question_search` (ranked by bm25); a two-character term
of letters or digits ("显存", "DP") is a token of `question_search_bigrams`; whether a Latin term stands as a word of
its own in a column is a phrase of `question_search_words`. Only a term that no index can answer — one character, or
two with punctuation ("C#") — is a LIKE over the stored text. Ranking and filters read `question_search_rows`, a few
dozen bytes per question, never the question's own wide row. Titles and snippets are marked here, in Python, for
the page's rows only.

The SQL is written out and handed to the driver as it is (exec_driver_sql), not built with SQLAlchemy's expression
language: FTS5's MATCH and bm25() are SQLite's own, a search is a few statements whose shape follows the query's
terms, and building and compiling expressions cost more than the search itself at the size of content/. Every
value, the MATCH expressions included, is a bound parameter (sqlite3's named style).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from app.db import SEARCH_TABLE
from app.search.filters import (
    EXACT_WORD_BONUS,
    INSIDE_WORD_SCALE,
    LATIN_TERM,
    WEIGHTS,
    WORD_BONUS,
    SearchFilters,
    SearchHit,
)
from app.search.highlight import best_window, fts_query, indexed_terms, short_terms, snippet_html
from app.search.tokens import (
    BIGRAMS_TABLE,
    COLUMNS,
    ROWS_TABLE,
    WORDS_TABLE,
    bigram_phrase,
    is_bigram_term,
    word_phrase,
)

SNIPPET_CHARS = 64
# bm25() takes one weight per column in the table's order: question_id (not indexed), title, prompt, answer, extra.
BM25_WEIGHTS = ", ".join(str(weight) for weight in (0.0, *(WEIGHTS[name] for name in COLUMNS)))
_LIKE_ESCAPE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


@dataclass
class _Statement:
    """The pieces of one search's SQL and the values bound to it."""

    source: str
    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return ":" + name

    def matching(self, table: str, expression: str) -> str:
        """`m.id IN` the rows of a companion table that match `expression` (looked up once per statement)."""
        return f"m.id IN (SELECT rowid FROM {table} WHERE {table} MATCH {self.bind(expression)})"


def index_search(*, connection: Connection, terms: Sequence[str], filters: SearchFilters, limit: int,
                 offset: int) -> tuple[list[SearchHit], int]:
    """One page of the questions holding every term and passing the filters, best first, and their total."""
    long, short = indexed_terms(terms), short_terms(terms)
    paired = [term for term in short if is_bigram_term(term)]
    scanned = [term for term in short if not is_bigram_term(term)]
    statement = _candidates(long, paired, scanned)
    statement.where.extend(_filter_sql(statement, filters))
    rank = _rank(statement, long, short)
    where = " AND ".join(statement.where) or "1"
    page = connection.exec_driver_sql(
        f"SELECT m.id, {rank} AS ranking FROM {statement.source} WHERE {where} "
        f"ORDER BY ranking, m.position, m.question_id LIMIT {statement.bind(limit)} OFFSET {statement.bind(offset)}",
        statement.params).all()
    if len(page) < limit and (page or not offset):
        total = offset + len(page)  # the last page (or the only one): nothing to count beyond it
    else:
        total = connection.exec_driver_sql(f"SELECT count(*) FROM {statement.source} WHERE {where}",
                                           statement.params).scalar_one()
    return _hits(connection, page, terms), int(total)


def _candidates(long: Sequence[str], paired: Sequence[str], scanned: Sequence[str]) -> _Statement:
    """FROM and WHERE for the rows holding every term: driven by the trigram MATCH where a term is long enough (its
    bm25 ranks), else by the bigram MATCH; a LIKE scan only when no term has an index."""
    bigrams = " AND ".join(bigram_phrase(term.casefold()) for term in paired)
    if long or not paired:
        statement = _Statement(f"{SEARCH_TABLE} JOIN {ROWS_TABLE} AS m ON m.id = {SEARCH_TABLE}.rowid")
        if long:
            statement.where.append(f"{SEARCH_TABLE} MATCH {statement.bind(fts_query(long))}")
        if paired:
            statement.where.append(statement.matching(BIGRAMS_TABLE, bigrams))
    else:
        statement = _Statement(f"{BIGRAMS_TABLE} JOIN {ROWS_TABLE} AS m ON m.id = {BIGRAMS_TABLE}.rowid")
        statement.where.append(f"{BIGRAMS_TABLE} MATCH {statement.bind(bigrams)}")
        if scanned:
            statement.source += f" JOIN {SEARCH_TABLE} ON {SEARCH_TABLE}.rowid = m.id"
    for term in scanned:
        statement.where.append("(" + " OR ".join(_likes(statement, term).values()) + ")")
    return statement


def _likes(statement: _Statement, term: str) -> dict[str, str]:
    pattern = statement.bind("%" + term.translate(_LIKE_ESCAPE) + "%")
    return {name: f"{SEARCH_TABLE}.{name} LIKE {pattern} ESCAPE '\\'" for name in COLUMNS}


def _filter_sql(statement: _Statement, filters: SearchFilters) -> list[str]:
    """The filters as conditions on the ranking rows (the index holds active questions only)."""
    conditions = []
    if filters.topic is not None:
        conditions.append(f"m.topic = {statement.bind(filters.topic)}")
    if filters.kind is not None:
        conditions.append(f"m.kind = {statement.bind(filters.kind)}")
    if filters.difficulty_min is not None:
        conditions.append(f"m.difficulty >= {statement.bind(filters.difficulty_min)}")
    if filters.difficulty_max is not None:
        conditions.append(f"m.difficulty <= {statement.bind(filters.difficulty_max)}")
    if filters.concept is not None:
        conditions.append("EXISTS (SELECT 1 FROM question_concept WHERE question_concept.question_id = m.question_id"
                          f" AND question_concept.concept_id = {statement.bind(filters.concept)})")
    return conditions


def _rank(statement: _Statement, long: Sequence[str], short: Sequence[str]) -> str:
    """The ranking expression, lower is better: bm25 when a term went through the trigram index, else the weighted
    columns each short term is in (a Latin one inside a longer word for a tenth); minus the whole-word bonus."""
    if long:
        base = f"bm25({SEARCH_TABLE}, {BM25_WEIGHTS})"
    else:
        parts = [f"{INSIDE_WORD_SCALE if LATIN_TERM.fullmatch(term) else 1.0} * ({_weighted(statement, term, short)})"
                 for term in short]
        base = "-(" + " + ".join(parts) + ")"
    bonus = [_word_bonus(statement, term) for term in (*long, *short) if LATIN_TERM.fullmatch(term)]
    return base + "".join(f" - {part}" for part in bonus)


def _weighted(statement: _Statement, term: str, short: Sequence[str]) -> str:
    """WEIGHTS summed over the columns that hold `term`. Each column's lookup also asks for the query's other
    bigram terms, which every candidate has: SQLite then keeps a list of candidates only, not of every question
    with the term in that column."""
    if is_bigram_term(term):
        phrase = bigram_phrase(term.casefold())
        others = "".join(f" AND {bigram_phrase(other.casefold())}" for other in short
                         if other != term and is_bigram_term(other))
        found = {name: statement.matching(BIGRAMS_TABLE, f"({name} : {phrase}){others}") for name in COLUMNS}
    else:
        found = _likes(statement, term)
    return " + ".join(f"{WEIGHTS[name]} * ({condition})" for name, condition in found.items())


def _word_bonus(statement: _Statement, term: str) -> str:
    """EXACT_WORD_BONUS when the term is a word of its own anywhere in the question, and WORD_BONUS for each column
    it is one in (the per-column lookups are made only for the rows that have it somewhere)."""
    phrase = word_phrase(term)
    columns = " + ".join(f"{WORD_BONUS[name]} * ({statement.matching(WORDS_TABLE, f'{name} : {phrase}')})"
                         for name in COLUMNS)
    return f"(CASE WHEN {statement.matching(WORDS_TABLE, phrase)} THEN {EXACT_WORD_BONUS} + {columns} ELSE 0 END)"


def _hits(connection: Connection, page: Sequence[Any], terms: Sequence[str]) -> list[SearchHit]:
    """The page's rows with their highlighted title and snippet, made here for these rows only: FTS5's snippet()
    would seek every row's match again, and asked for in the ranking query, SQLite would make one for every match
    before sorting."""
    if not page:
        return []
    params = {f"row{number}": row.id for number, row in enumerate(page)}
    texts = {row.rowid: row for row in connection.exec_driver_sql(
        f"SELECT {SEARCH_TABLE}.rowid AS rowid, question.id, question.kind, question.topic, question.difficulty, "
        f"question.title, {SEARCH_TABLE}.title AS shown_title, {SEARCH_TABLE}.prompt, {SEARCH_TABLE}.answer, "
        f"{SEARCH_TABLE}.extra, "
        f"{SEARCH_TABLE}.prompt = {SEARCH_TABLE}.title AS prompt_is_title "
        f"FROM {SEARCH_TABLE} JOIN question ON question.id = {SEARCH_TABLE}.question_id "
        f"WHERE {SEARCH_TABLE}.rowid IN ({', '.join(':' + name for name in params)})", params)}
    hits = []
    for found in page:
        row = texts.get(found.id)
        if row is None:
            continue  # an index edited behind the importer's back; the next import repairs it
        # A prompt that merely repeats the title says nothing new: prefer the answer's passage then. The extra column
        # (key points, concept names and aliases) ranks but is never shown: a match only there shows the answer.
        passages = [value for value in ([] if row.prompt_is_title else [row.prompt]) + [row.answer] if value]
        passages = passages or [value for value in (row.extra,) if value]
        hits.append(SearchHit(id=row.id, title=row.title, title_html=snippet_html(row.shown_title, terms),
                              kind=row.kind, topic=row.topic, difficulty=row.difficulty,
                              snippet=snippet_html(best_window(passages, terms, width=SNIPPET_CHARS), terms),
                              score=-float(found.ranking)))
    return hits
