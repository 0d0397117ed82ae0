"""Submitting, reading and cancelling jobs over HTTP (no worker: the store plays it)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from aigc_core import Job
from aigc_core.config import Settings
from aigc_workers.client import Client
from aigc_workers.store import Store

from .conftest import auth, succeed

pytestmark = pytest.mark.timeout(60)

WORK = {"generator": "qtest.work", "model": "qtest", "input": {"text": "hello"}}


def queued(settings: Settings, queue: str = "aigc.qtest") -> int:
    """Messages waiting in a queue (what workers would receive)."""
    return Redis.from_url(settings.queue["redis_url"]).llen(queue)


def fields(response: Any) -> list[str]:
    return [problem["field"] for problem in response.json()["error"]["problems"]]


def test_a_job_is_queued_and_read_back(api: TestClient, settings: Settings):
    response = api.post("/v1/jobs", json=WORK, headers=auth("alice"))
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["state"], job["generator"], job["model"], job["queue"], job["result"]) == (
        "queued", "qtest.work", "qtest", "aigc.qtest", None)
    assert response.headers["Location"] == f"/v1/jobs/{job['id']}"
    assert response.headers["RateLimit-Limit"] == "100000"
    assert queued(settings) == 1

    again = api.get(response.headers["Location"], headers=auth("alice"))
    assert again.status_code == 200 and again.json() == job


def test_a_finished_job_has_its_result(api: TestClient, store: Store):
    job_id = api.post("/v1/jobs", json=WORK, headers=auth("alice")).json()["id"]
    result = succeed(store, job_id, "hello")
    body = api.get(f"/v1/jobs/{job_id}", headers=auth("alice")).json()
    assert (body["state"], body["attempts"], body["worker"]) == ("succeeded", 1, "test@host:1")
    assert body["result"] == result.model_dump(mode="json")


@pytest.mark.parametrize(("job", "expected"), [
    ({**WORK, "input": {}}, ["input.text"]),
    ({**WORK, "input": {"text": "x", "colour": "red"}}, ["input.colour"]),
    ({**WORK, "input": {"text": "x", "sleep": -1}}, ["input.sleep"]),
    ({**WORK, "generator": "qtest.nope"}, ["generator"]),
    ({**WORK, "model": "gpt-9"}, ["model"]),
])
def test_invalid_input_is_refused_naming_each_field_and_queues_nothing(
    api: TestClient, settings: Settings, job: dict[str, Any], expected: list[str]
):
    response = api.post("/v1/jobs", json=job, headers=auth("alice"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert fields(response) == expected
    assert queued(settings) == 0


@pytest.mark.parametrize(("request_args", "expected"), [
    ({"json": {**WORK, "options": {"max_tokens": 0}}}, ["options.max_tokens"]),
    ({"json": {**WORK, "options": {"temperature": False, "max_tokens": "9"}}},
     ["options.temperature", "options.max_tokens"]),
    ({"json": {**WORK, "id": "mine"}}, ["id"]),
    ({"json": {"input": {}}}, ["generator"]),
    ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, ["body"]),
    ({"json": WORK, "headers": {"Idempotency-Key": "has space"}}, ["Idempotency-Key"]),
])
def test_a_malformed_request_is_refused_naming_each_field(
    api: TestClient, request_args: dict[str, Any], expected: list[str]
):
    headers = {**auth("alice"), **request_args.pop("headers", {})}
    response = api.post("/v1/jobs", headers=headers, **request_args)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    assert [field.lower() for field in fields(response)] == [f.lower() for f in expected]


def test_an_idempotency_key_queues_once_per_api_key(api: TestClient, settings: Settings):
    headers = {**auth("alice"), "Idempotency-Key": "order-17"}
    first = api.post("/v1/jobs", json=WORK, headers=headers)
    second = api.post("/v1/jobs", json=WORK, headers=headers)
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert queued(settings) == 1
    # Another key's identical Idempotency-Key is another job: keys never share jobs.
    ops = api.post("/v1/jobs", json=WORK, headers={**auth("ops"), "Idempotency-Key": "order-17"})
    assert ops.status_code == 202 and ops.json()["id"] != first.json()["id"]
    assert queued(settings) == 2


def test_a_batch_is_queued_all_or_nothing(api: TestClient, settings: Settings):
    bad = {"jobs": [WORK, {**WORK, "input": {"text": ""}}, {**WORK, "generator": "x.y"}]}
    response = api.post("/v1/jobs:batch", json=bad, headers=auth("alice"))
    assert response.status_code == 422
    assert fields(response) == ["jobs[1].input.text", "jobs[2].generator"]
    assert queued(settings) == 0

    good = {"jobs": [WORK, {**WORK, "input": {"text": "two"}, "idempotency_key": "b-2"}]}
    response = api.post("/v1/jobs:batch", json=good, headers=auth("alice"))
    assert response.status_code == 202, response.text
    jobs = response.json()["jobs"]
    assert [job["state"] for job in jobs] == ["queued", "queued"]
    assert queued(settings) == 2
    replay = api.post("/v1/jobs:batch", json={"jobs": [good["jobs"][1]]}, headers=auth("alice"))
    assert replay.json()["jobs"][0]["id"] == jobs[1]["id"]
    assert queued(settings) == 2

    too_many = {"jobs": [WORK] * 101}
    assert fields(api.post("/v1/jobs:batch", json=too_many, headers=auth("alice"))) == ["jobs"]


def test_a_key_sees_only_its_own_jobs_unless_it_sees_all(
    api: TestClient, settings: Settings
):
    job_id = api.post("/v1/jobs", json=WORK, headers=auth("alice")).json()["id"]
    hidden = api.get(f"/v1/jobs/{job_id}", headers=auth("bob"))
    unknown = api.get("/v1/jobs/no-such-job", headers=auth("bob"))
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["error"]["code"] == "not_found"
    assert api.delete(f"/v1/jobs/{job_id}", headers=auth("bob")).status_code == 404
    assert api.get(f"/v1/jobs/{job_id}", headers=auth("ops")).status_code == 200

    # A job submitted with the Python client has no HTTP owner: only a see-all key reads it.
    with Client(settings) as client:
        python_id = client.submit(Job(generator="qtest.work", model="qtest",
                                      input={"text": "from python"}))
    assert api.get(f"/v1/jobs/{python_id}", headers=auth("alice")).status_code == 404
    seen = api.get(f"/v1/jobs/{python_id}", headers=auth("ops")).json()
    assert (seen["id"], seen["state"]) == (python_id, "queued")


def test_cancelling(api: TestClient, store: Store):
    job_id = api.post("/v1/jobs", json=WORK, headers=auth("alice")).json()["id"]
    cancelled = api.delete(f"/v1/jobs/{job_id}", headers=auth("alice"))
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert store.begin(job_id, "w:1", 3, "qtest.work", "qtest").outcome == "cancelled"

    done = api.post("/v1/jobs", json=WORK, headers=auth("alice")).json()["id"]
    succeed(store, done)
    conflict = api.delete(f"/v1/jobs/{done}", headers=auth("alice"))
    assert conflict.status_code == 409
    assert conflict.json()["error"] == {"code": "conflict", "problems": [],
                                        "message": f"job {done} had already finished: "
                                                   "succeeded"}


def test_generators_lists_what_the_key_may_use(api: TestClient):
    everything = api.get("/v1/generators", headers=auth("alice")).json()["generators"]
    assert [g["name"] for g in everything] == ["hello.greeting", "qtest.work"]
    work = everything[1]
    assert work["plugin"] == "qtest" and work["output_schema"] == {"type": "string"}
    assert work["input_schema"]["required"] == ["text"]
    limited = api.get("/v1/generators", headers=auth("bob")).json()["generators"]
    assert [g["name"] for g in limited] == ["hello.greeting"]
