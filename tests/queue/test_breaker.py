"""The per-endpoint circuit breaker against a real Redis, shared by several instances."""

from __future__ import annotations

import time

import pytest
from redis import Redis

from aigc_core.errors import BackendError
from aigc_workers.breaker import Breaker, CircuitOpen, Verdict

pytestmark = pytest.mark.e2e

RESET = 0.3


def breaker(redis: Redis, **kwargs) -> Breaker:
    kwargs = {"threshold": 3, "reset_timeout": RESET, "probe_timeout": 5.0, **kwargs}
    return Breaker(redis, "vllm", **kwargs)


def fail(b: Breaker, times: int) -> list[bool]:
    return [b.record_failure(BackendError(f"HTTP 503 #{i}", retryable=True))
            for i in range(times)]


def test_consecutive_transport_failures_open_it(redis: Redis):
    b = breaker(redis)
    assert fail(b, 2) == [False, False]
    assert b.record_success() is False  # it was closed: nothing to close
    assert fail(b, 2) == [False, False]  # the success reset the count
    assert b.enter() is Verdict.CLOSED
    assert fail(b, 1) == [True]


def test_an_open_breaker_fails_fast_naming_the_endpoint_and_the_retry(redis: Redis):
    b = breaker(redis, reset_timeout=30)
    fail(b, 3)
    with pytest.raises(CircuitOpen) as caught:
        b.enter()
    error = caught.value
    assert isinstance(error, BackendError) and not error.retryable
    message = str(error)
    assert "'vllm'" in message and "3 consecutive" in message and "HTTP 503 #2" in message
    assert "next probe in 30s" in message or "next probe in 29s" in message
    assert 25 < (error.retry_at.timestamp() - time.time()) <= 31


def test_the_state_is_shared_by_every_worker(redis: Redis):
    here, there = breaker(redis), breaker(redis)
    fail(here, 2)
    fail(there, 1)
    with pytest.raises(CircuitOpen):
        here.enter()
    other_endpoint = Breaker(redis, "tgi", threshold=3)
    assert other_endpoint.enter() is Verdict.CLOSED


def test_one_probe_after_the_reset_timeout_closes_it_on_success(redis: Redis):
    b, other = breaker(redis), breaker(redis)
    fail(b, 3)
    time.sleep(RESET + 0.05)
    assert b.enter() is Verdict.PROBE
    with pytest.raises(CircuitOpen, match="a probe call is testing it"):
        other.enter()  # only one probe in the fleet
    assert b.record_success() is True
    assert other.enter() is Verdict.CLOSED
    assert fail(b, 2) == [False, False]  # the count started again from zero


def test_a_failed_probe_opens_it_again(redis: Redis):
    b = breaker(redis)
    fail(b, 3)
    time.sleep(RESET + 0.05)
    assert b.enter() is Verdict.PROBE
    assert fail(b, 1) == [True]
    with pytest.raises(CircuitOpen, match="next probe in"):
        b.enter()


def test_a_probe_that_never_reports_back_is_given_up(redis: Redis):
    b = breaker(redis, probe_timeout=1.0)
    fail(b, 3)
    time.sleep(RESET + 0.05)
    assert b.enter() is Verdict.PROBE  # ...and its worker dies
    with pytest.raises(CircuitOpen):
        b.enter()
    time.sleep(1.05)
    assert b.enter() is Verdict.PROBE


def test_without_redis_calls_go_through(redis: Redis, redis_server):
    b = breaker(redis)
    fail(b, 3)
    redis_server.stop()
    assert b.enter() is Verdict.CLOSED  # fails open: the breaker only protects servers
    assert fail(b, 1) == [False]
    assert b.record_success() is False


def test_bad_threshold_is_refused(redis: Redis):
    with pytest.raises(ValueError, match="at least 1"):
        breaker(redis, threshold=0)
