"""The SQLite index's companion tables: word and two-character tokens, and what ranking and filters read, per row.

`question_search` (FTS5, trigram tokens) answers terms of three characters or more. Beside it, row for row (the
same rowid), migration 0010 creates:

- `question_search_words`: each column's ASCII letter-and-digit runs ("ZeRO-3 与 FSDP" → "ZeRO 3 FSDP"), so "is
  DP a word of its own in the title" is a token lookup (`title : "dp"`), not a GLOB over every match's text;
- `question_search_bigrams`: every two-character piece of each column's letter-and-digit runs ("显存占用" → "显存 存占
  占用", "FSDP" → "FS SD DP"), so a two-character term ("显存", "DP", "KV") is a token lookup, not a LIKE scan;
- `question_search_rows`: per rowid, the question's id, bank position, kind, topic and difficulty — what ranking and
  the filters read, in a row of a few dozen bytes where the question's own row spans pages — and a digest of the
  text its tokens were made from.

Both token tables are contentless (the bigrams of every question would double the database). FTS5 deletes a
contentless row only when handed the tokens it was given, so a row's tokens are regenerated from question_search's
stored text, and only while the digest says that text is still the text they came from; whenever it is not (the
index was edited behind the importer's back), both tables are emptied and refilled.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text

WORDS_TABLE, BIGRAMS_TABLE, ROWS_TABLE = "question_search_words", "question_search_bigrams", "question_search_rows"
COLUMNS = ("title", "prompt", "answer", "extra")

CREATE_STATEMENTS = (
    # detail=full: a term such as "zero-3" is the phrase "zero 3", which needs token positions.
    f"CREATE VIRTUAL TABLE {WORDS_TABLE} USING fts5({', '.join(COLUMNS)}, content='', "
    "tokenize='unicode61 remove_diacritics 0')",
    # detail=column: a bigram is only ever looked up alone, so which columns hold it is all that is kept. (The
    # column sizes stay: without them a contentless table cannot even be scanned for its rowids.)
    f"CREATE VIRTUAL TABLE {BIGRAMS_TABLE} USING fts5({', '.join(COLUMNS)}, content='', detail=column, "
    "tokenize='unicode61 remove_diacritics 0')",
    f"CREATE TABLE {ROWS_TABLE} (id INTEGER PRIMARY KEY, question_id VARCHAR(120) NOT NULL, "
    "position INTEGER NOT NULL, kind VARCHAR(8) NOT NULL, topic VARCHAR(120), difficulty INTEGER, "
    "digest VARCHAR(32) NOT NULL)",
)

# A word, as the whole-word ranking means it: a run of ASCII letters and digits (DP in "数据并行DP" or "DP-SGD", not
# in "FSDP"). unicode61 folds their case at both ends.
LATIN_RUN = re.compile(r"[A-Za-z0-9]+")
# A bigram is made of letters and digits of any script (str.isalnum): unicode61 keeps exactly those in a token.
ALNUM_RUN = re.compile(r"[^\W_]{2,}")

Row = Sequence[str | None]  # a question_search row: question_id, title, prompt, answer, extra


def word_text(value: str | None) -> str:
    return " ".join(LATIN_RUN.findall(value or ""))


def bigram_text(value: str | None) -> str:
    pieces: list[str] = []
    for run in ALNUM_RUN.findall(value or ""):
        pieces.extend(map(str.__add__, run[:-1], run[1:]))
    return " ".join(pieces)


def is_bigram_term(term: str) -> bool:
    """Whether a two-character term is found through the bigram tokens (else only a LIKE scan can find it)."""
    return len(term) == 2 and term.isalnum()


def word_phrase(term: str) -> str:
    """The FTS5 phrase of a Latin term's letter-and-digit runs: "zero-3" → '"zero 3"'."""
    return '"' + " ".join(LATIN_RUN.findall(term)) + '"'


def bigram_phrase(term: str) -> str:
    return '"' + term + '"'  # an alphanumeric term holds no quote


def companions_exist(connection: Connection) -> bool:
    """Whether the database has the companion tables (migration 0010): an older revision has only the trigram
    index, and search then takes the LIKE path."""
    found = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                       f"('{WORDS_TABLE}', '{BIGRAMS_TABLE}', '{ROWS_TABLE}')").scalar()
    return found == 3


def digest(row: Row) -> str:
    return hashlib.blake2b("\x1f".join(value or "" for value in row).encode(), digest_size=16).hexdigest()


def sync_companions(connection: Connection, *, before: Mapping[int, Row], after: Mapping[int, Row]) -> None:
    """Make the companion tables describe question_search's rows `after` (rowid → row), where they described its
    rows `before` the caller changed it (as read then; the same mapping when nothing changed)."""
    ledger: dict[int, str] = {row.id: row.digest for row in connection.execute(
        text(f"SELECT id, digest FROM {ROWS_TABLE}"))}
    if any(rowid not in before or digest(before[rowid]) != known for rowid, known in ledger.items()):
        for table in (WORDS_TABLE, BIGRAMS_TABLE):
            connection.execute(text(f"INSERT INTO {table} ({table}) VALUES ('delete-all')"))
        connection.execute(text(f"DELETE FROM {ROWS_TABLE}"))
        ledger = {}
    gone = [rowid for rowid in ledger if after.get(rowid) != before[rowid]]
    if gone:
        _write_tokens(connection, {rowid: before[rowid] for rowid in gone}, delete=True)
        connection.execute(text(f"DELETE FROM {ROWS_TABLE} WHERE id = :id"), [{"id": rowid} for rowid in gone])
    questions = {row.id: row for row in connection.execute(text(
        "SELECT id, position, kind, topic, difficulty FROM question"))}
    # A row of no known question (only a hand-edited index has one) gets no tokens: it ranks nowhere.
    new = {rowid: row for rowid, row in after.items()
           if (rowid not in ledger or rowid in gone) and row[0] in questions}
    if new:
        _write_tokens(connection, new, delete=False)
    _write_rows(connection, after, new, questions)


def _write_tokens(connection: Connection, rows: Mapping[int, Row], *, delete: bool) -> None:
    """Insert the tokens of `rows`, or hand FTS5 the same tokens back to delete them."""
    for table, tokens in ((WORDS_TABLE, word_text), (BIGRAMS_TABLE, bigram_text)):
        head = f"INSERT INTO {table} ({table + ', ' if delete else ''}rowid, {', '.join(COLUMNS)}) VALUES "
        values = ("'delete', " if delete else "") + ":rowid, " + ", ".join(f":{name}" for name in COLUMNS)
        connection.execute(text(head + f"({values})"), [
            {"rowid": rowid, **{name: tokens(value) for name, value in zip(COLUMNS, row[1:], strict=True)}}
            for rowid, row in rows.items()])


def _write_rows(connection: Connection, after: Mapping[int, Row], new: Mapping[int, Row],
                questions: Mapping[str, Any]) -> None:
    """The ranking row of every rowid: inserted for new rows, updated where the question moved or changed kind,
    topic or difficulty without changing its text."""
    current = {row.id: tuple(row[1:]) for row in connection.execute(text(
        f"SELECT id, question_id, position, kind, topic, difficulty FROM {ROWS_TABLE}"))}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for rowid, row in after.items():
        question = questions.get(row[0] or "")
        if question is None or (rowid not in new and rowid not in current):
            continue
        values = {"id": rowid, "question_id": question.id, "position": question.position, "kind": question.kind,
                  "topic": question.topic, "difficulty": question.difficulty, "digest": digest(row)}
        if rowid in new:
            inserts.append(values)
        elif current[rowid] != (question.id, question.position, question.kind, question.topic, question.difficulty):
            updates.append(values)
    if inserts:
        connection.execute(text(f"INSERT INTO {ROWS_TABLE} (id, question_id, position, kind, topic, difficulty, "
                                "digest) VALUES (:id, :question_id, :position, :kind, :topic, :difficulty, :digest)"),
                           inserts)
    if updates:
        connection.execute(text(f"UPDATE {ROWS_TABLE} SET position = :position, kind = :kind, topic = :topic, "
                                "difficulty = :difficulty WHERE id = :id"), updates)
