"""The SQLite index's token tables (two-character pieces and words, each with the columns holding it; words in order
for phrases): what they hold, that every import keeps them exact (contentless FTS5 deletes only what it is handed
back), and that searching through them ranks exactly as the semantics say — checked against a brute-force reading
of every question's text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, col, select

from app.models import Question
from app.search.filters import EXACT_WORD_BONUS, INSIDE_WORD_SCALE, LATIN_TERM, WEIGHTS, WORD_BONUS, SearchFilters
from app.search.highlight import query_terms
from app.search.index import question_documents, rebuild_index
from app.search.service import fallback_search, search
from app.search.tokens import (
    GRAMS_TABLE,
    ROWS_TABLE,
    WORDS_TABLE,
    bigram_match,
    gram_text,
    is_bigram_term,
    is_single_word,
    word_phrase,
    word_text,
)
from tests.backends import sqlite_only
from tests.conftest import ImportInto
from tests.search.conftest import question, write_bank

pytestmark = sqlite_only("the token tables sit beside SQLite's FTS5 index; PostgreSQL has its own (tests/postgres)")


def test_words_are_ascii_letter_and_digit_runs() -> None:
    assert word_text("ZeRO-3 与 FSDP：数据并行DP，torch.cuda.amp") == "ZeRO 3 FSDP DP torch cuda amp"
    assert word_phrase("zero-3") == '"zero 3"' and word_phrase("torch.cuda.amp") == '"torch cuda amp"'
    assert word_text(None) == word_text("显存") == ""


def test_grams_are_pieces_and_words_each_with_the_columns_that_hold_it() -> None:
    # title, prompt, answer, extra: bits 1, 2, 4, 8; the letter of a set is the alphabet's at that number
    assert gram_text(["显存占用", "FSDP 显存", None, ""]) == "显存d 存占b 占用b fsc sdc dpc fsdp·c"
    assert gram_text(["", "", "DP显存，a", "数据并行（DP）"]) == "dpm p显e 显存e 数据i 据并i 并行i dp·m a·e"
    assert [term for term in ("显存", "DP", "kv", "C#", "卡", "a.") if is_bigram_term(term)] == ["显存", "DP", "kv"]
    assert [term for term in ("DP", "LoRA", "zero-3", "torch.cuda") if is_single_word(term)] == ["DP", "LoRA"]


def companion_counts(connection: Connection) -> tuple[int, int]:
    search_rows = connection.execute(text("SELECT count(*) FROM question_search")).scalar_one()
    ranking_rows = connection.execute(text(f"SELECT count(*) FROM {ROWS_TABLE}")).scalar_one()
    return search_rows, ranking_rows


def token_rows(connection: Connection, table: str, expression: str) -> set[str]:
    return set(connection.execute(text(
        f"SELECT m.question_id FROM {table} JOIN {ROWS_TABLE} AS m ON m.id = {table}.rowid WHERE {table} MATCH :e"),
        {"e": expression}).scalars())


def assert_tokens_exact(connection: Connection) -> None:
    """FTS5's own structural check of both token tables, and one ranking row per index row. (Stale tokens are
    caught by the lookups in the tests: a question that no longer has a term must not be found by it.)"""
    for table in (WORDS_TABLE, GRAMS_TABLE):
        connection.execute(text(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')"))
    search_rows, ranking_rows = companion_counts(connection)
    assert search_rows == ranking_rows


def test_a_reimport_replaces_the_tokens_of_a_changed_question(engine: Engine, import_into: ImportInto,
                                                              tmp_path: Path) -> None:
    unchanged = question("q-b", "不变的题目", answer="ZeRO 切分优化器状态。")
    bank = write_bank(tmp_path, "tokens", question("q-a", "旧标题讲篮球", answer="用 Foobar 切分。") + unchanged)
    import_into(bank)
    with Session(engine) as session:
        connection = session.connection()
        assert token_rows(connection, GRAMS_TABLE, bigram_match("篮球")) == {"q-a"}
        assert token_rows(connection, WORDS_TABLE, '"foobar"') == {"q-a"}
        assert token_rows(connection, WORDS_TABLE, 'title : "foobar"') == set()
        assert_tokens_exact(connection)
    write_bank(tmp_path, "tokens", question("q-a", "新标题讲 Quxly 围棋", answer="交错。") + unchanged
               + question("q-c", "新的题目讲篮球"))
    import_into(bank)
    with Session(engine) as session:
        connection = session.connection()
        assert token_rows(connection, GRAMS_TABLE, bigram_match("篮球")) == {"q-c"}  # q-a's old tokens are gone
        assert token_rows(connection, GRAMS_TABLE, bigram_match("围棋")) == {"q-a"}
        assert token_rows(connection, WORDS_TABLE, '"foobar"') == set()
        assert token_rows(connection, WORDS_TABLE, 'title : "quxly"') == {"q-a"}
        assert token_rows(connection, WORDS_TABLE, '"zero"') == {"q-b"}
        assert_tokens_exact(connection)
        assert [hit.id for hit in search(session=session, query="篮球").hits] == ["q-c"]
    write_bank(tmp_path, "tokens", unchanged)
    import_into(bank)  # q-a and q-c retired
    with Session(engine) as session:
        connection = session.connection()
        assert token_rows(connection, GRAMS_TABLE, " OR ".join(map(bigram_match, ("围棋", "篮球", "题目")))) == {"q-b"}
        assert_tokens_exact(connection)


def test_a_question_that_only_moves_keeps_its_tokens_and_ranks_at_its_new_place(
        engine: Engine, import_into: ImportInto, tmp_path: Path) -> None:
    first, second = question("q-1", "显存题一", difficulty=3), question("q-2", "显存题二", difficulty=3)
    bank = write_bank(tmp_path, "order", first + second)
    import_into(bank)
    with Session(engine) as session:
        assert [hit.id for hit in search(session=session, query="显存").hits] == ["q-1", "q-2"]
    write_bank(tmp_path, "order", second.replace("difficulty: 3", "difficulty: 8") + first)
    import_into(bank)
    with Session(engine) as session:
        assert [hit.id for hit in search(session=session, query="显存").hits] == ["q-2", "q-1"]
        hard = search(session=session, query="显存", filters=SearchFilters(difficulty_min=7))
        assert [hit.id for hit in hard.hits] == ["q-2"]


def test_an_index_edited_behind_the_importers_back_is_refilled(content_engine: Engine) -> None:
    with Session(content_engine) as session:
        connection = session.connection()
        expected = token_rows(connection, GRAMS_TABLE, bigram_match("显存"))
        # the stored text changes under the tokens: deleting them by that text would corrupt the bigram table
        connection.execute(text("UPDATE question_search SET answer = '改写' WHERE question_id = 'q-d348ff15b0'"))
        connection.execute(text("DELETE FROM question_search WHERE question_id = 'q-5318348eeb'"))
        rebuild_index(session)
        assert token_rows(connection, GRAMS_TABLE, bigram_match("显存")) == expected
        assert "q-5318348eeb" in token_rows(connection, WORDS_TABLE, 'title : "lora"')
        assert_tokens_exact(connection)
        # a ranking row lost: the next rebuild gives it back, and every lookup still finds what the text holds
        connection.execute(text(f"DELETE FROM {ROWS_TABLE} WHERE question_id = 'q-5318348eeb'"))
        rebuild_index(session)
        assert token_rows(connection, GRAMS_TABLE, bigram_match("显存")) == expected
        assert "q-5318348eeb" in token_rows(connection, WORDS_TABLE, 'title : "lora"')
        assert_tokens_exact(connection)
        session.rollback()


def whole_word(term: str, value: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(term.casefold())}(?![a-z0-9])", value.casefold()) is not None


def brute_force(session: Session, query: str) -> list[str]:
    """The ranking of a query of short terms, read off every question's text: every term a substring somewhere;
    the weighted columns it is in (a Latin term a tenth); a Latin term as a word of its own anywhere, and per
    column; ties by bank position."""
    terms = query_terms(query)
    positions = {row[0]: row[1] for row in session.exec(
        select(Question.id, Question.position).where(col(Question.retired).is_(False)))}
    ranked = []
    for doc in question_documents(session=session):
        columns = {name: doc[name].casefold() for name in WEIGHTS}
        if not all(any(term.casefold() in value for value in columns.values()) for term in terms):
            continue
        score = 0.0
        for term in terms:
            latin = LATIN_TERM.fullmatch(term) is not None
            inside = sum(weight for name, weight in WEIGHTS.items() if term.casefold() in columns[name])
            score += (INSIDE_WORD_SCALE if latin else 1.0) * inside
            words = {name for name in WEIGHTS if latin and whole_word(term, doc[name])}
            score += (EXACT_WORD_BONUS if words else 0.0) + sum(WORD_BONUS[name] for name in words)
        ranked.append((-score, positions[doc["question_id"]], doc["question_id"]))
    return [question_id for *_, question_id in sorted(ranked)]


@pytest.mark.parametrize("query", ["显存", "DP", "KV", "显存 DP", "并行 通信", "DP 卡", "训练 a"])
def test_short_terms_rank_exactly_as_their_definition(content_session: Session, query: str) -> None:
    """Bigram terms, and with them one-character terms (the one kind still found by LIKE)."""
    expected = brute_force(content_session, query)
    page = search(session=content_session, query=query, limit=100)
    assert page.total == len(expected) > 0
    assert [hit.id for hit in page.hits] == expected[:100]


def test_mixed_terms_find_what_the_text_holds(content_session: Session) -> None:
    """A term of three characters or more ranks by bm25: the set of questions is what can be read off the text."""
    for query in ("训练 GPU", "ZeRO 显存 DP", "混合精度 a"):
        page = search(session=content_session, query=query, limit=100)
        hits, total = fallback_search(session=content_session, terms=query_terms(query), limit=100)
        assert page.total == total > 0 and {hit.id for hit in page.hits} == {hit.id for hit in hits}


@pytest.mark.parametrize("query", ["Transformer", "ZeRO-3", "LoRA", "checkpoint", "torch.cuda.amp"])
def test_latin_terms_as_whole_words_come_first(content_session: Session, query: str) -> None:
    page = search(session=content_session, query=query, limit=100)
    documents = {doc["question_id"]: doc for doc in question_documents(session=content_session,
                                                                        question_ids=[hit.id for hit in page.hits])}
    as_word = [any(whole_word(query, documents[hit.id][name]) for name in WEIGHTS) for hit in page.hits]
    assert page.total == len(page.hits) > 0 and as_word[0]
    assert as_word == sorted(as_word, reverse=True)
