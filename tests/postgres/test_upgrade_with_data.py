"""A database at the first revision holding a learner's data upgrades to head on either database (PostgreSQL in the
suite's PostgreSQL half) without losing any of it, and the app goes on from there: the running mock round takes the
next autosave, a new grade gets a fresh id, an import fills the search index.

The rows are written through SQLAlchemy Core with Python values, not SQL text, so that one test speaks both
dialects: `user` is quoted where it is a reserved word, booleans are booleans, and no id is given explicitly (on
PostgreSQL an explicit id leaves the table's sequence behind, and the app's next insert would collide with it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import Connection, column, table, text
from sqlmodel import Session

from app.content.service import import_paths
from app.db import alembic_config, make_engine
from app.mock.service import save_answer
from app.models import ReviewLog
from app.search.service import search
from app.settings import PROJECT_ROOT, Settings
from tests.backends import database_url

LATER = datetime(2999, 1, 1, tzinfo=UTC)
AT = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def _insert(connection: Connection, table_name: str, /, **values: object) -> int | None:
    """One row of `table_name` (as the table is at revision 0001); its new id, where it has one."""
    statement = table(table_name, *(column(key) for key in values)).insert().values(**values)
    if table_name != "bookmark":
        statement = statement.returning(column("id"))
        return int(connection.execute(statement).scalar_one())
    connection.execute(statement)
    return None


def _learner_data(connection: Connection) -> dict[str, int | None]:
    """Everything a learner had at revision 0001: a card, a review log, a note, a bookmark and a running round."""
    connection.execute(table("bank", *map(column, ("id", "title", "description", "path", "canonical", "position")))
                       .insert().values(id="b", title="B", description="", path="b.md", canonical=True, position=0))
    for position, (qid, kind) in enumerate((("q-1", "open"), ("q-2", "mcq"))):
        connection.execute(table("question", *map(column, (
            "id", "bank_id", "position", "kind", "title", "prompt", "answer", "explanation", "unanswered", "retired",
            "content_hash"))).insert().values(
            id=qid, bank_id="b", position=position, kind=kind, title=f"旧题 {qid}", prompt="p", answer="a",
            explanation="", unanswered=False, retired=False, content_hash=f"h{position}"))
    user = _insert(connection, "user", name="local", created_at=AT)
    ids = {"user": user}
    for label, correct, position in (("A", True, 0), ("B", False, 1)):
        _insert(connection, "choice", question_id="q-2", position=position, label=label, text=label, correct=correct)
    ids["card"] = _insert(connection, "review_card", user_id=user, question_id="q-1", state=2, step=None,
                          stability=12.5, difficulty=4.2, due=AT, reps=3, lapses=0)
    ids["log"] = _insert(connection, "review_log", user_id=user, question_id="q-1", rating=3, reviewed_at=AT,
                         duration_ms=4200, origin="review", card_before="{}")
    ids["note"] = _insert(connection, "note", user_id=user, question_id="q-1", body="我的笔记", updated_at=AT)
    _insert(connection, "bookmark", user_id=user, question_id="q-1", created_at=AT)
    ids["interview"] = interview = _insert(
        connection, "mock_interview", user_id=user, title="周五练习", settings='{"minutes": 60, "count": 2}',
        started_at=AT, deadline=LATER, finished_at=None)
    _insert(connection, "mock_answer", interview_id=interview, position=1, question_id="q-1", answer="升级前写下的回答",
            choice=None, flagged=True, self_grade=None, time_spent_ms=91000, saved_at=AT)
    _insert(connection, "mock_answer", interview_id=interview, position=2, question_id="q-2", answer="", choice="A",
            flagged=False, self_grade=None, time_spent_ms=12000, saved_at=AT)
    return ids


def test_upgrade_from_the_first_revision_keeps_a_learners_data_and_the_app_goes_on(tmp_path: Path) -> None:
    url = database_url(tmp_path / "old.db")
    command.upgrade(alembic_config(url), "0001")
    engine = make_engine(url)
    with engine.begin() as connection:
        ids = _learner_data(connection)
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        card = connection.execute(text("SELECT stability, difficulty, reps, due FROM review_card")).one()
        assert tuple(card)[:3] == (12.5, 4.2, 3)
        log = connection.execute(text("SELECT rating, duration_ms, scheduled, idempotency_key FROM review_log")).one()
        assert tuple(log) == (3, 4200, True, None)  # every old grade moved the schedule (0002's default)
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
        assert connection.execute(text("SELECT count(*) FROM bookmark")).scalar() == 1
        answers = connection.execute(text("SELECT position, answer, choice, flagged, time_spent_ms, revision"
                                          " FROM mock_answer ORDER BY position")).all()
        assert [tuple(row) for row in answers] == [(1, "升级前写下的回答", None, True, 91000, 0),
                                                   (2, "", "A", False, 12000, 0)]
        question = connection.execute(text("SELECT original_answer, has_model_answer FROM question WHERE id = 'q-1'"))
        assert tuple(question.one()) == ("a", False)  # 0005 copied the stored answer as the document's own
    user, interview = ids["user"], ids["interview"]
    assert user is not None and interview is not None
    with Session(engine) as session:  # the round goes on: the first numbered save is newer than the old answers
        saved = save_answer(session=session, user_id=user, interview_id=interview, position=1, answer="升级后接着写",
                            revision=1)
        assert not saved.stale and saved.round.item(1).answer.revision == 1
        assert saved.round.item(2).chosen == ["A"]
        fresh = ReviewLog(user_id=user, question_id="q-1", rating=4, origin="review", card_before={})
        session.add(fresh)
        session.commit()
        assert fresh.id is not None and fresh.id > (ids["log"] or 0)  # the sequence is ahead of the old rows
    import_paths(engine, [PROJECT_ROOT / "content"], settings=Settings(content_dir=PROJECT_ROOT / "content"))
    with Session(engine) as session:
        assert search(session=session, query="混合精度").total > 0
    with engine.connect() as connection:  # the import retired the old bank's questions, never the learner's data
        assert connection.execute(text("SELECT body FROM note")).scalar() == "我的笔记"
        assert connection.execute(text("SELECT count(*) FROM review_log")).scalar() == 2
    engine.dispose()
