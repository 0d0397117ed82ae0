"""The one layer that retries model calls.

Transport failures (HTTP 408/409/429/5xx, timeouts, refused connections) are retried here with
exponential backoff and full jitter, honouring ``Retry-After``, never sleeping past the job's
deadline. The openai client's own retries
are off, and the queue does not retry model errors either, so attempts never multiply.
Validation failures are not transport errors: they go to the repair loop instead.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, Field

from . import deadline
from .errors import BackendError

T = TypeVar("T")


class RetryPolicy(BaseModel):
    max_attempts: int = Field(4, ge=1, le=20)
    base_delay: float = Field(0.5, ge=0, description="Seconds before the second attempt.")
    max_delay: float = Field(30.0, ge=0, description="Cap on any single wait.")
    max_total_delay: float = Field(120.0, ge=0, description="Cap on all waits of one call.")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BackendError, float], None] | None = None,
) -> T:
    waited = 0.0
    for attempt in range(1, policy.max_attempts + 1):
        try:
            return fn()
        except BackendError as exc:
            if not exc.retryable or attempt == policy.max_attempts:
                raise
            pause = policy.delay(attempt, exc.retry_after)
            left = deadline.remaining()
            if waited + pause > policy.max_total_delay or (left is not None and pause >= left):
                raise
            if on_retry is not None:
                on_retry(attempt, exc, pause)
            sleep(pause)
            waited += pause
    raise AssertionError("unreachable")
