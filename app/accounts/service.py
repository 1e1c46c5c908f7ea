"""Accounts: adding users, listing, disabling and enabling them, setting passwords, and signing in (password check
under the back-off). Plain functions over a session; the CLI and the sign-in routes both call these."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts import backoff
from app.accounts.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, verify_password
from app.accounts.sessions import open_session, revoke_user_sessions
from app.errors import UserError
from app.messages import translate
from app.models import User, UserSettings

Role = Literal["admin", "learner"]
ROLES: tuple[Role, ...] = ("admin", "learner")
# Letters of any script (a Chinese name is a fine user name), digits and . _ - @; no spaces, nothing invisible.
_NAME = re.compile(r"^[\w.@-]{1,80}$")


class AccountError(UserError):
    key: ClassVar[str] = "accounts.error.generic"
    status: ClassVar[int] = 400
    code: ClassVar[str] = "account_error"


class BadName(AccountError):
    key, status, code = "accounts.error.bad_name", 422, "bad_name"


class NameTaken(AccountError):
    key, status, code = "accounts.error.name_taken", 409, "name_taken"


class UnknownUser(AccountError, LookupError):
    key, status, code = "accounts.error.unknown_user", 404, "unknown_user"


class WeakPassword(AccountError):
    key, status, code = "accounts.error.weak_password", 422, "weak_password"


class BadCredentials(AccountError):
    key, status, code = "accounts.error.bad_credentials", 401, "bad_credentials"


class TooManyAttempts(AccountError):
    key, status, code = "accounts.error.too_many", 429, "too_many_attempts"

    def __init__(self, *, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(seconds=seconds)

    def message(self, lang: str = "zh") -> str:
        return translate(self.key, lang, wait=wait_text(self.seconds, lang))


def wait_text(seconds: int, lang: str) -> str:
    if seconds < 120:
        return f"{seconds} 秒" if lang == "zh" else f"{seconds} seconds"
    minutes = -(-seconds // 60)
    return f"{minutes} 分钟" if lang == "zh" else f"{minutes} minutes"


def check_name(name: str) -> str:
    cleaned = unicodedata.normalize("NFC", name.strip())
    if not _NAME.fullmatch(cleaned):
        raise BadName(field="name", name=cleaned[:80])
    return cleaned


def check_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH or not password.strip():
        raise WeakPassword(field="password", minimum=MIN_LENGTH, maximum=MAX_LENGTH)
    return password


def find_user(session: Session, name: str) -> User | None:
    """The user of that name, case ignored (names differing only in case cannot both exist)."""
    cleaned = unicodedata.normalize("NFC", name.strip())
    return session.exec(select(User).where(func.lower(col(User.name)) == cleaned.lower())).first()


def _user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise UnknownUser(field="name", name=name[:80])
    return user


def add_user(*, session: Session, name: str, password: str, role: Role = "learner",
             now: datetime | None = None) -> User:
    """A new account with its preferences row; commits. An existing user without a password (the single-user
    mode's `local`, say) is not a new account: give it one with set_password."""
    cleaned = check_name(name)
    if role not in ROLES:
        raise AccountError(field="role")
    if find_user(session, cleaned) is not None:
        raise NameTaken(field="name", name=cleaned)
    user = User(name=cleaned, password_hash=hash_password(check_password(password)), role=role)
    if now is not None:
        user.created_at = now
    session.add(user)
    session.flush()
    assert user.id is not None
    session.add(UserSettings(user_id=user.id))
    session.commit()
    session.refresh(user)
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.name))).all())


def set_disabled(*, session: Session, name: str, disabled: bool, now: datetime) -> User:
    """Disable a user (and end every session they have) or enable them again; commits."""
    user = _user(session, name)
    user.disabled = disabled
    session.add(user)
    if disabled and user.id is not None:
        revoke_user_sessions(session=session, user_id=user.id, now=now)
    session.commit()
    session.refresh(user)
    return user


def set_password(*, session: Session, name: str, password: str, now: datetime) -> User:
    """A new password; every session signed in with the old one ends; commits."""
    user = _user(session, name)
    user.password_hash = hash_password(check_password(password))
    session.add(user)
    assert user.id is not None
    revoke_user_sessions(session=session, user_id=user.id, now=now)
    session.commit()
    session.refresh(user)
    return user


def set_role(*, session: Session, name: str, role: Role) -> User:
    user = _user(session, name)
    if role not in ROLES:
        raise AccountError(field="role")
    user.role = role
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


@dataclass(frozen=True)
class SignInResult:
    token: str
    user: User


def sign_in(*, session: Session, name: str, password: str, client: str, now: datetime,
            lifetime: timedelta) -> SignInResult:
    """Check the password under the back-off and open a session. Raises TooManyAttempts (nothing checked, nothing
    recorded) while the name or the client must wait, BadCredentials for a wrong name or password or a disabled
    user (one message for all three: it tells no one which names exist)."""
    wait = backoff.retry_after(session=session, user_name=name, client=client, now=now)
    if wait:
        raise TooManyAttempts(seconds=wait)
    user = find_user(session, name)
    verified = verify_password(user.password_hash if user else None, password[:MAX_LENGTH])
    if user is None or not verified.ok or user.disabled:
        backoff.record(session=session, user_name=name, client=client, succeeded=False, now=now)
        session.commit()
        raise BadCredentials(field="password")
    if verified.new_hash is not None:
        user.password_hash = verified.new_hash
        session.add(user)
    backoff.record(session=session, user_name=name, client=client, succeeded=True, now=now)
    assert user.id is not None
    token = open_session(session=session, user_id=user.id, now=now, lifetime=lifetime)  # commits both
    session.refresh(user)
    return SignInResult(token=token, user=user)
