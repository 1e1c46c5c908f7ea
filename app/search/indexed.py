"""Search through SQLite's FTS5 index and its companion tables (app/search/tokens.py): every term is a token lookup.

A term of three characters or more is a trigram MATCH on `question_search`, ranked by bm25. A two-character term of
letters or digits ("显存", "DP") is a token of `question_search_grams`, whose tokens also say which columns hold the
piece: its weight (title > prompt > extra > answer) comes from one lookup per set of columns, not one per column.
Whether a Latin word stands on its own, and in which columns, is a token there too; a Latin term of several runs
("zero-3") is a phrase of `question_search_words`. Only a term that no index can answer — one character, or two with
punctuation ("C#") — is a LIKE over the stored text. Ranking and filters read `question_search_rows`, a few dozen
bytes per question, never the question's own wide row. Titles and snippets are marked here, in Python, for the
page's rows only.

The SQL is written out and handed to the driver as it is (exec_driver_sql), not built with SQLAlchemy's expression
language: FTS5's MATCH and bm25() are SQLite's own, a search is a few statements whose shape follows the query's
terms, and building and compiling expressions cost more than the search itself at the size of content/. Every
value, the MATCH expressions included, is a bound parameter (sqlite3's named style).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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
    COLUMN_BITS,
    COLUMNS,
    GRAMS_TABLE,
    ROWS_TABLE,
    WORDS_TABLE,
    bigram_match,
    bigram_tokens,
    is_bigram_term,
    is_single_word,
    word_phrase,
    word_tokens,
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
    aliases: int = 0
    weights: list[str] = field(default_factory=list)  # aliases of the two-character terms' joined weights

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return ":" + name

    def alias(self) -> str:
        self.aliases += 1
        return f"j{self.aliases}"

    def matching(self, table: str, expression: str) -> str:
        """`m.id IN` the rows of a companion table that match `expression` (looked up once per statement)."""
        return f"m.id IN (SELECT rowid FROM {table} WHERE {table} MATCH {self.bind(expression)})"

    def by_columns(self, tokens: Iterator[tuple[int, str]], value: Callable[[int], float]) -> str:
        """A subquery of (id, value) for every row holding one of `tokens`, the value that of the set of columns
        the token stands for: one row per question, since a question holds each piece and word once."""
        return "(" + " UNION ALL ".join(
            f"SELECT rowid AS id, {value(mask)} AS value FROM {GRAMS_TABLE} WHERE {GRAMS_TABLE} MATCH "
            f"{self.bind(token)}" for mask, token in tokens) + ")"


def index_search(*, connection: Connection, terms: Sequence[str], filters: SearchFilters, limit: int,
                 offset: int) -> tuple[list[SearchHit], int]:
    """One page of the questions holding every term and passing the filters, best first, and their total."""
    long, short = indexed_terms(terms), short_terms(terms)
    counted = _candidates(long, short)
    counted.where.extend(_filter_sql(counted, filters))
    ranked = _ranked(long, short)
    ranked.where.extend(_filter_sql(ranked, filters))
    rank = _rank(ranked, long, short)  # before reading ranked.source: a whole-word bonus joins its own subquery
    page = connection.exec_driver_sql(
        f"SELECT m.id, {rank} AS ranking FROM {ranked.source} WHERE {_all(ranked.where)} "
        f"ORDER BY ranking, m.position, m.question_id LIMIT {ranked.bind(limit)} OFFSET {ranked.bind(offset)}",
        ranked.params).all()
    if len(page) < limit and (page or not offset):
        total = offset + len(page)  # the last page (or the only one): nothing to count beyond it
    else:
        total = connection.exec_driver_sql(f"SELECT count(*) FROM {counted.source} WHERE {_all(counted.where)}",
                                           counted.params).scalar_one()
    return _hits(connection, page, terms), int(total)


def _all(conditions: Sequence[str]) -> str:
    return " AND ".join(conditions) or "1"


def _candidates(long: Sequence[str], short: Sequence[str]) -> _Statement:
    """FROM and WHERE for the rows holding every term: the trigram MATCH where a term is long enough, the pieces'
    MATCH for two-character terms; a LIKE scan only for a term no index has."""
    paired = [term for term in short if is_bigram_term(term)]
    pieces = " AND ".join(bigram_match(term) for term in paired)
    if long or not paired:
        statement = _Statement(f"{SEARCH_TABLE} JOIN {ROWS_TABLE} AS m ON m.id = {SEARCH_TABLE}.rowid")
        if long:
            statement.where.append(f"{SEARCH_TABLE} MATCH {statement.bind(fts_query(long))}")
        if paired:
            statement.where.append(statement.matching(GRAMS_TABLE, pieces))
    else:
        statement = _Statement(f"{GRAMS_TABLE} JOIN {ROWS_TABLE} AS m ON m.id = {GRAMS_TABLE}.rowid")
        statement.where.append(f"{GRAMS_TABLE} MATCH {statement.bind(pieces)}")
    _scan(statement, short)
    return statement


def _ranked(long: Sequence[str], short: Sequence[str]) -> _Statement:
    """The candidates again, for the ranking query. Without a long term, each two-character term is joined as the
    weight of the columns it is in (its pieces' tokens say which), the first one driving; the join is the AND."""
    paired = [term for term in short if is_bigram_term(term)]
    if long or not paired:
        return _candidates(long, short)
    statement = _Statement("")
    joined = [(statement.alias(), statement.by_columns(bigram_tokens(term), _weight)) for term in paired]
    (first, driver), others = joined[0], joined[1:]
    statement.source = f"{driver} AS {first} JOIN {ROWS_TABLE} AS m ON m.id = {first}.id" + "".join(
        f" JOIN {subquery} AS {alias} ON {alias}.id = m.id" for alias, subquery in others)
    statement.weights = [alias for alias, _subquery in joined]
    _scan(statement, short)
    return statement


def _weight(mask: int) -> float:
    return sum(WEIGHTS[name] for name, bit in COLUMN_BITS.items() if mask & bit)


def _scan(statement: _Statement, short: Sequence[str]) -> None:
    """A LIKE over the stored text for each term that no index can answer (one character, or punctuation)."""
    scanned = [term for term in short if not is_bigram_term(term)]
    if scanned and not statement.source.startswith(f"{SEARCH_TABLE} "):
        statement.source += f" JOIN {SEARCH_TABLE} ON {SEARCH_TABLE}.rowid = m.id"
    for term in scanned:
        statement.where.append("(" + " OR ".join(_likes(statement, term).values()) + ")")


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
        paired = [term for term in short if is_bigram_term(term)]
        parts = [f"{_scale(term)} * {alias}.value" for alias, term in zip(statement.weights, paired, strict=True)]
        scanned = [term for term in short if not is_bigram_term(term)]
        parts += [f"{_scale(term)} * ({_weighted_likes(statement, term)})" for term in scanned]
        base = "-(" + " + ".join(parts) + ")"
    bonus = [_word_bonus(statement, term) for term in (*long, *short) if LATIN_TERM.fullmatch(term)]
    return base + "".join(f" - {part}" for part in bonus)


def _scale(term: str) -> float:
    return INSIDE_WORD_SCALE if LATIN_TERM.fullmatch(term) else 1.0


def _weighted_likes(statement: _Statement, term: str) -> str:
    return " + ".join(f"{WEIGHTS[name]} * ({condition})" for name, condition in _likes(statement, term).items())


def _word_bonus(statement: _Statement, term: str) -> str:
    """EXACT_WORD_BONUS when the term is a word of its own anywhere in the question, plus WORD_BONUS for each
    column it is one in: for a single word, one join whose tokens say where; for a term of several runs ("zero-3",
    a phrase), a phrase lookup per column, made only for the rows that have it somewhere."""
    if is_single_word(term):
        alias, subquery = statement.alias(), statement.by_columns(word_tokens(term), _bonus)
        statement.source += f" LEFT JOIN {subquery} AS {alias} ON {alias}.id = m.id"
        return f"coalesce({alias}.value, 0)"
    phrase = word_phrase(term)
    columns = " + ".join(f"{WORD_BONUS[name]} * ({statement.matching(WORDS_TABLE, f'{name} : {phrase}')})"
                         for name in COLUMNS)
    return f"(CASE WHEN {statement.matching(WORDS_TABLE, phrase)} THEN {EXACT_WORD_BONUS} + {columns} ELSE 0 END)"


def _bonus(mask: int) -> float:
    return EXACT_WORD_BONUS + sum(WORD_BONUS[name] for name, bit in COLUMN_BITS.items() if mask & bit)


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
