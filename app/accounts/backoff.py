"""Sign-in back-off: after a few failed tries for a user name, or many from one client address, each further try
waits longer (doubling, up to a cap). Attempts live in the database, so every worker process sees the same count.

A name's failures count since its last successful sign-in; an address's count over the last hour whatever its
sign-ins (an attacker's own account must not reset the count of the address it guesses from). A try refused for
waiting is not recorded and checks no password."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import Session, col, select

from app.clock import as_utc
from app.models import SignInAttempt


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed before the first wait
    first_wait: timedelta  # the wait after the `free`-th failure; doubled by each further one
    max_wait: timedelta
    window: timedelta  # failures older than this no longer count

    def wait_after(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        doublings = min(failures - self.free, 30)
        return min(self.max_wait, self.first_wait * (2 ** doublings))


BY_NAME = Policy(free=5, first_wait=timedelta(seconds=30), max_wait=timedelta(minutes=15),
                 window=timedelta(hours=24))
# A class behind one NAT address shares it: more failures before the address waits.
BY_CLIENT = Policy(free=20, first_wait=timedelta(seconds=30), max_wait=timedelta(minutes=15),
                   window=timedelta(hours=1))
KEEP = timedelta(days=2)  # attempts older than this are deleted (neither policy looks that far back)


def normal_name(name: str) -> str:
    return name.strip().lower()[:80]


def _failures(session: Session, *conditions: ColumnElement[bool], since: datetime) -> tuple[int, datetime | None]:
    count, last = session.exec(
        select(func.count(col(SignInAttempt.id)), func.max(col(SignInAttempt.attempted_at)))
        .where(*conditions, col(SignInAttempt.succeeded).is_(False), col(SignInAttempt.attempted_at) > since)
    ).one()
    return int(count), as_utc(last)


def _last_success(session: Session, user_name: str, since: datetime) -> datetime | None:
    last = session.exec(select(func.max(col(SignInAttempt.attempted_at))).where(
        col(SignInAttempt.user_name) == user_name, col(SignInAttempt.succeeded).is_(True),
        col(SignInAttempt.attempted_at) > since)).one()
    return as_utc(last)


def _retry_at(policy: Policy, failures: int, last: datetime | None) -> datetime | None:
    wait = policy.wait_after(failures)
    return last + wait if last is not None and wait > timedelta(0) else None


def retry_after(*, session: Session, user_name: str, client: str, now: datetime) -> int:
    """Seconds until the next try for this name from this client is allowed; 0: try now."""
    name = normal_name(user_name)
    since = now - BY_NAME.window
    since = max(since, _last_success(session, name, since) or since)
    moments = [
        _retry_at(BY_NAME, *_failures(session, col(SignInAttempt.user_name) == name, since=since)),
        _retry_at(BY_CLIENT, *_failures(session, col(SignInAttempt.client) == client[:64],
                                        since=now - BY_CLIENT.window)),
    ]
    latest = max((moment for moment in moments if moment is not None), default=None)
    if latest is None or latest <= now:
        return 0
    return max(1, math.ceil((latest - now).total_seconds()))


def record(*, session: Session, user_name: str, client: str, succeeded: bool, now: datetime) -> None:
    """Remember one try (the caller commits); a success also sweeps attempts too old to matter."""
    session.add(SignInAttempt(user_name=normal_name(user_name), client=client[:64], attempted_at=now,
                              succeeded=succeeded))
    if succeeded:
        session.execute(delete(SignInAttempt).where(col(SignInAttempt.attempted_at) < now - KEEP))
