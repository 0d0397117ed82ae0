"""The fleet-wide endpoint cap holds across real worker processes (threads and prefork pools),
measured at a real model server, and a worker killed mid-call leaks no slot."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from aigc_core import Job
from aigc_workers.client import Client
from tests.queue.conftest import WorkerHandle
from tests.queue.faulty_server import FaultyServer, Reply
from tests.support.ports import wait_until

pytestmark = pytest.mark.e2e

LIMIT = 3


def work_text(body: dict[str, Any]) -> str:
    """The answer ``qtest.work`` accepts: the ``text`` of the JSON prompt it sends."""
    return json.loads(body["messages"][-1]["content"])["text"]


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    with FaultyServer(Reply(delay=0.4, text=work_text)) as running:
        yield running


@pytest.fixture
def fleet(server, queue_config, models_config, queue_settings) -> Iterator[Client]:
    """Model ``fleet`` is an openai endpoint on ``server`` capped at LIMIT calls fleet-wide."""
    models_config["fleet"] = {"backend": "openai", "base_url": server.url, "model": "m",
                              "structured_output": "none", "timeout": 10}
    # A fresh worker's first job imports the openai client (seconds on a busy machine): the
    # time limits leave room for that. No test here waits for a redelivery.
    queue_config.update(endpoint_limits={"fleet": LIMIT}, slot_lease=1.5, slot_wait=20,
                        soft_time_limit=20, hard_time_limit=25, visibility_timeout=60)
    with Client(queue_settings()) as client:
        yield client


def start_workers(worker, *pools: tuple[str, int]) -> list[WorkerHandle]:
    """Start workers on the ``fleet`` queue side by side, then wait until all consume."""
    # Only the test plugin: worker_env keeps out the labels plugin, which would mark up the
    # echoed texts.
    handles = [worker(queues=("aigc.fleet",), pool=pool, concurrency=concurrency, ready=False,
                      env={"AIGC_ENABLE_PLUGINS": "qtest"}) for pool, concurrency in pools]
    for handle in handles:
        handle.wait_ready()
    return handles


def submit(client: Client, count: int) -> list[str]:
    return client.submit_batch(
        Job(generator="qtest.work", model="fleet", input={"text": f"job {i}"})
        for i in range(count))


def test_the_cap_holds_across_worker_processes(fleet, worker, server):
    # 4 + 3 + 4 calls could run at once; the cap allows LIMIT.
    start_workers(worker, ("threads", 4), ("prefork", 3), ("threads", 4))
    ids = submit(fleet, 24)
    results = fleet.wait(ids, timeout=90)
    assert all(results[job_id].ok for job_id in ids), [results[i].error for i in ids]
    assert sorted(results[job_id].text for job_id in ids) == sorted(f"job {i}" for i in range(24))
    assert server.counters.max_in_flight == LIMIT  # never above it, and it was reached
    assert server.counters.requests == 24  # the cap queued calls; nothing was refused


def test_a_worker_killed_mid_call_leaks_no_slot(fleet, worker, server):
    [doomed] = start_workers(worker, ("threads", LIMIT))
    ids = submit(fleet, 3 * LIMIT)
    wait_until(lambda: server.counters.in_flight == LIMIT, 30, "the first worker's calls")
    doomed.kill(whole=True)  # SIGKILL while it holds every slot of the fleet
    killed_at = time.monotonic()
    start_workers(worker, ("threads", LIMIT))

    def survivor_done() -> bool:  # the dead worker's own jobs wait for redelivery (not here)
        return sum(s.state == "succeeded" for s in map(fleet.status, ids)) == 2 * LIMIT

    wait_until(survivor_done, 60, "the surviving worker's jobs", interval=0.5)
    # Only once the dead worker's leases expired could the survivor run LIMIT calls at once.
    assert server.counters.max_in_flight_since(killed_at) == LIMIT
    assert server.counters.max_in_flight <= LIMIT
