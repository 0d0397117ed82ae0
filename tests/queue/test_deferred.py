"""Inside a delivery, the guard's script after a successful call travels with the job's next
script: a one-call job costs three script round trips, not four. Real Redis, a real HTTP
server, the real openai backend."""

from __future__ import annotations

import time

import pytest
from redis import Redis

from aigc_core import Job, Result
from aigc_workers.deferred import deferring
from aigc_workers.settings import QueueSettings
from aigc_workers.store import Store
from tests.queue.faulty_server import Reply, Status
from tests.queue.test_guard import RESET, guarded_engine, metric

pytestmark = pytest.mark.e2e

SLOTS = "aigc:slots:deferred"


def submitted(store: Store, model: str) -> Job:
    job = Job(generator="demo.echo", input={"text": "hi"}, model=model)
    store.register([(job, "aigc.test", "{}")])
    assert store.begin(job.id, "test:1", 3, job.generator, job.model).outcome == "run"
    return job


def warmed_up(engine, store: Store) -> None:
    """One job first: a script's first EVALSHA fails (NOSCRIPT) and loads it, counting twice."""
    assert engine.run(submitted(store, "deferred")).ok


def scripts_sent(redis: Redis) -> dict[str, int]:
    stats = redis.info("commandstats")
    return {name: stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval")}


def test_the_after_call_script_goes_out_with_finish(server, redis):
    server.fallback = Reply()
    engine = guarded_engine(server, redis, "deferred", endpoint_limits={"deferred": 4})
    store = Store(redis, QueueSettings())
    warmed_up(engine, store)
    job = submitted(store, "deferred")
    redis.config_resetstat()
    with deferring(redis):
        result = engine.run(job)
        assert result.ok
        assert redis.zcard(SLOTS) == 1  # the slot goes back with the next script...
        assert store.finish(result).outcome == "stored"
        assert redis.zcard(SLOTS) == 0  # ...which was finish
    # The call's first script alone; then the second and finish together, in one pipeline.
    assert scripts_sent(redis) == {"evalsha": 1, "eval": 2}
    assert Result.model_validate_json(redis.get(f"aigc:result:{job.id}")) == result


def test_after_a_failed_call_the_slot_is_given_back_before_the_retry_waits(server, redis):
    engine = guarded_engine(server, redis, "deferred", endpoint_limits={"deferred": 4})
    store = Store(redis, QueueSettings())
    warmed_up(engine, store)
    server.script(Status(503))
    job = submitted(store, "deferred")
    redis.config_resetstat()
    with deferring(redis):
        assert engine.run(job).ok
        # before + after the 503 at once; before the retry; its after-call script still waits
        assert scripts_sent(redis) == {"evalsha": 3, "eval": 0}
        assert redis.zcard(SLOTS) == 1
    # Leaving the delivery sends what is left, even when no finish followed (a crash).
    assert redis.zcard(SLOTS) == 0
    assert scripts_sent(redis) == {"evalsha": 3, "eval": 1}


def test_a_deferred_outcome_still_closes_the_breaker(server, redis):
    engine = guarded_engine(server, redis, "deferred")
    store = Store(redis, QueueSettings())
    server.fallback = Status(503)
    assert not engine.run(submitted(store, "deferred")).ok  # opens the breaker
    server.fallback = Reply()
    time.sleep(RESET + 0.1)
    with deferring(redis):
        result = engine.run(submitted(store, "deferred"))  # the probe
        assert result.ok
        assert metric("aigc_breaker_transitions_total", endpoint="deferred", state="closed") == 0
        store.finish(result)
    assert metric("aigc_breaker_transitions_total", endpoint="deferred", state="closed") == 1
    assert not redis.exists("aigc:breaker:deferred")
