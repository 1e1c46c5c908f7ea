"""Users: PrepLab runs for one local user by default; accounts come with team mode."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import User


def ensure_local_user(*, session: Session, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    return user
