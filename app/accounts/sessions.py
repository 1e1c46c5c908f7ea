"""Sign-in sessions: a random token in the browser's cookie, only its SHA-256 in the `auth_session` table, so that a
session can be revoked (sign-out, a disabled user, a reset password) and a copy of the database signs no one in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.clock import as_utc
from app.models import AuthSession, User

COOKIE_NAME = "preplab_session"
# last_seen_at is written at most this often: a page view is not worth a write.
SEEN_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class SignedIn:
    """The user a valid session cookie names."""

    session_id: int
    user_id: int
    user_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def open_session(*, session: Session, user_id: int, now: datetime, lifetime: timedelta) -> str:
    """Store a new session for `user_id` and return its token (the cookie's value; never stored); commits."""
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=token_hash(token), user_id=user_id, created_at=now, last_seen_at=now,
                            expires_at=now + lifetime))
    session.commit()
    return token


def signed_in(*, session: Session, token: str | None, now: datetime) -> SignedIn | None:
    """The user behind `token` while its session is neither revoked nor expired and the user is not disabled."""
    if not token or len(token) > 200:
        return None
    row = session.exec(
        select(AuthSession, User).join(User, col(User.id) == col(AuthSession.user_id))
        .where(col(AuthSession.token_hash) == token_hash(token), col(AuthSession.revoked_at).is_(None))
    ).first()
    if row is None:
        return None
    auth, user = row
    expires = as_utc(auth.expires_at)
    if user.disabled or expires is None or expires <= now:
        return None
    last_seen = as_utc(auth.last_seen_at)
    if last_seen is None or now - last_seen >= SEEN_EVERY:
        session.execute(update(AuthSession).where(col(AuthSession.id) == auth.id).values(last_seen_at=now))
        session.commit()
    assert auth.id is not None and user.id is not None
    return SignedIn(session_id=auth.id, user_id=user.id, user_name=user.name, role=user.role)


def revoke_token(*, session: Session, token: str | None, now: datetime) -> bool:
    """Sign-out: revoke the session behind `token`; True when there was one to revoke; commits."""
    if not token:
        return False
    result = session.execute(update(AuthSession).where(
        col(AuthSession.token_hash) == token_hash(token), col(AuthSession.revoked_at).is_(None)).values(revoked_at=now))
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def revoke_user_sessions(*, session: Session, user_id: int, now: datetime) -> int:
    """Revoke every open session of one user (the caller commits); returns how many."""
    result = session.execute(update(AuthSession).where(
        col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None)).values(revoked_at=now))
    return int(getattr(result, "rowcount", 0))
