"""A fleet-wide cap on requests in flight to one model endpoint, held in Redis.

Every worker process of the fleet takes a *lease* before it calls the endpoint and gives it back
after. The leases of an endpoint live in one sorted set, scored by their expiry time (Redis
server time, so worker clocks do not matter). Taking a lease first drops the expired ones, so a
worker that crashed mid-call (SIGKILL, OOM, lost box) leaks its slot for at most ``lease_ttl``
seconds. A call longer than that keeps its lease alive: one renewer thread per process extends
every lease it holds every ``lease_ttl / 3`` seconds.

The guard (guard.py) takes a slot and asks the endpoint's breaker in one script
(``lua/guard_before_call.lua``), gives it back in another, and waits with ``wait``:

    pool = SlotPool(redis, "vllm-a", limit=32)
    token, answer = pool.wait(30, take_slot_and_ask_breaker)   # at most 30 s for a free slot
    pool.renew(token)                                           # while the call runs

Waiting is polling with jittered backoff (bounded by ``timeout``), not a FIFO queue. A Redis
outage while waiting counts as "no slot yet": a restart shorter than the wait is invisible to
jobs.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from redis import Redis
from redis.exceptions import RedisError

from aigc_core.errors import BackendError

from . import lua

log = logging.getLogger(__name__)

T = TypeVar("T")

_POLL_MIN = 0.01
#: Waiters poll, so they are served in no particular order; a short ceiling keeps the wait of
#: an unlucky one close to everyone else's.
_POLL_MAX = 0.1


class SlotTimeout(BackendError):
    """No slot came free in time. Retryable: the retry layer backs off and asks again."""

    def __init__(self, endpoint: str, limit: int, waited: float):
        self.endpoint = endpoint
        super().__init__(
            f"model endpoint {endpoint!r}: all {limit} fleet-wide slots stayed busy for "
            f"{waited:.1f}s (raise queue.endpoint_limits.{endpoint} if the server can take more)",
            retryable=True,
        )


class SlotPool:
    """The slots of one endpoint. Thread-safe; one instance per process and endpoint."""

    def __init__(self, redis: Redis, endpoint: str, limit: int, *, lease_ttl: float = 30.0,
                 prefix: str = "aigc"):
        if limit < 1:
            raise ValueError(f"slot limit for {endpoint!r} must be at least 1, got {limit}")
        if lease_ttl <= 0:
            raise ValueError(f"lease_ttl must be positive, got {lease_ttl}")
        self.endpoint = endpoint
        self.limit = limit
        self.lease_ttl = lease_ttl
        self.key = f"{prefix}:slots:{endpoint}"
        self._redis = redis
        self._renew = lua.register(redis, "renew_slot")
        self._renewer = _Renewer(self)

    def take_args(self, token: str) -> list[int | str]:
        """ARGV ``limit, ttl_ms, token`` of ``take_slot`` (``lua/take_slot.lua``)."""
        return [self.limit, max(1, int(self.lease_ttl * 1000)), token]

    def extend(self, token: str) -> bool:
        """Extend the lease ``token`` (or take it again, where a slot is free, if it expired
        meanwhile); False when it expired and the fleet is full."""
        return self._renew(keys=[self.key], args=self.take_args(token)) == 1

    def release(self, token: str) -> None:
        self._redis.zrem(self.key, token)

    def wait(self, timeout: float, attempt: Callable[[str], T | None]) -> tuple[str, T]:
        """Call ``attempt(token)`` until it takes the lease ``token`` (it returns anything
        but ``None``), for at most ``timeout`` seconds; returns the token and what it returned.

        Raises ``SlotTimeout`` when no slot came free in time. Redis being unreachable counts
        as no slot yet.
        """
        token = uuid.uuid4().hex
        started = time.monotonic()
        deadline = started + timeout
        pause = _POLL_MIN
        while True:
            try:
                taken = attempt(token)
                if taken is not None:
                    return token, taken
            except RedisError as exc:
                log.warning("slot of %s: Redis unavailable (%s); still waiting",
                            self.endpoint, exc)
            left = deadline - time.monotonic()
            if left <= 0:
                raise SlotTimeout(self.endpoint, self.limit, time.monotonic() - started)
            # Jitter spreads the retries of many waiting threads across the fleet.
            time.sleep(min(left, random.uniform(_POLL_MIN, pause)))
            pause = min(_POLL_MAX, pause * 2)

    def renew(self, token: str) -> None:
        """Keep the lease ``token`` alive until ``stop_renewing`` (calls may outlast it)."""
        self._renewer.add(token)

    def stop_renewing(self, token: str) -> None:
        self._renewer.discard(token)


class _Renewer:
    """Extends the leases this process holds on one pool, from a daemon thread.

    Started lazily and restarted after a fork (a prefork child inherits no threads).
    """

    def __init__(self, pool: SlotPool):
        self._pool = pool
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self._pid: int | None = None

    def add(self, token: str) -> None:
        with self._lock:
            self._tokens.add(token)
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._tokens &= {token}  # leases copied from the parent are not ours to renew
                threading.Thread(target=self._run, daemon=True,
                                 name=f"slot-renewer-{self._pool.endpoint}").start()

    def discard(self, token: str) -> None:
        with self._lock:
            self._tokens.discard(token)

    def _run(self) -> None:
        interval = self._pool.lease_ttl / 3
        while True:  # a daemon thread: lives as long as its process
            time.sleep(interval)
            with self._lock:
                tokens = list(self._tokens)
            for token in tokens:
                self._renew(token)

    def _renew(self, token: str) -> None:
        try:
            kept = self._pool.extend(token)
            with self._lock:
                released = token not in self._tokens
            if released and kept:
                self._pool.release(token)  # the call ended while we renewed: undo the renewal
        except RedisError as exc:  # try again next round; the lease outlives a short outage
            log.warning("could not renew slot of %s: %s", self._pool.endpoint, exc)
            return
        if not kept and not released:
            log.warning("slot lease of %s expired during a call and the fleet is full; this "
                        "call runs over the cap (lease_ttl %.0fs too short for Redis stalls?)",
                        self._pool.endpoint, self._pool.lease_ttl)
