"""A job through Redis and a real worker process running the embedded model, as deployed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aigc_core import GenerationOptions, Job
from aigc_workers.client import Client
from aigc_workers.protocol import TASK_NAME

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


@pytest.fixture
def enabled_plugins() -> list[str]:
    return ["qtest", "hello"]


@pytest.fixture
def plugin_dirs(qtest_plugin: Path, hello_plugin: Path) -> list[Path]:
    return [qtest_plugin, hello_plugin]


@pytest.fixture
def queue_config(queue_config: dict[str, Any]) -> dict[str, Any]:
    # The pool process loads the model on its first job: allow for a slow CI machine.
    return {**queue_config, "soft_time_limit": 150, "hard_time_limit": 180,
            "visibility_timeout": 200}


def maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_a_job_round_trips_through_redis_and_a_worker_on_the_embedded_model(
    client: Client, worker
):
    w = worker(queues=("aigc.default",), pool="prefork", concurrency=1)
    job = Job(generator="hello.greeting", input={"name": "Ada"},
              options=GenerationOptions(max_tokens=24))
    job_id = client.submit(job)
    assert job_id == job.id
    result = client.result(job_id, timeout=240)

    prov = result.provenance
    assert (result.job_id, prov.backend, prov.model_id) == (
        job.id, "llama_cpp", "SmolLM2-135M-Instruct")
    assert prov.usage.completion_tokens > 0
    if result.ok:
        assert "ada" in result.text.lower()
    else:
        assert result.error.kind == "validation" and result.problems, result
    status = client.status(job_id)
    assert (status.state, status.attempts, status.queue) == (result.status, 1, "aigc.default")
    assert status.worker.startswith("w1@") and status.worker.endswith(f":{w.children()[0]}")
    # The model lives in the pool process only: the parent forks with no model (no GPU
    # context) of its own.
    assert "libllama" in maps(w.children()[0]) and "libllama" not in maps(w.pid)
    # Celery's own result backend holds the same Result JSON (the documented contract).
    assert client.app.AsyncResult(job_id, task_name=TASK_NAME).get(timeout=10) == (
        result.model_dump(mode="json"))
    # Sent, so the copy kept to resend the message is gone.
    assert not client.store.redis.hexists(f"aigc:job:{job_id}", "message")
    # One line per job in the worker's log, without the input or the output.
    lines = [line for line in w.log().splitlines() if job_id in line]
    assert len(lines) == 1 and f"hello.greeting on default: {result.status} in" in lines[0], lines
    assert "Ada" not in lines[0] and "httpx" not in w.log()
