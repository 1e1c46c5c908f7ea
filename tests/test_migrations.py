"""Every migration upgrades a database that already holds a learner's data without losing any of it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from app.db import alembic_config, make_engine

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
    url = f"sqlite:///{tmp_path / 'old.db'}"
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
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "0001")
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM question_search")).scalar() == 0
    engine.dispose()
