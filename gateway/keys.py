"""API keys: made at random, recognised by their hash, never stored in the clear."""

from __future__ import annotations

import hashlib
import secrets

#: Marks a string as an aigc gateway key (secret scanners can look for it).
PREFIX = "aigc_"


def new_key() -> str:
    """A fresh key: 256 random bits, URL-safe."""
    return PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """Hex SHA-256 of a key. Keys are 256-bit random tokens, so a fast hash is enough:
    unlike a password, there is no small space of likely keys to try."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
