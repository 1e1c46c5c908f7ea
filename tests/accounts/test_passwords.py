"""The password hashes themselves: argon2id with argon2-cffi's default parameters, and a hash made with weaker
parameters (an older release's, or the suite's cheap ones) replaced at the next good sign-in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles
from argon2.low_level import Type

from app.accounts import passwords

pytestmark = pytest.mark.real_argon2


def test_hashes_are_argon2id_with_the_librarys_default_parameters() -> None:
    stored = passwords.hash_password("a long enough password")
    default = PasswordHasher()
    assert passwords.HASHER.type is Type.ID and stored.startswith("$argon2id$v=19$")
    assert (f"m={default.memory_cost},t={default.time_cost},p={default.parallelism}$") in stored
    assert default.memory_cost >= 19 * 1024 and default.time_cost >= 2  # at least OWASP's argon2id minimum
    assert passwords.verify_password(stored, "a long enough password") == passwords.Verified(ok=True)
    assert not passwords.verify_password(stored, "a long enough passwore").ok


def test_a_weaker_hash_is_replaced_at_the_next_good_sign_in() -> None:
    weak = PasswordHasher.from_parameters(profiles.CHEAPEST).hash("a long enough password")
    verified = passwords.verify_password(weak, "a long enough password")
    assert verified.ok and verified.new_hash is not None
    assert passwords.verify_password(verified.new_hash, "a long enough password") == passwords.Verified(ok=True)
    assert not passwords.verify_password(weak, "wrong").ok  # and a wrong one is still wrong


def test_no_password_never_signs_in() -> None:
    assert passwords.verify_password(None, "anything at all") == passwords.Verified(ok=False)
