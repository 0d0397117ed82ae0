"""Per-model queues: a job goes to the queue of the model it names, and a worker serves only
the queues it was started with."""

from __future__ import annotations

import os
import re
import signal

import pytest

from aigc_core import Job
from aigc_workers.client import Client
from tests.queue.conftest import read_calls
from tests.support.ports import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_two_workers_on_two_model_queues_never_take_each_others_jobs(
    client: Client, worker, qtest_log
):
    first = worker(queues=("aigc.qtest",), pool="threads", concurrency=2)
    second = worker(queues=("aigc.qtest2",), pool="threads", concurrency=2)
    ids = {
        (model, i): client.submit(Job(generator="qtest.work", model=model,
                                      input={"text": f"{model} {i}", "sleep": 0.2}))
        for model in ("qtest", "qtest2") for i in range(4)
    }
    unserved = client.submit(Job(generator="qtest.work", model="default",
                                 input={"text": "no worker serves aigc.default"}))
    results = client.wait(list(ids.values()), timeout=60)
    assert all(result.ok for result in results.values())

    pids = {"qtest": first.pid, "qtest2": second.pid}  # threads pool: calls run in the worker
    for event, pid, text in read_calls(qtest_log):
        assert pid == pids[text.split()[0]], (event, pid, text)
    for (model, _), job_id in ids.items():
        status = client.status(job_id)
        assert (status.queue, status.worker.split("@")[0]) == (
            f"aigc.{model}", "w1" if model == "qtest" else "w2")
    assert client.status(unserved).state == "queued"


def test_a_worker_refuses_queues_of_unconfigured_models(worker):
    refused = worker(queues=("aigc.nosuchmodel",), ready=False)
    assert refused.proc.wait(60) == 2
    assert "aigc.nosuchmodel serve no configured model" in refused.log()


def test_each_pool_process_gets_its_own_gpu(queue_config, worker):
    queue_config["gpus"] = ["7", "9"]
    w = worker(concurrency=None)  # one pool process per GPU

    def pinned() -> list[tuple[int, int, str]]:
        found = re.findall(r"pool process (\d+) \(pid (\d+)\) uses GPU (\d+)", w.log())
        return [(int(index), int(pid), gpu) for index, pid, gpu in found]

    wait_until(lambda: len(pinned()) == 2, 30, "both pool processes")
    assert sorted((index, gpu) for index, _, gpu in pinned()) == [(0, "7"), (1, "9")]
    assert sorted(pid for _, pid, _ in pinned()) == sorted(w.children())
    first = next(pid for index, pid, _ in pinned() if index == 0)
    os.kill(first, signal.SIGKILL)  # its replacement takes over its GPU
    wait_until(lambda: len(pinned()) == 3, 30, "the replacement process")
    assert pinned()[-1][0::2] == (0, "7") and pinned()[-1][1] != first
