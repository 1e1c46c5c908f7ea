"""Migration 0011 (page revisions) on a database holding a learner's data, on SQLite and on PostgreSQL: the data is
kept, the triggers are in place and count each learner's writes (and only theirs), and a downgrade takes them away
again without touching the data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from app.db import alembic_config, make_engine
from app.page_revision import missing_triggers, revisions, trigger_names
from tests.backends import database_url

# Portable SQL (quoted "user", TRUE/FALSE): SQLite and PostgreSQL read it alike.
LEARNERS = [
    "INSERT INTO \"user\" (id, name, created_at, role, disabled) VALUES "
    "(1, 'ana', '2026-01-01 00:00:00+00', 'learner', FALSE), (2, 'ben', '2026-01-01 00:00:00+00', 'learner', FALSE)",
    "INSERT INTO bank (id, title, description, path, canonical, position) VALUES ('b', 'B', '', 'b.md', TRUE, 0)",
    "INSERT INTO question (id, bank_id, position, kind, title, prompt, answer, explanation, original_answer, "
    "original_explanation, has_model_answer, model_references, unanswered, retired, content_hash) VALUES "
    "('q-1', 'b', 0, 'open', 't', 'p', 'a', '', '', '', FALSE, '[]', FALSE, FALSE, 'h')",
    "INSERT INTO review_card (id, user_id, question_id, state, step, stability, difficulty, due, reps, lapses) "
    "VALUES (1, 1, 'q-1', 2, NULL, 12.5, 4.2, '2026-02-01 00:00:00+00', 3, 0)",
    "INSERT INTO review_log (id, user_id, question_id, rating, reviewed_at, duration_ms, origin, card_before, "
    "scheduled) VALUES (1, 1, 'q-1', 3, '2026-01-10 00:00:00+00', 4200, 'review', '{}', TRUE)",
    "INSERT INTO note (id, user_id, question_id, body, updated_at) VALUES "
    "(1, 1, 'q-1', '我的笔记', '2026-01-10 00:00:00+00')",
    "INSERT INTO bookmark (user_id, question_id, created_at) VALUES (2, 'q-1', '2026-01-10 00:00:00+00')",
]
KEPT = {
    "SELECT stability, difficulty, reps FROM review_card": [(12.5, 4.2, 3)],
    "SELECT rating, duration_ms FROM review_log": [(3, 4200)],
    "SELECT user_id, body FROM note": [(1, "我的笔记")],
    "SELECT user_id, question_id FROM bookmark": [(2, "q-1")],
    "SELECT id, name FROM \"user\" ORDER BY id": [(1, "ana"), (2, "ben")],
}


def _rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return {query: [tuple(row) for row in connection.execute(text(query)).all()] for query in KEPT}


def test_upgrade_to_page_revisions_keeps_the_data_and_counts_each_learners_writes(tmp_path: Path) -> None:
    url = database_url(tmp_path / "page_revision.db")
    command.upgrade(alembic_config(url), "0010")
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in LEARNERS:
            connection.execute(text(statement))
    command.upgrade(alembic_config(url), "0011")
    assert _rows(engine) == KEPT
    with engine.begin() as connection:
        assert missing_triggers(connection) == set()
        assert revisions(connection, 1)[1:3] == revisions(connection, 2)[1:3] == (0, 0)  # nothing counted yet
        connection.execute(text("UPDATE note SET body = '改过' WHERE user_id = 1"))
        connection.execute(text("INSERT INTO review_log (id, user_id, question_id, rating, reviewed_at, origin, "
                                "card_before, scheduled) VALUES (2, 1, 'q-1', 4, '2026-01-11 00:00:00+00', 'review', "
                                "'{}', TRUE)"))
    with engine.begin() as connection:
        assert revisions(connection, 1)[2] == 2 and revisions(connection, 2)[2] == 0  # ana's writes, ana's count
        connection.execute(text("DELETE FROM bookmark WHERE user_id = 2"))
        connection.execute(text("UPDATE \"user\" SET role = 'admin' WHERE id = 2"))
        connection.execute(text("INSERT INTO lab_run (lab, status, reference, device, params, error, started_at, "
                                "hidden) VALUES ('zero', 'done', TRUE, 'H200', '{}', '', '2026-01-11 00:00:00+00', "
                                "FALSE)"))
    with engine.begin() as connection:
        assert revisions(connection, 2)[2] == 2 and revisions(connection, 1)[2] == 2
        assert revisions(connection, 1)[1] == 1  # the reference run, nobody's: user 0
        connection.execute(text("UPDATE lab_run SET progress = '{\"step\": 3}'"))  # progress is on no page
        assert revisions(connection, 1)[1] == 1
        connection.execute(text("UPDATE review_card SET user_id = 2 WHERE id = 1"))  # handed over: both change
        assert (revisions(connection, 1)[2], revisions(connection, 2)[2]) == (3, 3)
        connection.execute(text("UPDATE review_card SET user_id = 1 WHERE id = 1"))
    command.downgrade(alembic_config(url), "0010")
    with engine.connect() as connection:
        assert missing_triggers(connection) == trigger_names(connection.dialect.name)
    assert _rows(engine) == KEPT | {"SELECT user_id, body FROM note": [(1, "改过")],
                                    "SELECT rating, duration_ms FROM review_log": [(3, 4200), (4, None)],
                                    "SELECT user_id, question_id FROM bookmark": []}
    command.upgrade(alembic_config(url), "head")
    engine.dispose()
