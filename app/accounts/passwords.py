"""Password hashing with argon2id (argon2-cffi's PasswordHasher, its recommended parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

HASHER = PasswordHasher()
MIN_LENGTH = 8
MAX_LENGTH = 1024  # argon2 takes any length; a megabyte "password" would only cost the server time


@cache
def _dummy_hash() -> str:
    """Verified against when the user name is unknown or has no password, so that such a sign-in takes as long as a
    wrong password and the timing tells no one which names exist. Made on first need (a hash costs ~0.2 s of CPU,
    which every process start, CLI commands included, would otherwise pay)."""
    return HASHER.hash("preplab: no such user")


@dataclass(frozen=True)
class Verified:
    ok: bool
    new_hash: str | None = None  # set when the stored hash was made with weaker parameters: store this one


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> Verified:
    """Whether `password` matches `stored_hash` (None: no password set; always False, in the same time)."""
    try:
        HASHER.verify(stored_hash or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verified(ok=False)
    if stored_hash is None:
        return Verified(ok=False)
    return Verified(ok=True, new_hash=hash_password(password) if HASHER.check_needs_rehash(stored_hash) else None)
