"""Per-key rate limits shared by every gateway of a fleet: a fixed window counted in Redis.

The window is read from Redis's clock inside the script, so gateways whose clocks disagree
still count into the same window. A request that would go over the limit is refused without
being counted, so a client that backs off is not punished for the refused attempts.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis

#: KEYS: none. ARGV: key prefix, cost, limit, window seconds.
#: Returns {allowed (1/0), used, seconds until the window ends}.
_CHARGE = """
local now = redis.call('TIME')
local window = tonumber(ARGV[4])
local index = math.floor(tonumber(now[1]) / window)
local reset = window - (tonumber(now[1]) % window)
local key = ARGV[1] .. ':' .. index
local used = tonumber(redis.call('GET', key) or '0')
local cost = tonumber(ARGV[2])
if used + cost > tonumber(ARGV[3]) then return {0, used, reset} end
used = redis.call('INCRBY', key, cost)
if used == cost then redis.call('EXPIRE', key, window + 1) end
return {1, used, reset}
"""


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
