"""The SQLite index's companion tables: word and two-character tokens, and what ranking and filters read, per row.

`question_search` (FTS5, trigram tokens) answers terms of three characters or more. Beside it, row for row (the
same rowid), migration 0010 creates:

- `question_search_grams`: one token per distinct two-character piece of the question's letter-and-digit runs
  ("显存占用" → 显存 存占 占用, "FSDP" → fs sd dp), and one per distinct ASCII word, each carrying which of the four
  columns hold it (a letter for the set: 显存 in the title and the answer is "显存f"). So a two-character term
  ("显存", "DP") is found by a token lookup instead of a LIKE scan, and the lookup also says which columns it is in —
  what the ranking weighs — without one lookup per column; a Latin word likewise says whether and where it stands
  as a word of its own (DP in "数据并行（DP）", not in "FSDP");
- `question_search_words`: each column's ASCII letter-and-digit runs in order ("ZeRO-3 与 FSDP" → "ZeRO 3 FSDP"),
  for a Latin term of several runs ("zero-3" is the phrase "zero 3"), which needs positions;
- `question_search_rows`: per rowid, the question's id, bank position, kind, topic and difficulty — what ranking and
  the filters read, in a row of a few dozen bytes where the question's own row spans pages — and a digest of the
  text its tokens were made from.

Both token tables are contentless (the pieces of every question would double the database). FTS5 deletes a
contentless row only when handed the tokens it was given, so a row's tokens are regenerated from question_search's
stored text, and only while the digest says that text is still the text they came from; whenever it is not (the
index was edited behind the importer's back), both tables are emptied and refilled.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text

WORDS_TABLE, GRAMS_TABLE, ROWS_TABLE = "question_search_words", "question_search_grams", "question_search_rows"
COLUMNS = ("title", "prompt", "answer", "extra")
COLUMN_BITS = {name: 1 << number for number, name in enumerate(COLUMNS)}
ALL_MASKS = range(1, 1 << len(COLUMNS))  # every non-empty set of columns

CREATE_STATEMENTS = (
    # detail=full: a term such as "zero-3" is the phrase "zero 3", which needs token positions.
    f"CREATE VIRTUAL TABLE {WORDS_TABLE} USING fts5({', '.join(COLUMNS)}, content='', "
    "tokenize='unicode61 remove_diacritics 0')",
    # detail=none: a token is only ever asked for the rows that hold it. The ascii tokenizer folds ASCII case and
    # keeps every other character as it is, exactly as gram_text() writes the tokens.
    f"CREATE VIRTUAL TABLE {GRAMS_TABLE} USING fts5(grams, content='', detail=none, tokenize='ascii')",
    f"CREATE TABLE {ROWS_TABLE} (id INTEGER PRIMARY KEY, question_id VARCHAR(120) NOT NULL, "
    "position INTEGER NOT NULL, kind VARCHAR(8) NOT NULL, topic VARCHAR(120), difficulty INTEGER, "
    "digest VARCHAR(32) NOT NULL)",
)

# A word, as the whole-word ranking means it: a run of ASCII letters and digits (DP in "数据并行DP" or "DP-SGD", not
# in "FSDP"). Case is folded for ASCII only, as SQLite's LIKE does.
LATIN_RUN = re.compile(r"[A-Za-z0-9]+")
# A two-character piece is made of letters and digits of any script (str.isalnum).
ALNUM_RUN = re.compile(r"[^\W_]{2,}")
_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
MASK_LETTERS = string.ascii_lowercase[:1 << len(COLUMNS)]  # the letter of each set of columns (a = none, unused)
WORD_MARK = "\u00b7"  # "dp·b" is the word DP, "dpb" the piece dp: no piece holds a middle dot

Row = Sequence[str | None]  # a question_search row: question_id, title, prompt, answer, extra


def word_text(value: str | None) -> str:
    return " ".join(LATIN_RUN.findall(value or ""))


def gram_text(columns: Sequence[str | None]) -> str:
    """The grams table's tokens for a question's four columns: each piece and each word once, with its columns."""
    pieces: dict[str, int] = {}
    words: dict[str, int] = {}
    for name, value in zip(COLUMNS, columns, strict=True):
        bit, folded = COLUMN_BITS[name], (value or "").translate(_FOLD)
        for run in ALNUM_RUN.findall(folded):
            for piece in map(str.__add__, run[:-1], run[1:]):
                pieces[piece] = pieces.get(piece, 0) | bit
        for word in LATIN_RUN.findall(folded):
            words[word] = words.get(word, 0) | bit
    return " ".join([*(piece + MASK_LETTERS[mask] for piece, mask in pieces.items()),
                     *(word + WORD_MARK + MASK_LETTERS[mask] for word, mask in words.items())])


def is_bigram_term(term: str) -> bool:
    """Whether a two-character term is found through the pieces (else only a LIKE scan can find it)."""
    return len(term) == 2 and term.isalnum()


def is_single_word(term: str) -> bool:
    """Whether a Latin term is one run of letters and digits, whose whole-word places the grams table knows."""
    return LATIN_RUN.fullmatch(term) is not None


def bigram_tokens(term: str) -> Iterator[tuple[int, str]]:
    """Each set of columns (as a mask of COLUMN_BITS) and the token of the piece `term` in exactly those columns."""
    folded = term.translate(_FOLD)
    return ((mask, '"' + folded + MASK_LETTERS[mask] + '"') for mask in ALL_MASKS)


def word_tokens(term: str) -> Iterator[tuple[int, str]]:
    """Each set of columns and the token of the word `term` standing on its own in exactly those columns."""
    folded = term.translate(_FOLD)
    return ((mask, '"' + folded + WORD_MARK + MASK_LETTERS[mask] + '"') for mask in ALL_MASKS)


def bigram_match(term: str) -> str:
    """An FTS5 expression for the rows holding the piece `term` anywhere."""
    return "(" + " OR ".join(token for _mask, token in bigram_tokens(term)) + ")"


def word_phrase(term: str) -> str:
    """The FTS5 phrase of a Latin term's letter-and-digit runs: "zero-3" → '"zero 3"'."""
    return '"' + " ".join(LATIN_RUN.findall(term)) + '"'


def companions_exist(connection: Connection) -> bool:
    """Whether the database has the companion tables (migration 0010): an older revision has only the trigram
    index, and search then takes the LIKE path."""
    found = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                       f"('{WORDS_TABLE}', '{GRAMS_TABLE}', '{ROWS_TABLE}')").scalar()
    return found == 3


# Part of every row's digest: change it whenever word_text or gram_text change, and every digest then differs, so
# the next import refills both tables instead of handing FTS5 tokens it was never given.
TOKENS_VERSION = "1"


def digest(row: Row) -> str:
    text_of_row = "\x1f".join([TOKENS_VERSION, *(value or "" for value in row)])
    return hashlib.blake2b(text_of_row.encode(), digest_size=16).hexdigest()


def _ledger_holds(connection: Connection, ledger: Mapping[int, str], before: Mapping[int, Row]) -> bool:
    """Whether the ranking rows still describe exactly the tokens in both tables: one per tokenized row (FTS5 keeps
    a size row per row it was given), each row's text unchanged since."""
    for table in (WORDS_TABLE, GRAMS_TABLE):
        if connection.execute(text(f"SELECT count(*) FROM {table}_docsize")).scalar_one() != len(ledger):
            return False
    return all(rowid in before and digest(before[rowid]) == known for rowid, known in ledger.items())


def sync_companions(connection: Connection, *, before: Mapping[int, Row], after: Mapping[int, Row]) -> None:
    """Make the companion tables describe question_search's rows `after` (rowid → row), where they described its
    rows `before` the caller changed it (as read then; the same mapping when nothing changed)."""
    ledger: dict[int, str] = {row.id: row.digest for row in connection.execute(
        text(f"SELECT id, digest FROM {ROWS_TABLE}"))}
    if not _ledger_holds(connection, ledger, before):
        for table in (WORDS_TABLE, GRAMS_TABLE):
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
    command = "'delete', " if delete else ""
    connection.execute(text(
        f"INSERT INTO {WORDS_TABLE} ({WORDS_TABLE + ', ' if delete else ''}rowid, {', '.join(COLUMNS)}) "
        f"VALUES ({command}:rowid, {', '.join(':' + name for name in COLUMNS)})"), [
        {"rowid": rowid, **{name: word_text(value) for name, value in zip(COLUMNS, row[1:], strict=True)}}
        for rowid, row in rows.items()])
    connection.execute(text(
        f"INSERT INTO {GRAMS_TABLE} ({GRAMS_TABLE + ', ' if delete else ''}rowid, grams) "
        f"VALUES ({command}:rowid, :grams)"),
        [{"rowid": rowid, "grams": gram_text(row[1:])} for rowid, row in rows.items()])


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
