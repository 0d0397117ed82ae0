"""Per-key rate limits shared by every gateway of a fleet: a fixed window counted in Redis.

The window is read from Redis's clock inside the script, so gateways whose clocks disagree
still count into the same window. A request that would go over the limit is refused without
being counted, so a client that backs off is not punished for the refused attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from redis import Redis

#: The charge of one request, whole in ``charge.lua`` (shipped as package data).
_CHARGE = resources.files(__package__).joinpath("charge.lua").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Quota:
    allowed: bool
    limit: int
    used: int
    reset: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        """The IETF draft RateLimit fields, plus Retry-After when refused."""
        headers = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(self.remaining),
                   "RateLimit-Reset": str(self.reset)}
        if not self.allowed:
            headers["Retry-After"] = str(self.reset)
        return headers


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str, window: int):
        self.prefix = f"{prefix}:gateway:rate"
        self.window = window
        self._charge = redis.register_script(_CHARGE)

    def charge(self, key_name: str, limit: int, cost: int = 1) -> Quota:
        """Count ``cost`` requests of ``key_name`` unless that would exceed ``limit``."""
        allowed, used, reset = self._charge(
            args=[f"{self.prefix}:{key_name}", cost, limit, self.window])
        return Quota(bool(allowed), limit, int(used), int(reset))
