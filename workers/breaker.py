"""A circuit breaker per model endpoint, shared by the whole fleet through Redis.

States (one Redis hash per endpoint; no hash means closed with no failures):

- **closed**: calls go through; each transport failure (a retryable ``BackendError``: HTTP
  5xx, timeouts, refused connections; not a 429, see guard.py) adds to a count of consecutive
  failures, and any answer from the server resets it. ``threshold`` consecutive failures open
  the breaker.
- **open**: calls fail at once with ``CircuitOpen`` (a ``BackendError`` with
  ``retryable=False``, so jobs fail fast naming the endpoint and when it will be tried again)
  instead of hammering a dead server, for ``reset_timeout`` seconds.
- **half-open**: after that, exactly one call in the fleet is let through as a probe. Its
  success closes the breaker; its failure opens it for another ``reset_timeout``. A probe
  whose worker died is given up after ``probe_timeout``, and the next call probes instead.

All transitions happen in the guard's two scripts around each call, reading Redis server time so
that concurrent workers agree: ``lua/guard_before_call.lua`` (``breaker_enter``: may this call
go, and is it the probe?) and ``lua/guard_after_call.lua`` (``breaker_failure``,
``breaker_success``). This class holds an endpoint's settings and reads the scripts' answers.
Redis being unreachable never blocks calls: the guard then lets them through (fails open).
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Any

from aigc_core.errors import BackendError

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
    """The breaker settings of one endpoint, and what its scripts answer. Its state is in
    Redis: any number of instances, in any number of workers, share it."""

    def __init__(self, endpoint: str, *, threshold: int = 5, reset_timeout: float = 30.0,
                 probe_timeout: float = 120.0, prefix: str = "aigc"):
        if threshold < 1:
            raise ValueError(f"breaker threshold must be at least 1, got {threshold}")
        self.endpoint = endpoint
        self.threshold = threshold
        self.reset_timeout = reset_timeout
        self.probe_timeout = probe_timeout
        self.key = f"{prefix}:breaker:{endpoint}"

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


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def as_text(value: bytes | str | None) -> str:
    """A script's reply as text, whether the client decodes replies or not."""
    if isinstance(value, bytes):
        return value.decode()
    return value or ""
