"""Search on PostgreSQL goes through its indexes (pg_trgm for terms of three characters or more, the gram array for
shorter ones), never a scan of every question, and finds Chinese substrings and English words ranked as on SQLite.
PostgreSQL only: the SQLite half searches through FTS5 (tests/search)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session

from app.db import make_engine
from app.search.index import rebuild_index
from app.search.postgres import short_grams
from app.search.service import search
from tests.backends import ON_POSTGRES, copy_database, database_url
from tests.server import imported_database

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: set PREPLAB_TEST_POSTGRES_URL")

TRIGRAM_INDEX, GRAMS_INDEX = "question_search_body_trgm", "question_search_grams"


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return imported_database(tmp_path_factory.mktemp("pg-search") / "content.db")


def _engine_on_copy(content: Path, folder: Path) -> Engine:
    return make_engine(database_url(copy_database(content, folder / "copy.db")))


@pytest.fixture(scope="module")
def engine(content: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _engine_on_copy(content, tmp_path_factory.mktemp("pg-search-copy"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def big(content: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The content and six thousand more questions, indexed by the app's own rebuild: a table where a scan of every
    row costs what it would for a big team's banks, so the planner has to choose."""
    engine = _engine_on_copy(content, tmp_path_factory.mktemp("pg-search-big"))
    filler = "填充文本 ' || n || ' 关于流水线并行与张量并行的第 ' || n || ' 个问题 pipeline tensor"
    with Session(engine) as session:
        connection = session.connection()
        model = connection.execute(text("SELECT min(id) FROM question WHERE NOT retired")).scalar_one()
        connection.execute(text(  # copies of one question under new ids, whatever columns the table has by now
            "INSERT INTO question SELECT (jsonb_populate_record(NULL::question, to_jsonb(q) || jsonb_build_object("
            f"'id', 'q-fill-' || n, 'title', '{filler}', 'prompt', '{filler}', 'answer', '{filler}', "
            f"'explanation', '', 'position', 100000 + n))).* "
            "FROM question AS q, generate_series(1, 6000) AS n WHERE q.id = :model"), {"model": model})
        connection.execute(text("DELETE FROM question_concept WHERE question_id LIKE 'q-fill-%'"))
        rebuild_index(session)
        session.commit()
    yield engine
    engine.dispose()


def statements_of_search(engine: Engine, query: str) -> list[tuple[str, Any]]:
    """The SQL that one search runs, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, parameters: Any, *_rest: object) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            assert search(session=session, query=query).total > 0
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [(statement, parameters) for statement, parameters in seen
            if "question_search" in statement and ("LIKE" in statement or "@>" in statement)]


def plan(connection: Any, statement: str, parameters: Any) -> str:
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))


@pytest.mark.parametrize(("query", "index"), [("混合精度", TRIGRAM_INDEX), ("ZeRO", TRIGRAM_INDEX),
                                              ("显存", GRAMS_INDEX), ("DP", GRAMS_INDEX),
                                              ("显存 混合精度", TRIGRAM_INDEX)])
def test_the_search_queries_use_the_indexes_by_themselves(big: Engine, query: str, index: str) -> None:
    """The very statements a search runs (its count and its ranked page), planned with no setting changed, on six
    thousand questions (on the 200 of content/ alone a scan is cheaper than any index, and the planner knows it)."""
    statements = statements_of_search(big, query)
    assert len(statements) == 2
    with big.connect() as connection:
        for statement, parameters in statements:
            shown = plan(connection, statement, parameters)
            assert index in shown and "Seq Scan on question_search" not in shown, shown


def _bodies(engine: Engine, ids: list[str]) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT question_id, body FROM question_search WHERE question_id = ANY(:ids)"),
                                  {"ids": ids})
        return dict(rows.all())


def _shown(hit: Any) -> str:
    return str(hit.title_html) + str(hit.snippet)


@pytest.mark.parametrize("query", ["显存", "梯度", "混合精", "零冗余", "通信开销"])
def test_chinese_substrings_of_two_and_three_characters_are_found_title_matches_first(engine: Engine,
                                                                                      query: str) -> None:
    with Session(engine) as session:
        page = search(session=session, query=query, limit=100)
    assert page.total >= 3 and len(page.hits) == min(page.total, 100)
    bodies = _bodies(engine, [hit.id for hit in page.hits])
    assert all(query in bodies[hit.id] for hit in page.hits)
    assert any(f"<mark>{query}</mark>" in _shown(hit) for hit in page.hits)
    in_title = [query in hit.title for hit in page.hits]
    assert in_title[0] and in_title == sorted(in_title, reverse=True)  # every title match before any other
    scores = [hit.score for hit in page.hits]
    assert scores == sorted(scores, reverse=True)


def test_english_words_are_found_case_insensitively_whole_words_first(engine: Engine) -> None:
    with Session(engine) as session:
        lora = search(session=session, query="lora", limit=100)
        upper = search(session=session, query="LoRA", limit=100)
        deepspeed = search(session=session, query="DeepSpeed ZeRO", limit=100)
    assert [hit.id for hit in lora.hits] == [hit.id for hit in upper.hits] and lora.total > 2
    titles = [hit.title for hit in lora.hits]
    first_qlora = next(n for n, title in enumerate(titles) if "QLoRA" in title)
    assert all("LoRA" in title.replace("QLoRA", "") for title in titles[:first_qlora]) and first_qlora > 0
    bodies = _bodies(engine, [hit.id for hit in deepspeed.hits])
    assert deepspeed.total > 0 and all("deepspeed" in bodies[hit.id] and "zero" in bodies[hit.id]
                                       for hit in deepspeed.hits)


def test_terms_no_question_holds_find_nothing_and_like_wildcards_are_literal(engine: Engine) -> None:
    with Session(engine) as session:
        assert search(session=session, query="量子纠缠计算机").total == 0
        assert search(session=session, query="%%%").total == 0 and search(session=session, query="a_b_c").total == 0


def test_short_grams_are_every_one_and_two_character_piece_lower_cased() -> None:
    assert short_grams(["显存 DP"]) == sorted({"显", "存", "显存", "d", "p", "dp"})
    assert "存d" not in short_grams(["显存", "DP"])  # nothing spans two columns
