"""The per-endpoint circuit breaker against a real Redis, driven through the worker guard (its
production scripts) by several guards at once, as several workers would."""

from __future__ import annotations

import threading
import time

import pytest
from redis import Redis

from aigc_core.errors import BackendError
from aigc_workers.breaker import Breaker, CircuitOpen
from tests.queue.guarded import REQUEST, Backend, guarded, in_thread
from tests.support.ports import wait_until

pytestmark = pytest.mark.e2e

RESET = 0.3
KEY = "aigc:breaker:vllm"


def worker(redis: Redis, backend: Backend | None = None, **queue):
    return guarded(redis, "vllm", backend, breaker_failures=3, breaker_reset=RESET, **queue)


def fail(redis: Redis, times: int) -> None:
    """``times`` calls that each end in a transport failure (HTTP 503)."""
    backend = Backend()
    backend.failures = [BackendError(f"HTTP 503 #{i}", retryable=True) for i in range(times)]
    guard = worker(redis, backend)
    for _ in range(times):
        with pytest.raises(BackendError, match="HTTP 503"):
            guard.complete(REQUEST)


def state(redis: Redis) -> str | None:
    value = redis.hget(KEY, "state")
    return value.decode() if value else None


def test_consecutive_transport_failures_open_it(redis: Redis):
    fail(redis, 2)
    assert state(redis) is None
    worker(redis).complete(REQUEST)  # an answer resets the count
    assert not redis.exists(KEY)
    fail(redis, 2)
    assert state(redis) is None
    fail(redis, 1)
    assert state(redis) == "open"


def test_an_answer_that_is_an_error_still_closes_it(redis: Redis):
    backend = Backend()
    backend.failures = [BackendError("HTTP 400: bad request")]  # not retryable: the server lives
    fail(redis, 2)
    with pytest.raises(BackendError, match="HTTP 400"):
        worker(redis, backend).complete(REQUEST)
    assert not redis.exists(KEY)


def test_an_open_breaker_fails_fast_naming_the_endpoint_and_the_retry(redis: Redis):
    fail(redis, 3)
    backend = Backend()
    with pytest.raises(CircuitOpen) as caught:
        worker(redis, backend).complete(REQUEST)
    assert backend.calls == 0
    error = caught.value
    assert isinstance(error, BackendError) and not error.retryable
    message = str(error)
    assert "'vllm'" in message and "3 consecutive" in message and "HTTP 503 #2" in message
    assert "next probe in 0s" in message
    assert 0 < error.retry_at.timestamp() - time.time() <= RESET + 0.1


def test_the_state_is_shared_by_every_worker_and_kept_per_endpoint(redis: Redis):
    fail(redis, 3)  # each of these calls had a guard of its own
    with pytest.raises(CircuitOpen):
        worker(redis).complete(REQUEST)
    guarded(redis, "tgi").complete(REQUEST)


def test_one_probe_after_the_reset_timeout_closes_it_on_success(redis: Redis):
    fail(redis, 3)
    time.sleep(RESET + 0.05)
    gate = threading.Event()
    probe = Backend(gate=gate)
    prober = in_thread(lambda: worker(redis, probe).complete(REQUEST))
    wait_until(lambda: probe.calls == 1, 5, "the probe call", interval=0.01)
    assert state(redis) == "half_open"
    with pytest.raises(CircuitOpen, match="a probe call is testing it"):
        worker(redis).complete(REQUEST)  # only one probe in the fleet
    gate.set()
    prober.join(5)
    assert not redis.exists(KEY)  # closed, and the count starts again from zero
    worker(redis).complete(REQUEST)
    fail(redis, 2)
    assert state(redis) is None


def test_a_failed_probe_opens_it_again(redis: Redis):
    fail(redis, 3)
    time.sleep(RESET + 0.05)
    fail(redis, 1)  # the probe
    assert state(redis) == "open"
    with pytest.raises(CircuitOpen, match="next probe in"):
        worker(redis).complete(REQUEST)


def test_a_probe_that_never_reports_back_is_given_up(redis: Redis):
    fail(redis, 3)
    time.sleep(RESET + 0.05)
    gate = threading.Event()
    stuck = Backend(gate=gate)  # its worker might as well have died
    prober = in_thread(lambda: worker(redis, stuck).complete(REQUEST))
    wait_until(lambda: stuck.calls == 1, 5, "the probe call", interval=0.01)
    with pytest.raises(CircuitOpen, match="a probe call is testing it"):
        worker(redis).complete(REQUEST)
    time.sleep(RESET + 0.05)  # the probe timeout is breaker_reset
    second = Backend()
    worker(redis, second).complete(REQUEST)  # the next call probes, and closes it
    assert second.calls == 1 and not redis.exists(KEY)
    gate.set()
    prober.join(5)


def test_without_redis_calls_go_through(redis: Redis, redis_server):
    fail(redis, 3)
    redis_server.stop()
    backend = Backend()
    backend.failures = [BackendError("HTTP 503", retryable=True)]
    guard = worker(redis, backend)
    with pytest.raises(BackendError, match="HTTP 503"):
        guard.complete(REQUEST)  # fails open: the breaker only protects servers
    guard.complete(REQUEST)
    assert backend.calls == 2


def test_bad_threshold_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        Breaker("vllm", threshold=0)

