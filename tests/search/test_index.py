"""The FTS5 index follows every import in its transaction; the LIKE fallback finds what the index finds."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, col, select

from app.content.bank import ContentError
from app.models import Question
from app.search.filters import SearchFilters
from app.search.highlight import query_terms
from app.search.index import plain_text, rebuild_index
from app.search.service import fallback_search, search
from tests.backends import ON_POSTGRES
from tests.conftest import ImportInto, content_question_count
from tests.search.conftest import question, write_bank


def index_rows(session: Session) -> dict[str, tuple[str, ...]]:
    rows = session.connection().execute(text("SELECT question_id, title, prompt, answer, extra FROM question_search"))
    return {row[0]: tuple(row[1:]) for row in rows}


def active_ids(session: Session) -> set[str]:
    return set(session.exec(select(Question.id).where(col(Question.retired).is_(False))))


def test_import_fills_the_index_with_every_active_question(content_session: Session) -> None:
    rows = index_rows(content_session)
    assert set(rows) == active_ids(content_session) and len(rows) == content_question_count()
    title, prompt, answer, extra = rows["q-d348ff15b0"]
    assert "ZeRO" in title and "Zero Redundancy Optimizer" in prompt and answer
    # extra holds the concepts' names and aliases and the topic
    assert "零冗余优化器" in extra and "ZeRO-3" in extra and "分布式训练与系统架构" in extra


def test_reimport_retires_and_restores_in_the_index(engine: Engine, import_into: ImportInto, tmp_path: Path) -> None:
    first = question("q-keep", "保留的流水线问题") + question("q-drop", "将被删除的流水线问题")
    bank = write_bank(tmp_path, "bank-a", first)
    import_into(bank)
    with Session(engine) as session:
        assert set(index_rows(session)) == {"q-keep", "q-drop"}
    write_bank(tmp_path, "bank-a", question("q-keep", "保留的流水线问题", answer="新的答案：气泡"))
    import_into(bank)
    with Session(engine) as session:
        rows = index_rows(session)
        assert set(rows) == {"q-keep"} and "气泡" in rows["q-keep"][2]
        assert [hit.id for hit in search(session=session, query="流水线").hits] == ["q-keep"]
    write_bank(tmp_path, "bank-a", first)
    import_into(bank)
    with Session(engine) as session:
        assert set(index_rows(session)) == {"q-keep", "q-drop"}


def test_a_failed_import_leaves_the_index_as_it_was(engine: Engine, import_into: ImportInto, tmp_path: Path) -> None:
    good = write_bank(tmp_path, "good", question("q-good", "梯度累积是什么？"))
    import_into(good)
    bad = tmp_path / "bad.md"
    bad.write_text("---\npreplab: 1\nbank: bad\n---\n\n## 坏题\n\n```yaml\nkind: nonsense\n```\n", encoding="utf-8")
    with pytest.raises(ContentError):
        import_into(good, bad)
    with Session(engine) as session:
        assert set(index_rows(session)) == {"q-good"}


def test_rebuild_repairs_a_damaged_index_and_is_fast(content_engine: Engine) -> None:
    with Session(content_engine) as session:
        expected = index_rows(session)
        connection = session.connection()
        connection.execute(text("UPDATE question_search SET title = 'x' WHERE question_id = 'q-d348ff15b0'"))
        if ON_POSTGRES:  # a plain table there: its primary key and NOT NULLs already rule out a duplicate row
            connection.execute(text("INSERT INTO question_search VALUES ('q-gone', 'gone', '', '', '', 'gone', '{}')"))
        else:
            connection.execute(text("INSERT INTO question_search (question_id, title) VALUES ('q-d348ff15b0', 'dup')"))
            connection.execute(text("INSERT INTO question_search (question_id, title) VALUES ('q-gone', 'gone')"))
        connection.execute(text("DELETE FROM question_search WHERE question_id = 'q-5318348eeb'"))
        started = time.process_time()  # this process's CPU (SQLite works in it): a loaded machine's wall clock lies
        assert rebuild_index(session) == len(expected)
        elapsed = time.process_time() - started
        session.commit()
        assert index_rows(session) == expected
        count = session.connection().execute(text("SELECT count(*) FROM question_search")).scalar()
        assert count == len(expected)
    assert elapsed < 0.5  # about 20 ms here; the whole import must stay well under 2 s


def test_plain_text_drops_markup_that_clutters_snippets() -> None:
    markdown = "## 标题\n\n| 阶段 | 切分 |\n| :--- | :---: |\n| 1 | **优化器** |\n"
    markdown += "```json\n{\"stage\": 2}\n```\n> 引用 `x`"
    markdown += "\n\n- 列表项\n  * 子项 a*b\n---\n1. 第一"
    assert plain_text(markdown) == '标题 阶段 切分 1 优化器 {"stage": 2} 引用 x 列表项 子项 a*b 1. 第一'
    assert plain_text("__init__ \ue000x\ue001") == "__init__ x"  # identifiers kept, private markers removed


@pytest.mark.parametrize("query", ["零冗余", "ZeRO", "混合精度", "LoRA", "显存", "ZeRO 显存", "mixed precision",
                                   "DeepSpeed 配置", "低秩自适应", "梯度 检查点"])
def test_the_fallback_finds_what_the_index_finds(content_session: Session, query: str) -> None:
    """PostgreSQL has no FTS5: its ILIKE path must find the same questions (called directly here, on SQLite)."""
    indexed = search(session=content_session, query=query, limit=100)
    hits, total = fallback_search(session=content_session, terms=query_terms(query), limit=100)
    assert total == indexed.total > 0
    assert {hit.id for hit in hits} == {hit.id for hit in indexed.hits}
    assert all("<mark>" in hit.snippet or "<mark>" in hit.title_html for hit in hits)


def test_the_fallback_ranks_by_column_and_filters(content_session: Session) -> None:
    hits, _total = fallback_search(session=content_session, terms=["LoRA"])
    assert hits[0].id == "q-5318348eeb"  # the only one with LoRA in its title
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    mcq, total = fallback_search(session=content_session, terms=["显存"], filters=SearchFilters(kind="mcq"), limit=2)
    assert total > 2 and len(mcq) == 2 and {hit.kind for hit in mcq} == {"mcq"}
    page2, _ = fallback_search(session=content_session, terms=["显存"], filters=SearchFilters(kind="mcq"), offset=2)
    assert not {hit.id for hit in mcq} & {hit.id for hit in page2}


def test_an_empty_index_falls_back_instead_of_finding_nothing(content_engine: Engine) -> None:
    """A database migrated to the search revision but not re-imported yet still answers searches."""
    with Session(content_engine) as session:
        before = [hit.id for hit in search(session=session, query="混合精度", limit=100).hits]
        session.connection().execute(text("DELETE FROM question_search"))
        after = search(session=session, query="混合精度", limit=100)
        assert {hit.id for hit in after.hits} == set(before)
        rebuild_index(session)
        session.commit()
        assert session.exec(select(func.count()).select_from(Question)).one() == content_question_count()
