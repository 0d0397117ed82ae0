"""Dynamic micro-batching: requests from many threads, run together in few batched calls.

Callers block in ``submit(key, item)``. One dispatcher thread collects the requests into groups
of equal ``key`` (requests that can share one batched call, e.g. the same ``max_tokens`` and
sampling settings) and runs a group once it is full (``max_batch`` items), or once no request
has joined it for ``window_s`` seconds, or at the latest ``max_wait_s`` after it could first
have run. Clocks start when the group's first request arrived or when the previous batch
finished, whichever is later: while a batch runs, nothing else can. Groups are served oldest
first, so a rare key never starves.

Why a quiet period rather than a fixed window: under load, the callers of a batch that just
finished come back one after the other with their next requests, a millisecond or so apart.
A fixed window would send off those that made it in time and leave the others to a batch of
their own, and batches would stay split for good. Waiting while requests keep coming lets
batches fill up again; ``max_wait_s`` bounds the wait of a slow trickle.

Isolation: ``run_batch`` answers each item with a result or an exception of its own. If the
whole call raises (a bug, running out of memory), the batch is split in halves and each is run
again, down to single items, so one bad request fails alone and never takes its batch-mates
down with it.

The dispatcher thread starts on the first ``submit``: a batcher created before a ``fork`` is
only usable in the process that started it (the backend keeps one per process).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Answer = TypeVar("Answer")

#: ``run_batch(key, items) -> answers``: one answer (a value or an exception) per item, in order.
RunBatch = Callable[[Hashable, list[Item]], Sequence["Answer | BaseException"]]


@dataclass
class BatchStats:
    """Counters for logs, metrics and the benchmark."""

    batches: int = 0
    items: int = 0
    largest: int = 0
    fallbacks: int = 0

    @property
    def mean_size(self) -> float:
        return self.items / self.batches if self.batches else 0.0


@dataclass
class _Group(Generic[Item, Answer]):
    opened: float
    joined: float
    entries: list[tuple[Item, Future[Answer]]] = field(default_factory=list)


class BatcherClosed(RuntimeError):
    """The batcher was closed before it could run this request."""


class MicroBatcher(Generic[Item, Answer]):
    """Groups concurrent requests into batched calls; thread-safe.

    ``max_wait_s`` defaults to four windows.

    >>> batcher = MicroBatcher(lambda key, items: [i * 2 for i in items], window_s=0.02,
    ...                        max_batch=32)
    >>> batcher.submit("double", 21)
    42
    """

    def __init__(self, run_batch: RunBatch, *, window_s: float, max_batch: int,
                 max_wait_s: float | None = None, name: str = "microbatch"):
        max_wait_s = 4 * window_s if max_wait_s is None else max_wait_s
        if not 0 <= window_s <= max_wait_s or max_batch < 1:
            raise ValueError("need 0 <= window_s <= max_wait_s and max_batch >= 1")
        self._run_batch = run_batch
        self.window_s = window_s
        self.max_wait_s = max_wait_s
        self.max_batch = max_batch
        self.name = name
        self.stats = BatchStats()
        self._groups: dict[Hashable, _Group[Item, Answer]] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._idle_since = 0.0

    def submit(self, key: Hashable, item: Item) -> Answer:
        """Run ``item`` in a batch with others of the same ``key``; raises its own error."""
        return self.submit_async(key, item).result()

    def submit_async(self, key: Hashable, item: Item) -> Future[Answer]:
        """Queue ``item``; a future cancelled before its batch starts is left out of it."""
        future: Future[Answer] = Future()
        with self._cond:
            if self._closed:
                raise BatcherClosed(f"{self.name} is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._thread.start()
            now = time.monotonic()
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group(opened=now, joined=now)
            group.entries.append((item, future))
            group.joined = now
            self._cond.notify()
        return future

    def close(self) -> None:
        """Stop the dispatcher after the running batch; requests still queued fail."""
        with self._cond:
            self._closed = True
            pending = [entry for group in self._groups.values() for entry in group.entries]
            self._groups.clear()
            self._cond.notify()
        for _, future in pending:
            if future.set_running_or_notify_cancel():
                future.set_exception(BatcherClosed(f"{self.name} closed before running this"))

    # -- the dispatcher thread ---------------------------------------------------------------
    def _serve(self) -> None:
        while True:
            with self._cond:
                batch = self._next_batch()
                if batch is None:
                    return
            key, entries = batch
            self._run(key, entries)
            with self._cond:
                self._idle_since = time.monotonic()

    def _next_batch(self) -> tuple[Hashable, list[tuple[Item, Future[Answer]]]] | None:
        """Wait (holding the condition) for a group that is full or whose window has passed."""
        while not self._closed:
            now = time.monotonic()
            ready = [key for key, group in self._groups.items()
                     if len(group.entries) >= self.max_batch or self._due(group) <= now]
            if ready:
                key = min(ready, key=lambda k: self._groups[k].opened)
                return key, self._take(key)
            deadline = min((self._due(g) for g in self._groups.values()), default=None)
            self._cond.wait(None if deadline is None else deadline - now)
        return None

    def _due(self, group: _Group[Item, Answer]) -> float:
        start = max(group.opened, self._idle_since)
        return min(max(start, group.joined) + self.window_s, start + self.max_wait_s)

    def _take(self, key: Hashable) -> list[tuple[Item, Future[Answer]]]:
        group = self._groups[key]
        taken, rest = group.entries[:self.max_batch], group.entries[self.max_batch:]
        if rest:  # the overflow keeps its place in line: it has waited as long as the batch
            group.entries = rest
        else:
            del self._groups[key]
        return [(item, future) for item, future in taken if future.set_running_or_notify_cancel()]

    def _run(self, key: Hashable, entries: list[tuple[Item, Future[Answer]]]) -> None:
        if not entries:
            return
        self.stats.batches += 1
        self.stats.items += len(entries)
        self.stats.largest = max(self.stats.largest, len(entries))
        answers = self._answers(key, [item for item, _ in entries])
        for (_, future), answer in zip(entries, answers, strict=True):
            if isinstance(answer, BaseException):
                future.set_exception(answer)
            else:
                future.set_result(answer)

    def _answers(self, key: Hashable, items: list[Item]) -> list[Answer | BaseException]:
        """Run ``items`` together; if that raises, run each half again, down to single items,
        so a bad request ends up alone with its error and the good ones still share batches."""
        try:
            answers = list(self._run_batch(key, items))
            if len(answers) != len(items):
                raise RuntimeError(f"run_batch answered {len(answers)} of {len(items)} items")
            return answers
        except Exception as exc:
            if len(items) == 1:
                return [exc]
            log.exception("%s: a batch of %d failed; splitting it", self.name, len(items))
            self.stats.fallbacks += 1
            half = len(items) // 2
            return self._answers(key, items[:half]) + self._answers(key, items[half:])
