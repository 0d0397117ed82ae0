"""Waking a waiting client as soon as one of its jobs finishes.

The job store publishes a job's final state on the job's channel when a result is stored or
the job is cancelled (``Store.done_channel``). A waiter subscribes to the channels of the jobs
it waits for *before* it first reads their states, so no completion falls between the read
and the subscription, and then sleeps until a message or its safety-net interval. Job states
stay the truth: a message only says "look again". A subscription that breaks (Redis
restarted) degrades to plain sleeping, and the waiter's regular reads still see every state.

    with Completions(store, ["job-1", "job-2"]) as completions:
        while not all_final():            # read the states (one round trip)
            completions.wait(0.5)         # returns early when one of them finishes
"""

from __future__ import annotations

import contextlib
import logging
import time
from types import TracebackType
from typing import Any

from redis.exceptions import RedisError

from .store import Store

log = logging.getLogger(__name__)

#: Subscribing costs Redis a little per channel and per publish; a waiter on more jobs than
#: this (a large batch) polls instead, where one read per round covers all of them anyway.
MAX_CHANNELS = 256
#: Seconds to wait for Redis to confirm the subscriptions.
CONFIRM_TIMEOUT = 5.0


class Completions:
    """A subscription to the done channels of some jobs; ``live`` while it works."""

    def __init__(self, store: Store, job_ids: list[str]):
        self._pubsub: Any = None
        channels = [store.done_channel(job_id) for job_id in dict.fromkeys(job_ids)]
        if not channels or len(channels) > MAX_CHANNELS:
            return
        pubsub = store.redis.pubsub()
        try:
            pubsub.subscribe(*channels)
            self._pubsub = pubsub if _confirmed(pubsub, len(channels)) else None
        except RedisError as exc:
            log.debug("waiting by polling: cannot subscribe to job completions: %s", exc)
        if self._pubsub is None:
            _close(pubsub)

    @property
    def live(self) -> bool:
        return self._pubsub is not None

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if a subscribed job finishes meanwhile."""
        if self._pubsub is None:
            time.sleep(max(0.0, seconds))
            return
        try:
            if self._pubsub.get_message(timeout=max(0.0, seconds)) is not None:
                while self._pubsub.get_message(timeout=0.0) is not None:
                    pass  # several finished at once: one look at the states covers them all
        except RedisError as exc:
            log.debug("job completion subscription lost, polling instead: %s", exc)
            self.close()

    def close(self) -> None:
        if self._pubsub is not None:
            _close(self._pubsub)
            self._pubsub = None

    def __enter__(self) -> Completions:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _confirmed(pubsub: Any, count: int) -> bool:
    """Whether Redis confirmed all ``count`` subscriptions (it then publishes to us)."""
    deadline = time.monotonic() + CONFIRM_TIMEOUT
    while count and (left := deadline - time.monotonic()) > 0:
        message = pubsub.get_message(timeout=left)
        if message is not None and message["type"] == "subscribe":
            count -= 1
    return count == 0


def _close(pubsub: Any) -> None:
    with contextlib.suppress(RedisError):  # the connection is gone already
        pubsub.close()
