"""Migration 0008 (accounts) upgrades a database that holds a learner's data without losing any of it, on SQLite and
on PostgreSQL (the test database tests/backends.py gives, one per backend the suite runs on), and goes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session

from app.accounts.service import set_password, sign_in
from app.db import alembic_config, make_engine
from tests.backends import database_url

T = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
ROWS = [
    ('INSERT INTO "user" (id, name, created_at) VALUES (1, \'local\', NULL)', {}),
    ("INSERT INTO bank (id, title, description, path, canonical, position) VALUES ('b', 'B', '', 'b.md', :yes, 0)",
     {}),
    ("INSERT INTO question (id, bank_id, position, kind, title, prompt, answer, explanation, original_answer,"
     " original_explanation, has_model_answer, model_references, unanswered, retired, content_hash)"
     " VALUES ('q-1', 'b', 0, 'open', 't', 'p', 'a', '', '', '', :no, '[]', :no, :no, 'h')", {}),
    ("INSERT INTO review_card (id, user_id, question_id, state, step, stability, difficulty, due, reps, lapses)"
     " VALUES (1, 1, 'q-1', 2, NULL, 12.5, 4.2, :t, 3, 0)", {}),
    ("INSERT INTO review_log (id, user_id, question_id, rating, reviewed_at, duration_ms, origin, card_before,"
     " scheduled) VALUES (1, 1, 'q-1', 3, :t, 4200, 'review', '{}', :yes)", {}),
    ("INSERT INTO note (id, user_id, question_id, body, updated_at) VALUES (1, 1, 'q-1', '我的笔记', :t)", {}),
    ("INSERT INTO bookmark (user_id, question_id, created_at) VALUES (1, 'q-1', :t)", {}),
    ("INSERT INTO mock_interview (id, user_id, title, settings, started_at, deadline) VALUES"
     " (1, 1, '周五练习', '{}', :t, :later)", {}),
    ("INSERT INTO mock_answer (id, interview_id, position, question_id, answer, flagged, time_spent_ms, revision)"
     " VALUES (1, 1, 1, 'q-1', '升级前写下的回答', :no, 91000, 2)", {}),
    ("INSERT INTO lab_run (id, lab, status, reference, device, params, error, started_at, hidden) VALUES"
     " (1, 'zero-memory', 'done', :yes, 'H100', '{}', '', :t, :no),"
     " (2, 'zero-memory', 'done', :no, 'cpu', '{}', '', :t, :no)", {}),
]
KEPT = ["SELECT stability, difficulty, reps FROM review_card", "SELECT rating, duration_ms FROM review_log",
        "SELECT body FROM note", "SELECT count(*) FROM bookmark", "SELECT title FROM mock_interview",
        "SELECT answer, time_spent_ms, revision FROM mock_answer",
        "SELECT id, reference, device FROM lab_run ORDER BY id",
        'SELECT id, name FROM "user"']


def _fill(engine: Engine) -> None:
    values = {"yes": True, "no": False, "t": T, "later": T + timedelta(hours=1)}
    with engine.begin() as connection:
        for statement, extra in ROWS:
            connection.execute(text(statement), {**values, **extra})


def _kept(engine: Engine) -> list[list[tuple[object, ...]]]:
    with engine.connect() as connection:
        return [[tuple(row) for row in connection.execute(text(query))] for query in KEPT]


def test_upgrade_to_accounts_keeps_the_learners_data(tmp_path: Path) -> None:
    url = database_url(tmp_path / "before_accounts.db")
    command.upgrade(alembic_config(url), "0007")
    engine = make_engine(url)
    _fill(engine)
    before = _kept(engine)
    command.upgrade(alembic_config(url), "0008")
    assert _kept(engine) == before
    with engine.connect() as connection:
        user = connection.execute(text('SELECT password_hash, role, disabled, created_at FROM "user"')).one()
        assert user[:3] == (None, "learner", False) and user[3] is not None  # no password yet: cannot sign in
        # One user before accounts: their own run is theirs; the reference belongs to no one.
        assert connection.execute(text("SELECT id, user_id FROM lab_run ORDER BY id")).all() == [(1, None), (2, 1)]
        assert connection.execute(text("SELECT count(*) FROM auth_session")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM sign_in_attempt")).scalar() == 0

    command.upgrade(alembic_config(url), "head")  # the models are the newest schema's
    now = datetime.now(UTC)
    with Session(engine) as session:  # the local user, given a password, signs in and keeps their history
        set_password(session=session, name="local", password="a long password", now=now)
        signed = sign_in(session=session, name="local", password="a long password", client="127.0.0.1", now=now,
                         lifetime=timedelta(days=1))
        assert signed.user.id == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM auth_session WHERE user_id = 1")).scalar() == 1

    command.downgrade(alembic_config(url), "0007")  # and back: the learner's data survive losing the accounts
    assert _kept(engine) == before
    with engine.connect() as connection:
        assert {"auth_session", "sign_in_attempt"} & set(inspect(connection).get_table_names()) == set()
    command.upgrade(alembic_config(url), "head")
    assert _kept(engine) == before
    engine.dispose()


def test_with_several_users_older_runs_stay_everyones(tmp_path: Path) -> None:
    url = database_url(tmp_path / "several.db")
    command.upgrade(alembic_config(url), "0007")
    engine = make_engine(url)
    _fill(engine)
    with engine.begin() as connection:
        connection.execute(text('INSERT INTO "user" (id, name, created_at) VALUES (2, \'other\', :t)'), {"t": T})
    command.upgrade(alembic_config(url), "0008")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, user_id FROM lab_run ORDER BY id")).all() == [(1, None), (2, None)]
        roles = connection.execute(text('SELECT name, role, disabled FROM "user" ORDER BY id')).all()
        assert [tuple(row) for row in roles] == [("local", "learner", False), ("other", "learner", False)]
    engine.dispose()
