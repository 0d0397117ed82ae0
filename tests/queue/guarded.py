"""Model calls through the worker guard (fleet slots, circuit breaker: the production scripts)
with a backend the test drives: what each call answers, how long it takes, how many run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from redis import Redis

from aigc_core.backends.base import Completion, CompletionRequest, Message
from aigc_core.options import GenerationOptions
from aigc_workers.guard import GuardedBackend, make_guard
from aigc_workers.settings import QueueSettings

REQUEST = CompletionRequest(messages=[Message(role="user", content="hi")],
                            options=GenerationOptions())


class Backend:
    """Each call takes ``delay`` seconds (or waits until ``gate`` is set, if given), then
    raises the next exception of ``failures`` or answers. Counts calls and their overlap."""

    kind = "test"
    model_id = "test-1"

    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None):
        self.delay = delay
        self.gate = gate
        self.failures: list[Exception] = []
        self.calls = 0
        self.inside = 0
        self.peak = 0
        self._lock = threading.Lock()

    def complete(self, request: CompletionRequest) -> Completion:
        with self._lock:
            self.calls += 1
            self.inside += 1
            self.peak = max(self.peak, self.inside)
        try:
            if self.gate is not None:
                self.gate.wait(60)
            else:
                time.sleep(self.delay)
            with self._lock:
                failure = self.failures.pop(0) if self.failures else None
            if failure is not None:
                raise failure
            return Completion(text="ok", model_id=self.model_id)
        finally:
            with self._lock:
                self.inside -= 1


def guarded(redis: Redis, endpoint: str = "vllm", backend: Backend | None = None,
            **queue: Any) -> GuardedBackend:
    """``backend`` (a new one by default) behind the guard of a worker with these ``[queue]``
    settings; every call builds its own guard, as every worker process does."""
    settings = QueueSettings(**{"breaker_failures": 3, "breaker_reset": 0.3, "slot_wait": 5,
                                **queue})
    guard = make_guard(settings, redis)(endpoint, backend or Backend())
    assert isinstance(guard, GuardedBackend)
    return guard


def in_thread(call: Callable[[], Any]) -> threading.Thread:
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread
