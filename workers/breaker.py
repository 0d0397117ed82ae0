"""A circuit breaker per model endpoint, shared by the whole fleet through Redis.

States (one Redis hash per endpoint; no hash means closed with no failures):

- **closed**: calls go through; each transport failure (a retryable ``BackendError``: HTTP 429,
  5xx, timeouts, refused connections) adds to a count of consecutive failures, and any answer
  from the server resets it. ``threshold`` consecutive failures open the breaker.
- **open**: calls fail at once with ``CircuitOpen`` (a ``BackendError`` with
  ``retryable=False``, so jobs fail fast naming the endpoint and when it will be tried again)
  instead of hammering a dead server, for ``reset_timeout`` seconds.
- **half-open**: after that, exactly one call in the fleet is let through as a probe. Its
  success closes the breaker; its failure opens it for another ``reset_timeout``. A probe
  whose worker died is given up after ``probe_timeout``, and the next call probes instead.

All transitions are Lua scripts reading Redis server time, so concurrent workers agree; their
functions are exported so that the guard runs them with the slot pool's in one round trip.
Redis being unreachable never blocks calls: the breaker then lets them through (fails open).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from aigc_core.errors import BackendError

from .lua import NOW

log = logging.getLogger(__name__)

#: ``breaker_enter(key, reset_ms, probe_ms, now)``: ask to call. Returns {verdict,
#: retry_at_ms, now_ms, failures, last_error} where verdict is closed (go), probe (go, as the
#: one probe), or open / probing (refused: waiting out the reset timeout / another worker's
#: probe).
ENTER_FUNCTION = """
local function breaker_enter(key, reset_ms, probe_ms, now)
  local h = redis.call('HMGET', key, 'state', 'opened_at', 'probe_until', 'failures',
                       'last_error')
  local state = h[1]
  if state ~= 'open' and state ~= 'half_open' then return {'closed', 0, now, 0, ''} end
  local retry_at = tonumber(h[2]) + reset_ms
  local refused = 'open'
  if state == 'half_open' then retry_at, refused = tonumber(h[3]), 'probing' end
  if now < retry_at then return {refused, retry_at, now, tonumber(h[4]) or 0, h[5] or ''} end
  redis.call('HSET', key, 'state', 'half_open', 'probe_until', now + probe_ms)
  return {'probe', 0, now, tonumber(h[4]) or 0, h[5] or ''}
end
"""

#: ``breaker_failure(key, threshold, error, ttl_ms, now)``: count a transport failure.
#: Returns 1 if it opened the breaker.
FAILURE_FUNCTION = """
local function breaker_failure(key, threshold, error, ttl_ms, now)
  local state = redis.call('HGET', key, 'state')
  local failures = redis.call('HINCRBY', key, 'failures', 1)
  redis.call('HSET', key, 'last_error', error)
  redis.call('PEXPIRE', key, ttl_ms)
  if state == 'half_open' or (state ~= 'open' and failures >= threshold) then
    redis.call('HSET', key, 'state', 'open', 'opened_at', now)
    return 1
  end
  return 0
end
"""

#: ``breaker_success(key)``: the server answered, forget failures. Returns the state it left
#: (false if it was closed).
SUCCESS_FUNCTION = """
local function breaker_success(key)
  local state = redis.call('HGET', key, 'state')
  redis.call('DEL', key)
  return state
end
"""

_ENTER = NOW + ENTER_FUNCTION + (
    "return breaker_enter(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), now)")
_FAILURE = NOW + FAILURE_FUNCTION + (
    "return breaker_failure(KEYS[1], tonumber(ARGV[1]), ARGV[2], ARGV[3], now)")
_SUCCESS = SUCCESS_FUNCTION + "return breaker_success(KEYS[1])"

#: Failures further apart than this are not one outage: an idle key expires.
_FAILURE_MEMORY_S = 3600.0


class Verdict(str, Enum):
    CLOSED = "closed"
    PROBE = "probe"


class CircuitOpen(BackendError):
    """The endpoint's breaker is open: the call was not made. Not retryable."""

    def __init__(self, endpoint: str, failures: int, last_error: str, retry_in: float,
                 retry_at: datetime, probing: bool):
        self.endpoint = endpoint
        self.retry_at = retry_at
        why = (f"a probe call is testing it; next try in {retry_in:.0f}s" if probing
               else f"next probe in {retry_in:.0f}s")
        super().__init__(
            f"circuit breaker open for model endpoint {endpoint!r} after {failures} consecutive "
            f"transport failures (last: {last_error}); {why}, at "
            f"{retry_at.isoformat(timespec='seconds')}",
            retryable=False,
        )


class Breaker:
    """The breaker of one endpoint. Thread-safe; any number of instances share its state."""

    def __init__(self, redis: Redis, endpoint: str, *, threshold: int = 5,
                 reset_timeout: float = 30.0, probe_timeout: float = 120.0,
                 prefix: str = "aigc"):
        if threshold < 1:
            raise ValueError(f"breaker threshold must be at least 1, got {threshold}")
        self.endpoint = endpoint
        self.threshold = threshold
        self.reset_timeout = reset_timeout
        self.probe_timeout = probe_timeout
        self.key = f"{prefix}:breaker:{endpoint}"
        self._enter = redis.register_script(_ENTER)
        self._failure = redis.register_script(_FAILURE)
        self._success = redis.register_script(_SUCCESS)

    def enter(self) -> Verdict:
        """Ask to make a call: ``CLOSED`` or ``PROBE`` to go ahead, ``CircuitOpen`` raised if
        not. ``PROBE`` means this call decides whether the breaker closes."""
        try:
            answer = self._enter(keys=[self.key], args=self.enter_args())
        except RedisError as exc:
            log.warning("breaker of %s: Redis unavailable (%s); letting the call through",
                        self.endpoint, exc)
            return Verdict.CLOSED
        return self.verdict(answer)

    def enter_args(self) -> list[int]:
        """ARGV ``reset_ms, probe_ms`` of ``breaker_enter``."""
        return [_ms(self.reset_timeout), _ms(self.probe_timeout)]

    def verdict(self, answer: list[Any]) -> Verdict:
        """Read what ``breaker_enter`` returned: the verdict, or ``CircuitOpen`` raised."""
        verdict, retry_at, now, failures, last_error = answer
        verdict = as_text(verdict)
        if verdict in ("open", "probing"):
            raise CircuitOpen(
                self.endpoint, int(failures), as_text(last_error), (retry_at - now) / 1000,
                datetime.fromtimestamp(retry_at / 1000, timezone.utc),
                probing=verdict == "probing",
            )
        return Verdict(verdict)

    def failure_args(self, error: BaseException) -> list[int | str]:
        """ARGV ``threshold, error, ttl_ms`` of ``breaker_failure``."""
        return [self.threshold, str(error)[:500],
                _ms(max(_FAILURE_MEMORY_S, 10 * self.reset_timeout))]

    def record_failure(self, error: BaseException) -> bool:
        """Count a transport failure; returns whether this one opened the breaker."""
        try:
            return self._failure(keys=[self.key], args=self.failure_args(error)) == 1
        except RedisError as exc:
            log.warning("breaker of %s: could not record a failure: %s", self.endpoint, exc)
            return False

    def record_success(self) -> bool:
        """The server answered; returns whether this closed an open or half-open breaker."""
        try:
            return bool(self._success(keys=[self.key]))
        except RedisError as exc:
            log.warning("breaker of %s: could not record a success: %s", self.endpoint, exc)
            return False


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def as_text(value: bytes | str | None) -> str:
    """A script's reply as text, whether the client decodes replies or not."""
    if isinstance(value, bytes):
        return value.decode()
    return value or ""
