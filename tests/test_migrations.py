"""Every migration upgrades a database that already holds a learner's data without losing any of it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from app.content.service import import_paths
from app.db import alembic_config, make_engine
from app.labs.manage import set_hidden
from app.labs.processes import end_leftover_runs
from app.mock.service import save_answer
from app.review.controls import set_flag, set_suspended
from app.settings import PROJECT_ROOT, Settings
from tests.backends import database_url, sqlite_only

# The rows below are SQLite's SQL (1/0 for booleans, `user` unquoted, explicit ids, PRAGMA table_info); the same
# upgrade holding a learner's data runs on PostgreSQL in tests/postgres/test_upgrade_with_data.py.
pytestmark = sqlite_only("raw SQLite statements; tests/postgres/test_upgrade_with_data.py upgrades on PostgreSQL")

USER_DATA = [
    "INSERT INTO user (id, name, created_at) VALUES (1, 'local', '2026-01-01 00:00:00')",
    "INSERT INTO bank (id, title, description, path, canonical, position) VALUES ('b', 'B', '', 'b.md', 1, 0)",
    "INSERT INTO question (id, bank_id, position, kind, title, prompt, answer, explanation, unanswered, retired,"
    " content_hash) VALUES ('q-1', 'b', 0, 'open', 't', 'p', 'a', '', 0, 0, 'h')",
    "INSERT INTO review_card (id, user_id, question_id, state, step, stability, difficulty, due, reps, lapses)"
    " VALUES (1, 1, 'q-1', 2, NULL, 12.5, 4.2, '2026-02-01 00:00:00', 3, 0)",
    "INSERT INTO review_log (id, user_id, question_id, rating, reviewed_at, duration_ms, origin, card_before)"
    " VALUES (1, 1, 'q-1', 3, '2026-01-10 00:00:00', 4200, 'review', '{}')",
    "INSERT INTO note (id, user_id, question_id, body, updated_at) VALUES (1, 1, 'q-1', '我的笔记', '2026-01-10')",
    "INSERT INTO bookmark (user_id, question_id, created_at) VALUES (1, 'q-1', '2026-01-10')",
]


def test_upgrade_from_the_first_revision_keeps_user_data(tmp_path: Path) -> None:
    url = database_url(tmp_path / 'old.db')
    command.upgrade(alembic_config(url), "0001")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in USER_DATA:
            connection.execute(text(statement))
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        card = connection.execute(text("SELECT stability, difficulty, reps FROM review_card")).one()
        assert tuple(card) == (12.5, 4.2, 3)
        log = connection.execute(text("SELECT rating, duration_ms, scheduled, idempotency_key FROM review_log")).one()
        assert tuple(log) == (3, 4200, 1, None)
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
        assert connection.execute(text("SELECT count(*) FROM bookmark")).scalar() == 1
    engine.dispose()


def test_downgrade_to_the_first_revision_and_back(tmp_path: Path) -> None:
    url = database_url(tmp_path / 'roundtrip.db')
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "0001")
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM question_search")).scalar() == 0
    engine.dispose()


def test_upgrade_to_text_fixes_keeps_corrections_and_user_data(tmp_path: Path) -> None:
    url = database_url(tmp_path / 'before_text_fixes.db')
    command.upgrade(alembic_config(url), "0002")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in USER_DATA:
            connection.execute(text(statement))
        connection.execute(text(
            "INSERT INTO review_log (id, user_id, question_id, rating, reviewed_at, duration_ms, origin, card_before,"
            " scheduled, idempotency_key) VALUES (2, 1, 'q-1', 4, '2026-01-11', 900, 'quiz', '{}', 0, '1:q-1:3')"))
        connection.execute(text("INSERT INTO alternate (id, question_id, position, answer, document, line)"
                                " VALUES (1, 'q-1', 0, '另一个答案', 'a.txt', 7)"))
        connection.execute(text(
            "INSERT INTO correction (id, question_id, alternate_id, position, text, sources) VALUES"
            " (1, 'q-1', NULL, 0, '切分的是模型状态', '[\"ZeRO 论文\"]'),"
            " (2, 'q-1', 1, 0, '不是数据', '[\"文档\"]')"))
    command.upgrade(alembic_config(url), "0003")
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT id, alternate_id, text, sources, lab FROM correction ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, None, "切分的是模型状态", '["ZeRO 论文"]', None),
                                                 (2, 1, "不是数据", '["文档"]', None)]
        logs = connection.execute(text("SELECT rating, scheduled, idempotency_key FROM review_log ORDER BY id")).all()
        assert [tuple(log) for log in logs] == [(3, 1, None), (4, 0, "1:q-1:3")]
        card = connection.execute(text("SELECT stability, difficulty, reps FROM review_card")).one()
        assert tuple(card) == (12.5, 4.2, 3)
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
        assert connection.execute(text("SELECT count(*) FROM bookmark")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM text_fix")).scalar() == 0
        connection.execute(text("INSERT INTO text_fix (question_id, position, original, fixed, source_document,"
                                " source_line) VALUES ('q-1', 0, '进稈', '进程', 'a.txt', 3)"))
        connection.execute(text("UPDATE correction SET lab = 'zero-memory' WHERE id = 1"))
        assert connection.execute(text("SELECT lab FROM correction WHERE id = 1")).scalar() == "zero-memory"
    command.downgrade(alembic_config(url), "0002")  # and back: the corrections survive losing their lab
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM correction")).scalar() == 2
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
    engine.dispose()


MOCK_ROUND = [
    "INSERT INTO question (id, bank_id, position, kind, title, prompt, answer, explanation, unanswered, retired,"
    " content_hash) VALUES ('q-2', 'b', 1, 'mcq', 't2', 'p2', '', '', 0, 0, 'h2')",
    "INSERT INTO choice (id, question_id, position, label, text, correct) VALUES"
    " (1, 'q-2', 0, 'A', '对', 1), (2, 'q-2', 1, 'B', '错', 0)",
    "INSERT INTO mock_interview (id, user_id, title, settings, started_at, deadline, finished_at) VALUES"
    " (1, 1, '周五练习', '{\"minutes\": 60, \"count\": 2}', '2026-01-10 08:00:00', '2999-01-01 00:00:00', NULL)",
    "INSERT INTO mock_answer (id, interview_id, position, question_id, answer, choice, flagged, self_grade,"
    " time_spent_ms, saved_at) VALUES"
    " (1, 1, 1, 'q-1', '升级前写下的回答', NULL, 1, NULL, 91000, '2026-01-10 08:05:00'),"
    " (2, 1, 2, 'q-2', '', 'A', 0, NULL, 12000, '2026-01-10 08:06:00')",
]
MOCK_ANSWERS = "SELECT position, answer, choice, flagged, time_spent_ms, saved_at FROM mock_answer ORDER BY position"


def test_upgrade_to_answer_revisions_keeps_a_running_round(tmp_path: Path) -> None:
    url = database_url(tmp_path / 'before_revisions.db')
    command.upgrade(alembic_config(url), "0003")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in USER_DATA + MOCK_ROUND:
            connection.execute(text(statement))
        connection.execute(text("INSERT INTO correction (id, question_id, position, text, sources, lab) VALUES"
                                " (1, 'q-1', 0, '切分的是模型状态', '[]', 'zero-memory')"))
        answers_before = [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()]
    assert answers_before[0][1] == "升级前写下的回答"
    command.upgrade(alembic_config(url), "head")  # the app below needs the newest schema
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()] == answers_before
        assert connection.execute(text("SELECT revision FROM mock_answer ORDER BY position")).scalars().all() == [0, 0]
        interview = connection.execute(text("SELECT title, settings, finished_at FROM mock_interview")).one()
        assert tuple(interview) == ("周五练习", '{"minutes": 60, "count": 2}', None)
        card = connection.execute(text("SELECT stability, difficulty, reps FROM review_card")).one()
        assert tuple(card) == (12.5, 4.2, 3)
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
        assert connection.execute(text("SELECT count(*) FROM bookmark")).scalar() == 1
        assert connection.execute(text("SELECT lab FROM correction")).scalar() == "zero-memory"
    with Session(engine) as session:  # the round goes on: the first numbered save is newer than the old answers
        saved = save_answer(session=session, user_id=1, interview_id=1, position=1, answer="升级后接着写",
                            revision=1)
        assert not saved.stale and saved.round.item(1).answer.revision == 1
        assert saved.round.item(2).chosen == ["A"] and saved.round.item(2).answer.time_spent_ms == 12000
    command.downgrade(alembic_config(url), "0003")  # and back: the answers survive losing their revision
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()]
        assert rows[0][1] == "升级后接着写" and rows[1] == answers_before[1]
        columns = [row[1] for row in connection.execute(text("PRAGMA table_info(mock_answer)")).all()]
        assert "revision" not in columns and "time_spent_ms" in columns
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
    engine.dispose()


MODEL_ANSWER_BANK = """---
preplab: 1
bank: b
title: B
---

## t

```yaml
id: q-1
kind: open
concepts: [zero]
```

### 题目

p

### 参考答案

ZeRO 把优化器状态、梯度和参数切分到数据并行的各张卡上。

### 参考资料

- ZeRO 论文（Rajbhandari et al., SC 2020, arXiv:1910.02054）§5

### 要点

- 切分模型状态
- 三个阶段
- 通信换显存

### 原文答案

a

### 勘误

- 原答案只写了一个字母。
  原文：a
  来源：ZeRO 论文 §5
"""


def test_upgrade_to_model_answers_keeps_reviews_notes_and_mock_history(tmp_path: Path) -> None:
    url = database_url(tmp_path / 'before_model_answers.db')
    command.upgrade(alembic_config(url), "0004")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in USER_DATA + MOCK_ROUND:
            connection.execute(text(statement))
        connection.execute(text("INSERT INTO correction (id, question_id, position, text, sources, lab) VALUES"
                                " (1, 'q-1', 0, '切分的是模型状态', '[]', 'zero-memory')"))
        answers_before = [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()]
    command.upgrade(alembic_config(url), "0005")
    with engine.connect() as connection:
        question = connection.execute(text(
            "SELECT answer, original_answer, has_model_answer, model_references FROM question WHERE id = 'q-1'")).one()
        assert tuple(question) == ("a", "a", 0, "[]")  # until re-imported, the stored answer is the document's
        assert connection.execute(text("SELECT quote FROM correction")).scalar() is None
        assert [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()] == answers_before
        log = connection.execute(text("SELECT rating, duration_ms FROM review_log")).one()
        assert tuple(log) == (3, 4200)
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
    bank = tmp_path / "banks" / "b.md"
    bank.parent.mkdir()
    bank.write_text(MODEL_ANSWER_BANK, encoding="utf-8")
    settings = Settings(database_url=url, content_dir=PROJECT_ROOT / "content")
    import_paths(engine, [bank], settings=settings)
    with engine.connect() as connection:
        question = connection.execute(text(
            "SELECT answer, original_answer, has_model_answer FROM question WHERE id = 'q-1'")).one()
        assert question[0].startswith("ZeRO 把优化器状态") and question[1] == "a" and question[2] == 1
        assert connection.execute(text("SELECT quote FROM correction")).scalar() == "a"
        card = connection.execute(text("SELECT stability, difficulty, reps FROM review_card")).one()
        assert tuple(card) == (12.5, 4.2, 3)
        assert connection.execute(text("SELECT count(*) FROM review_log")).scalar() == 1
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
        assert [tuple(row)[:2] for row in connection.execute(text(MOCK_ANSWERS)).all()] == [
            row[:2] for row in answers_before]
    command.downgrade(alembic_config(url), "0004")  # and back: the document's answer is what remains
    with engine.connect() as connection:
        columns = [row[1] for row in connection.execute(text("PRAGMA table_info(question)")).all()]
        assert "original_answer" not in columns
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
    engine.dispose()


SETTINGS_ROW = ("INSERT INTO user_settings (user_id, daily_new_limit, desired_retention, language, theme,"
                " fsrs_parameters, updated_at) VALUES (1, 7, 0.85, 'en', 'dark', NULL, '2026-01-10')")


def test_upgrade_to_the_study_plan_keeps_settings_reviews_and_notes(tmp_path: Path) -> None:
    url = database_url(tmp_path / 'before_plan.db')
    command.upgrade(alembic_config(url), "0005")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in [*USER_DATA, SETTINGS_ROW, *MOCK_ROUND]:
            connection.execute(text(statement))
        answers_before = [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()]
    command.upgrade(alembic_config(url), "0006")
    with engine.connect() as connection:
        prefs = connection.execute(text(
            "SELECT daily_new_limit, desired_retention, language, theme, daily_review_limit, interview_date,"
            " interview_topics FROM user_settings")).one()
        assert tuple(prefs) == (7, 0.85, "en", "dark", 100, None, "[]")  # no interview yet, Anki-like review cap
        card = connection.execute(text("SELECT stability, difficulty, reps, due FROM review_card")).one()
        assert tuple(card)[:3] == (12.5, 4.2, 3)
        assert connection.execute(text("SELECT rating, duration_ms FROM review_log")).one() == (3, 4200)
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
        assert connection.execute(text("SELECT count(*) FROM bookmark")).scalar() == 1
        assert [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()] == answers_before
        assert connection.execute(text("SELECT count(*) FROM learner_question")).scalar() == 0
    with Session(engine) as session:  # the new controls work on the upgraded data
        set_suspended(session=session, user_id=1, question_id="q-1", suspended=True)
        assert set_flag(session=session, user_id=1, question_id="q-1", flag=1).flag_name == "red"
    command.downgrade(alembic_config(url), "0005")  # and back: settings, cards and notes survive
    with engine.connect() as connection:
        columns = [row[1] for row in connection.execute(text("PRAGMA table_info(user_settings)")).all()]
        assert "interview_date" not in columns and "daily_new_limit" in columns
        assert connection.execute(text("SELECT daily_new_limit, language FROM user_settings")).one() == (7, "en")
        assert connection.execute(text("SELECT stability FROM review_card")).scalar() == 12.5
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
    engine.dispose()


LAB_RUNS = [
    "INSERT INTO lab_run (id, lab, status, reference, device, params, result, error, started_at, finished_at) VALUES"
    " (1, 'lora', 'done', 1, 'NVIDIA H200 ×1', '{\"steps\": 50}', '{\"lab\": \"lora\"}', '', '2026-11-23 08:00:00',"
    " '2026-11-23 08:10:00'),"
    " (2, 'lora', 'done', 0, 'CPU', '{\"steps\": 8}', '{\"lab\": \"lora\"}', '', '2026-12-01 09:00:00',"
    " '2026-12-01 09:01:00'),"
    " (3, 'mixed-precision', 'running', 0, 'cpu', '{}', NULL, '', '2026-12-01 10:00:00', NULL)",
]
LAB_RUN_COLUMNS = "SELECT id, lab, status, reference, device, params, result, started_at FROM lab_run ORDER BY id"


def test_upgrade_to_lab_processes_keeps_lab_runs_and_user_data(tmp_path: Path) -> None:
    url = database_url(tmp_path / 'before_lab_processes.db')
    command.upgrade(alembic_config(url), "0006")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in [*USER_DATA, SETTINGS_ROW, *MOCK_ROUND, *LAB_RUNS]:
            connection.execute(text(statement))
        runs_before = [tuple(row) for row in connection.execute(text(LAB_RUN_COLUMNS)).all()]
        answers_before = [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()]
    command.upgrade(alembic_config(url), "0007")
    with engine.connect() as connection:
        assert [tuple(row) for row in connection.execute(text(LAB_RUN_COLUMNS)).all()] == runs_before
        added = connection.execute(text("SELECT hidden, pid, server_pid, run_token FROM lab_run")).all()
        assert [tuple(row) for row in added] == [(0, None, None, None)] * 3  # nothing hidden, no process known
        assert [tuple(row) for row in connection.execute(text(MOCK_ANSWERS)).all()] == answers_before
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
        assert connection.execute(text("SELECT rating, duration_ms FROM review_log")).one() == (3, 4200)
    command.upgrade(alembic_config(url), "head")  # the models are the newest schema's
    with Session(engine) as session:  # the new columns work on the upgraded rows
        assert set_hidden(session=session, run_id=1, hidden=True).hidden
        assert end_leftover_runs(session) == 1  # run 3, left running by a server of the old schema
    command.downgrade(alembic_config(url), "0006")  # and back: every run and the learner's data survive
    with engine.connect() as connection:
        columns = [row[1] for row in connection.execute(text("PRAGMA table_info(lab_run)")).all()]
        assert "hidden" not in columns and "run_token" not in columns
        assert connection.execute(text("SELECT count(*) FROM lab_run")).scalar() == 3
        assert connection.execute(text("SELECT status FROM lab_run WHERE id = 3")).scalar() == "failed"
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
    engine.dispose()
