"""The schema: Alembic builds it from nothing, it matches the models, and SQLite gets its pragmas."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import alembic_config, include_object
from tests.backends import sqlite_only


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()

EXPECTED_TABLES = {
    "user", "bank", "question", "question_source", "choice", "key_point", "alternate", "correction",
    "concept", "question_concept", "review_card", "review_log", "note", "bookmark", "mock_interview",
    "mock_answer", "lab_run", "user_settings", "quiz_session", "quiz_answer", "question_search", "text_fix",
    "learner_question",
}


def test_upgrade_builds_every_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert EXPECTED_TABLES <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        assert compare_metadata(context, SQLModel.metadata) == []


@sqlite_only("PRAGMAs (foreign keys, WAL) are SQLite's settings")
def test_sqlite_pragmas_are_set(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    from app.db import upgrade_database

    upgrade_database(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
