"""Password hashing (argon2id) and the password policy; no default password exists anywhere."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when the user does not exist, so both cases cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


class WeakPassword(ValueError):
    """The password does not meet the policy."""


def check_policy(password: str, *, username: str = "") -> None:
    """WeakPassword unless the password is long enough and not the username."""
    if not password or not password.strip():
        raise WeakPassword("the password is empty")
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_LENGTH} characters")
    if username and password.strip().lower() == username.lower():
        raise WeakPassword("the password must not be the username")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; None hashes never match (same cost as a real check)."""
    try:
        if stored_hash is None:
            _hasher.verify(_DUMMY_HASH, password)
            return False
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
