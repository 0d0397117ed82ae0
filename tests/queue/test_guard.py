"""The worker guard around the real openai backend, against a real fault-injecting server.

The one retry layer (``aigc_core.retry``) drives the attempts; the guard takes a fleet-wide slot
and asks the breaker around each of them and records metrics.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client import REGISTRY
from redis import Redis

from aigc_core import Engine, Job, Result
from aigc_core.config import load_settings
from aigc_core.retry import RetryPolicy
from aigc_core.testing import plugin_module
from aigc_workers.guard import make_guard
from aigc_workers.settings import QueueSettings
from tests.queue.faulty_server import FaultyServer, Hang, Reply, Status
from tests.support.demo import ECHO

pytestmark = pytest.mark.e2e

RESET = 1.0


def guarded_engine(server: FaultyServer, redis: Redis, endpoint: str, **queue) -> Engine:
    """An engine whose model ``endpoint`` is the openai backend on ``server``, guarded."""
    settings = load_settings(
        enable_plugins=[], disable_plugins=["labels"],  # the echoed text is compared as is
        models={endpoint: {"backend": "openai", "base_url": server.url, "model": "m",
                           "structured_output": "none", "timeout": 0.5,
                           "connect_timeout": 0.5}},
    )
    queue = {"breaker_failures": 3, "breaker_reset": RESET, "slot_wait": 5, **queue}
    return Engine(settings, plugins={"demo": plugin_module(ECHO)},
                  retry=RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=1.0),
                  backend_middleware=make_guard(QueueSettings(**queue), redis))


def run(engine: Engine, endpoint: str) -> Result:
    return engine.run(Job(generator="demo.echo", input={"text": "hi"}, model=endpoint))


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_429_503_and_a_hang_are_retried_then_the_job_succeeds(server, redis):
    server.script(Status(429, retry_after=0.3), Status(503), Hang(5))
    engine = guarded_engine(server, redis, "flaky", breaker_failures=5)
    started = time.monotonic()
    result = run(engine, "flaky")
    assert result.ok, result.error
    assert result.text == "Repeat exactly: hi"
    assert server.counters.requests == 4  # three failures, one success: nothing multiplied
    assert server.counters.log == ["Status(429)", "Status(503)", "Hang", "Reply"]
    assert time.monotonic() - started >= 0.3 + 0.5  # Retry-After honoured, hang timed out
    for kind in ("rate_limited", "server_error", "timeout"):
        assert metric("aigc_model_errors_total", endpoint="flaky", kind=kind) == 1
    assert metric("aigc_model_call_duration_seconds_count", endpoint="flaky") == 4
    assert metric("aigc_model_calls_in_flight", endpoint="flaky") == 0
    assert not redis.exists("aigc:breaker:flaky")  # the success wiped the failure count


def test_a_dead_server_opens_the_breaker_and_a_recovered_one_closes_it(server, redis):
    engine = guarded_engine(server, redis, "dead")
    server.fallback = Status(503)

    first = run(engine, "dead")
    assert first.status == "failed" and first.error.kind == "model"
    assert "circuit breaker open for model endpoint 'dead'" in first.error.message
    assert server.counters.requests == 3  # the 4th attempt was refused without a request

    started = time.monotonic()
    fast = run(engine, "dead")
    assert fast.status == "failed" and "next probe in" in fast.error.message
    assert time.monotonic() - started < RESET
    assert server.counters.requests == 3

    server.fallback = Reply()
    time.sleep(RESET + 0.1)
    with ThreadPoolExecutor(4) as pool:  # one of these is the probe, the others may be refused
        results = list(pool.map(lambda _: run(engine, "dead"), range(4)))
    assert any(r.ok for r in results)
    assert all(r.ok or "probe call is testing it" in r.error.message for r in results)
    assert run(engine, "dead").ok  # closed again
    for state in ("open", "half_open", "closed"):
        assert metric("aigc_breaker_transitions_total", endpoint="dead", state=state) == 1
    assert metric("aigc_model_errors_total", endpoint="dead", kind="circuit_open") >= 2


def test_a_hung_server_costs_a_bounded_number_of_attempts(server, redis):
    engine = guarded_engine(server, redis, "hung", breaker_failures=10)
    server.fallback = Hang(30)
    started = time.monotonic()
    result = run(engine, "hung")
    assert result.status == "failed" and result.error.kind == "model"
    assert server.counters.requests == 4  # RetryPolicy.max_attempts, no hidden client retries
    assert time.monotonic() - started < 4 * 0.5 + 3 * 1.0 + 1


def test_concurrent_jobs_never_exceed_the_endpoint_cap(server, redis):
    server.fallback = Reply(delay=0.15)
    engine = guarded_engine(server, redis, "capped", endpoint_limits={"capped": 2})
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: run(engine, "capped"), range(16)))
    assert all(r.ok for r in results)
    assert server.counters.requests == 16
    assert server.counters.max_in_flight == 2
    assert redis.zcard("aigc:slots:capped") == 0
    assert metric("aigc_slot_wait_seconds_count", endpoint="capped") == 16


def test_uncapped_models_are_not_limited(server, redis):
    server.fallback = Reply(delay=0.15)
    engine = guarded_engine(server, redis, "free")
    with ThreadPoolExecutor(6) as pool:
        assert all(r.ok for r in pool.map(lambda _: run(engine, "free"), range(6)))
    assert server.counters.max_in_flight > 2


def test_a_rate_limited_answer_is_not_an_outage():
    from aigc_core.errors import BackendError
    from aigc_workers.guard import is_outage

    def failure(status: int) -> BackendError:
        error = BackendError(f"HTTP {status}", retryable=True)
        error.__cause__ = type("StatusError", (Exception,), {"status_code": status})()
        return error

    assert not is_outage(failure(429))
    assert is_outage(failure(503))
    assert is_outage(BackendError("connection refused", retryable=True))
    assert not is_outage(BackendError("HTTP 400"))


@pytest.mark.parametrize("limits", [{}, {"counted": 4}], ids=["uncapped", "capped"])
def test_a_call_costs_two_redis_round_trips(server, redis, limits):
    """The guard's Redis work runs beside every model call; one script before and one after."""
    server.fallback = Reply()
    engine = guarded_engine(server, redis, "counted", endpoint_limits=limits)
    assert run(engine, "counted").ok  # the first call also loads the scripts
    redis.config_resetstat()
    for _ in range(5):
        assert run(engine, "counted").ok
    # Commands that scripts run count too, so count the scripts: every other command the
    # guard sends on its own would be one of theirs (HGET, DEL, ZREM...), not a script call.
    stats = redis.info("commandstats")
    assert stats["cmdstat_evalsha"]["calls"] == 10
    assert stats["cmdstat_hmget"]["calls"] == 5  # the breaker was asked once per call
    assert redis.zcard("aigc:slots:counted") == 0
