"""The single retry layer: backoff, Retry-After, bounds."""

from __future__ import annotations

import pytest

from aigc_core.errors import BackendError
from aigc_core.retry import RetryPolicy, call_with_retries


def flaky(errors: list[Exception], value: str = "ok"):
    calls = []

    def fn():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return value

    return fn, calls


def test_retries_transport_errors_honouring_retry_after():
    sleeps: list[float] = []
    fn, calls = flaky([BackendError("429", retryable=True, retry_after=2.5),
                       BackendError("503", retryable=True)])
    policy = RetryPolicy(base_delay=1.0)
    assert call_with_retries(fn, policy, sleep=sleeps.append) == "ok"
    assert len(calls) == 3
    assert sleeps[0] == 2.5
    assert 0 <= sleeps[1] <= 2.0  # full jitter under base * 2**1


def test_non_retryable_errors_are_raised_at_once():
    fn, calls = flaky([BackendError("400")])
    with pytest.raises(BackendError, match="400"):
        call_with_retries(fn, RetryPolicy(), sleep=lambda s: None)
    assert len(calls) == 1


def test_attempts_and_total_wait_are_bounded():
    fn, calls = flaky([BackendError("503", retryable=True)] * 10)
    with pytest.raises(BackendError):
        call_with_retries(fn, RetryPolicy(max_attempts=3), sleep=lambda s: None)
    assert len(calls) == 3
    fn, calls = flaky([BackendError("429", retryable=True, retry_after=50)] * 10)
    with pytest.raises(BackendError):
        call_with_retries(fn, RetryPolicy(max_attempts=10, max_delay=60, max_total_delay=120),
                          sleep=lambda s: None)
    assert len(calls) == 3  # 50 + 50 waited; a third wait would pass 120


def test_delay_caps():
    policy = RetryPolicy(base_delay=1, max_delay=4)
    assert all(policy.delay(10, None) <= 4 for _ in range(50))
    assert policy.delay(1, 100) == 4
