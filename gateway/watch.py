"""Waiting for jobs to change state, for long-polls and event streams.

One loop per gateway process polls the job store for every job some request waits on, in one
Redis round trip per tick: a thousand clients waiting cost what one does. Between ticks it
also listens on the done channels of those jobs (the store publishes each final state there):
a job that finishes wakes the loop at once, so a long-poll answers when the result is stored
rather than up to a tick later. Started jobs and other changes are seen at the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

from aigc_workers.client import Client
from aigc_workers.store import JobStatus

log = logging.getLogger(__name__)

#: Seconds the listener waits for a message before it looks for new jobs to subscribe to.
_LISTEN_TICK = 0.05
#: Seconds ``stop`` waits for the loops and the listener's connection to close.
STOP_GRACE = 5.0


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
    def __init__(self, client: Client, interval: float, listener: AsyncRedis | None = None):
        self.client = client
        self.interval = interval
        #: A client for the done channels' subscription; without one, ticks only.
        self.listener = listener
        self._subscriptions: dict[str, set[Subscription]] = {}
        #: Counts changes to the set of watched jobs: the listener recomputes its channels
        #: only when this moved, not at every tick (thousands of long-polls may be open).
        self._jobs_changed = 0
        self._wake = asyncio.Event()
        self._nudge = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @contextlib.contextmanager
    def watch(self, job_id: str) -> Iterator[Subscription]:
        subscription = Subscription(job_id)
        if job_id not in self._subscriptions:
            self._subscriptions[job_id] = set()
            self._jobs_changed += 1
        self._subscriptions[job_id].add(subscription)
        self._wake.set()
        try:
            yield subscription
        finally:
            watchers = self._subscriptions[job_id]
            watchers.discard(subscription)
            if not watchers:
                del self._subscriptions[job_id]
                self._jobs_changed += 1

    def start(self) -> None:
        """Run the loops in the background until ``stop``."""
        self._task = asyncio.create_task(self.run())

    async def stop(self, grace: float = STOP_GRACE) -> bool:
        """Cancel the loops and close the listener, waiting at most ``grace`` seconds: a
        process that is shutting down must not hang on Redis. Closing a pub/sub connection
        is shielded from cancellation inside redis-py and was seen to wait forever once in
        CI, so what is still running after ``grace`` is left to the dying event loop.
        Whether everything stopped in time."""
        async def close() -> None:
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            if self.listener is not None:
                await self.listener.aclose()

        closing = asyncio.create_task(close())
        done, _ = await asyncio.wait({closing}, timeout=grace)
        if not done:
            log.warning("the job watcher did not stop within %ss; leaving it behind", grace)
            return False
        closing.result()
        return True

    async def run(self) -> None:
        """Poll until cancelled; idle (no Redis traffic) while nobody waits."""
        listening = asyncio.create_task(self._listen()) if self.listener is not None else None
        try:
            await self._poll()
        finally:
            if listening is not None:
                listening.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listening

    async def _poll(self) -> None:
        while True:
            if not self._subscriptions:
                self._wake.clear()
                await self._wake.wait()
            self._nudge.clear()  # before reading: a completion during the read wakes us again
            ids = list(self._subscriptions)
            try:
                statuses = await run_in_threadpool(self.client.statuses, ids)
            except RedisError as exc:  # waiting requests time out; try again next tick
                log.warning("cannot poll job states: %s", exc)
            else:
                for status in statuses:
                    for subscription in self._subscriptions.get(status.id, ()):
                        subscription.offer(status)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._nudge.wait(), self.interval)

    async def _listen(self) -> None:
        """Keep a subscription to the done channels of the watched jobs; nudge the poll loop
        when one of them finishes. Ticks go on regardless, so a broken subscription only
        makes answers slower: it is rebuilt after ``interval``."""
        while True:
            try:
                await self._follow()
            except RedisError as exc:
                log.warning("job completion subscription lost (%s); polling only for now", exc)
                await asyncio.sleep(self.interval)

    async def _follow(self) -> None:
        assert self.listener is not None
        async with self.listener.pubsub() as pubsub:
            # A channel of no job, so that the connection is subscribed while nobody waits.
            await pubsub.subscribe(self.client.done_channel(""))
            subscribed: set[str] = set()
            unconfirmed: set[str] = set()
            seen = self._jobs_changed - 1  # differs: compute the channels once to start
            while True:
                if seen != self._jobs_changed:
                    seen = self._jobs_changed
                    wanted = {self.client.done_channel(job_id) for job_id in self._subscriptions}
                    if wanted - subscribed:
                        await pubsub.subscribe(*(wanted - subscribed))
                        unconfirmed |= wanted - subscribed
                    if subscribed - wanted:
                        await pubsub.unsubscribe(*(subscribed - wanted))
                        unconfirmed -= subscribed - wanted
                    subscribed = wanted
                message = await pubsub.get_message(timeout=_LISTEN_TICK)
                if message is None:
                    continue
                channel = message["channel"].decode()
                if message["type"] == "message":
                    self._nudge.set()
                elif message["type"] == "subscribe" and channel in unconfirmed:
                    unconfirmed.discard(channel)
                    if not unconfirmed:
                        # Subscribed only now: a job may have finished since the last read.
                        self._nudge.set()
