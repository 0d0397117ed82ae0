"""Console logins: a random token in an HttpOnly, SameSite=Strict cookie, and in Redis (under
its SHA-256, so a Redis dump holds no usable token) the user, their role and the session's
CSRF token, which every form of the session carries back. Sessions expire after
``console_session_hours`` without use; logging out deletes them at once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from redis import Redis

COOKIE = "aigc_session"


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    csrf: str

    def may_decide(self) -> bool:
        return self.role in ("reviewer", "admin")

    def csrf_ok(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(self.csrf, sent)


class Sessions:
    def __init__(self, redis: Redis, prefix: str, hours: float):
        self.redis = redis
        self.prefix = prefix
        self.ttl = int(hours * 3600)

    def _key(self, token: str) -> str:
        return f"{self.prefix}:session:{hashlib.sha256(token.encode()).hexdigest()}"

    def open(self, user: str, role: str) -> str:
        """A new session's token (the cookie's value)."""
        token = secrets.token_urlsafe(32)
        key = self._key(token)
        with self.redis.pipeline() as pipe:
            pipe.hset(key, mapping={"user": user, "role": role,
                                    "csrf": secrets.token_urlsafe(32)})
            pipe.expire(key, self.ttl)
            pipe.execute()
        return token

    def find(self, token: str | None) -> Session | None:
        """The session of ``token``, kept alive for another ``ttl``; None if unknown."""
        if not token:
            return None
        key = self._key(token)
        with self.redis.pipeline() as pipe:
            pipe.hgetall(key)
            pipe.expire(key, self.ttl)
            fields, _ = pipe.execute()
        if not fields:
            return None
        found = {name.decode(): value.decode() for name, value in fields.items()}
        return Session(user=found["user"], role=found["role"], csrf=found["csrf"])

    def close(self, token: str | None) -> None:
        if token:
            self.redis.delete(self._key(token))
