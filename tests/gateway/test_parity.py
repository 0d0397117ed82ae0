"""A job submitted over HTTP and one submitted with the Python client are the same job: the
same message on the same queue, the same state and the same result."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from aigc_core import GenerationOptions, Job, Result
from aigc_core.config import Settings
from aigc_workers.client import Client

from .conftest import auth

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

JOB: dict[str, Any] = {
    "generator": "qtest.work", "model": "qtest", "input": {"text": "same job"},
    "options": {"max_tokens": 5, "temperature": 0.1}, "metadata": {"ref": "order-9"},
}

#: What differs between any two messages, whoever sent them: ids, and who sent it when.
_PER_MESSAGE = ("id", "root_id", "correlation_id", "delivery_tag", "origin", "reply_to")


def messages(redis: Redis, queue: str) -> list[dict[str, Any]]:
    """The Celery messages waiting in a queue, oldest first, with their bodies decoded."""
    found = []
    for raw in reversed(redis.lrange(queue, 0, -1)):
        envelope = json.loads(raw)
        envelope["body"] = json.loads(base64.b64decode(envelope["body"]))
        found.append(envelope)
    return found


def without_ids(document: Any, job_id: str) -> Any:
    """``document`` with the job id, and the fields that differ per message, blanked."""
    text = json.dumps(document).replace(job_id, "ID")
    return _blank(json.loads(text))


def _blank(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: "*" if key in _PER_MESSAGE else _blank(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_blank(item) for item in value]
    return value


def comparable(result: Result) -> dict[str, Any]:
    """A result without its job id and the clock readings of its run."""
    data = without_ids(result.model_dump(mode="json"), result.job_id)
    provenance = data["provenance"]
    for clock in ("timings", "started_at", "finished_at"):
        provenance.pop(clock)
    return data


def test_http_and_python_client_jobs_are_indistinguishable(
    api: TestClient, settings: Settings, worker
):
    http_id = api.post("/v1/jobs", json=JOB, headers=auth("alice")).json()["id"]
    with Client(settings) as client:
        python_id = client.submit(Job(generator=JOB["generator"], model=JOB["model"],
                                      input=JOB["input"], metadata=JOB["metadata"],
                                      options=GenerationOptions(**JOB["options"])))
        # To workers: the same message on the same queue, but for the job's id.
        redis = Redis.from_url(settings.queue["redis_url"])
        over_http, from_python = messages(redis, "aigc.qtest")
        assert without_ids(over_http, http_id) == without_ids(from_python, python_id)
        assert over_http["body"][1]["job"]["metadata"] == {"ref": "order-9"}

        worker(pool="threads")
        results = client.wait([http_id, python_id], timeout=60)
        statuses = client.store.statuses([http_id, python_id])
    # In results and states: the same, but for ids, clocks and the worker's pid.
    assert results[http_id].ok and results[http_id].text == "same job"
    assert comparable(results[http_id]) == comparable(results[python_id])
    assert [(s.state, s.attempts, s.queue) for s in statuses] == [("succeeded", 1,
                                                                   "aigc.qtest")] * 2
    # And over HTTP, the result is the stored one, byte for byte.
    view = api.get(f"/v1/jobs/{http_id}", headers=auth("alice")).json()
    assert view["result"] == results[http_id].model_dump(mode="json")
