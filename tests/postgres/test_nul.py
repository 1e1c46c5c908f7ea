"""PostgreSQL's text cannot hold U+0000: a value that carries one is stored, and looked up, with U+FFFD instead of
ending the request in a 500 (app/db.py). On SQLite the character is stored as it is."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models import Question, User
from tests.backends import ON_POSTGRES


def test_a_nul_in_a_value_neither_fails_nor_matches_anything(engine: Engine) -> None:
    with Session(engine) as session:
        assert session.exec(select(Question).where(Question.id == "q-\x00-1")).first() is None
        user = User(name="学习者\x00一号")
        session.add(user)
        session.commit()
        stored = session.exec(select(User.name).where(User.id == user.id)).one()
    assert stored == ("学习者\ufffd一号" if ON_POSTGRES else "学习者\x00一号")
