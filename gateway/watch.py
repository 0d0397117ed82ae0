"""Waiting for jobs to change state, for long-polls and event streams.

One loop per gateway process polls the job store for every job some request waits on, in one
Redis round trip per tick: a thousand clients waiting cost what one does. (The store does not
publish changes; polling it keeps the gateway to the store's public reading API.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

from aigc_workers.store import JobStatus, Store

log = logging.getLogger(__name__)


class Subscription:
    """The latest status of one job, with a signal when it changes."""

    def __init__(self, job_id: str):
        self.job_id = job_id
        self._latest: JobStatus | None = None
        self._changed = asyncio.Event()

    def offer(self, status: JobStatus) -> None:
        if status != self._latest:
            self._latest = status
            self._changed.set()

    async def next(self, timeout: float) -> JobStatus | None:
        """The status once it differs from the last one returned; ``None`` after ``timeout``."""
        try:
            await asyncio.wait_for(self._changed.wait(), max(0.0, timeout))
        except asyncio.TimeoutError:
            return None
        self._changed.clear()
        return self._latest


class Watcher:
    def __init__(self, store: Store, interval: float):
        self.store = store
        self.interval = interval
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._wake = asyncio.Event()

    @contextlib.contextmanager
    def watch(self, job_id: str) -> Iterator[Subscription]:
        subscription = Subscription(job_id)
        self._subscriptions.setdefault(job_id, set()).add(subscription)
        self._wake.set()
        try:
            yield subscription
        finally:
            watchers = self._subscriptions[job_id]
            watchers.discard(subscription)
            if not watchers:
                del self._subscriptions[job_id]

    async def run(self) -> None:
        """Poll until cancelled; idle (no Redis traffic) while nobody waits."""
        while True:
            if not self._subscriptions:
                self._wake.clear()
                await self._wake.wait()
            ids = list(self._subscriptions)
            try:
                statuses = await run_in_threadpool(self.store.statuses, ids)
            except RedisError as exc:  # waiting requests time out; try again next tick
                log.warning("cannot poll job states: %s", exc)
            else:
                for status in statuses:
                    for subscription in self._subscriptions.get(status.id, ()):
                        subscription.offer(status)
            await asyncio.sleep(self.interval)
