"""Console passwords, hashed with argon2id (argon2-cffi's defaults, RFC 9106's second
recommended parameter set): a leaked ledger gives nobody a password cheaply."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


@cache
def _dummy() -> str:
    """A hash to check against when the user does not exist, so that a wrong name takes as
    long as a wrong password (no way to learn which names exist from the time an answer
    takes). Made on first use: hashing is slow on purpose."""
    return _HASHER.hash("no such user")

MIN_LENGTH = 12


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``password_hash`` None (no such user) is never a match
    but costs the same time."""
    try:
        return _HASHER.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
