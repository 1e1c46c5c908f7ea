"""Migration 0010 fills the token tables of a database that already holds questions (imported at 0009), and search
goes through them from then on; going back drops them, and search falls back to LIKE, finding the same."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text
from sqlmodel import Session

from app.content.service import import_paths
from app.db import alembic_config, make_engine
from app.search.service import search
from app.search.tokens import COLUMN_BITS, GRAMS_TABLE, ROWS_TABLE, WORDS_TABLE, bigram_match, word_tokens
from app.settings import Settings
from tests.backends import database_url, sqlite_only
from tests.conftest import CONTENT
from tests.search.conftest import question, write_bank

COMPANIONS = {WORDS_TABLE, GRAMS_TABLE, ROWS_TABLE}
QUERIES = ["显存", "DP", "ZeRO", "显存 DP", "流水线"]


def words_in(term: str, column: str | None = None) -> str:
    """The rows where `term` stands as a word of its own: in `column`, or anywhere."""
    return " OR ".join(token for mask, token in word_tokens(term) if column is None or mask & COLUMN_BITS[column])


@sqlite_only("the token tables exist on SQLite only; on PostgreSQL 0010 changes nothing")
def test_upgrade_fills_the_token_tables_from_the_index(tmp_path: Path) -> None:
    url = database_url(tmp_path / "before_tokens.db")
    command.upgrade(alembic_config(url), "0009")
    bank = write_bank(tmp_path, "old", question("q-dp", "DP 与显存", answer="数据并行（DP）每卡一份模型。")
                      + question("q-fsdp", "FSDP 怎样省显存", answer="FSDP 切分参数。")
                      + question("q-pp", "流水线并行的气泡", answer="微批次填充流水线。"))
    engine = make_engine(url)
    import_paths(engine, [bank], settings=Settings(database_url=url, content_dir=CONTENT))
    with Session(engine) as session:
        assert not COMPANIONS & set(inspect(session.connection()).get_table_names())
        before = {query: [hit.id for hit in search(session=session, query=query).hits] for query in QUERIES}
    assert before["DP"] == ["q-dp", "q-fsdp"] and before["流水线"] == ["q-pp"]

    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        indexed = connection.execute(text("SELECT rowid, question_id FROM question_search ORDER BY rowid")).all()
        rows = connection.execute(text(f"SELECT id, question_id FROM {ROWS_TABLE} ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [tuple(row) for row in indexed] and len(rows) == 3
        def found(expression: str) -> set[str]:
            return set(connection.execute(text(
                f"SELECT m.question_id FROM {GRAMS_TABLE} JOIN {ROWS_TABLE} AS m ON m.id = {GRAMS_TABLE}.rowid "
                f"WHERE {GRAMS_TABLE} MATCH :e"), {"e": expression}).scalars())

        assert found(bigram_match("显存")) == {"q-dp", "q-fsdp"}
        assert found(words_in("dp", "title")) == {"q-dp"}
        assert found(words_in("dp")) == {"q-dp"}  # FSDP holds the piece dp, never the word
    with Session(engine) as session:
        assert {query: [hit.id for hit in search(session=session, query=query).hits] for query in QUERIES} == before

    command.downgrade(alembic_config(url), "0009")
    with Session(engine) as session:
        assert not COMPANIONS & set(inspect(session.connection()).get_table_names())
        assert {query: [hit.id for hit in search(session=session, query=query).hits] for query in QUERIES} == before
    engine.dispose()
