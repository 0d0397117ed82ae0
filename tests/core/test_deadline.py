"""A job's deadline reaches the model call: HTTP calls time out with the time left, retries do
not sleep past it, and the failure says why. (Templates: test_sandbox.py; the repair loop:
test_engine.py; in-process models, interrupted by the worker: tests/queue/test_time_limits.py.)"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from aigc_core import Engine
from aigc_core.config import load_settings
from aigc_core.deadline import Deadline
from aigc_core.retry import RetryPolicy
from aigc_core.testing import plugin_module
from tests.queue.faulty_server import FaultyServer, Reply, Status
from tests.support.demo import ECHO


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    with FaultyServer() as running:
        yield running


def engine_for(url: str, retry: RetryPolicy) -> Engine:
    return Engine(
        load_settings(enable_plugins=[], models={"default": {
            "backend": "openai", "base_url": url, "model": "m", "timeout": 60,
            "structured_output": "none"}}),
        plugins={"demo": plugin_module(ECHO)}, retry=retry)


def run_until(engine: Engine, seconds: float):
    job = engine.make_job("demo.echo", {"text": "words"})
    started = time.monotonic()
    result = engine.run(job, deadline=Deadline(seconds, label="soft time limit"))
    return result, time.monotonic() - started


def test_a_slow_model_call_times_out_with_the_time_left(server: FaultyServer):
    server.fallback = Reply(delay=20)
    result, took = run_until(engine_for(server.url, RetryPolicy(max_attempts=1)), 1.0)
    assert (result.status, result.error.kind, result.error.message) == (
        "failed", "timeout", "stopped at the soft time limit of 1s")
    assert took < 3  # the server would have answered after 20 s; the backend timeout is 60 s


def test_retries_do_not_sleep_past_the_deadline(server: FaultyServer):
    server.fallback = Status(503, retry_after=30)
    result, took = run_until(engine_for(server.url, RetryPolicy(max_attempts=5)), 2.0)
    assert result.status == "failed" and took < 2.5
    assert result.error.kind == "model"  # ended by the server's 503, before the deadline

