"""Input a job message cannot carry (issue 18, findings 3 and 6): lone surrogates, nesting
deeper than ``MAX_NESTING`` (also deeper than the JSON parser can recurse), and job ids outside
``JOB_ID_PATTERN``. Each is a 4xx JSON error naming the field, and leaves nothing behind: no
ownership record, nothing queued; the request costs its usual quota (docs/http-api.md says
why)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from redis import Redis

from aigc_core.config import Settings
from aigc_core.jobs import MAX_NESTING, Job
from aigc_gateway.json_body import CUT, cut
from aigc_gateway.models import JobRequest
from aigc_gateway.service import Gateway

from .conftest import API_KEYS, KEYS, LiveGateway, auth
from .probes import BAD_PATH_IDS, bad_jobs, nested

pytestmark = pytest.mark.timeout(120)

WORK = {"generator": "qtest.work", "model": "qtest", "input": {"text": "hello"}}

BAD_JOBS = bad_jobs(WORK)

RATE_LIMIT = API_KEYS["alice"]["rate_limit"]


def redis(settings: Settings) -> Redis:
    return Redis.from_url(settings.queue["redis_url"])


def left_behind(settings: Settings) -> tuple[list[bytes], int]:
    """Ownership records, and messages waiting in the test model's queue."""
    client = redis(settings)
    return client.keys("*:gateway:owner:*"), client.llen("aigc.qtest")


def quota_used(settings: Settings, key: str = "alice") -> int:
    """Requests counted against ``key`` in the current rate-limit window(s)."""
    client = redis(settings)
    return sum(int(client.get(name) or 0) for name in client.keys(f"*:gateway:rate:{key}:*"))


def post(client: TestClient | httpx.Client, path: str, text: str) -> httpx.Response:
    return client.post(path, content=text.encode("utf-8"),
                       headers={**auth("alice"), "Content-Type": "application/json"})


def within(prefix: str, field: str) -> str:
    return ".".join(filter(None, (prefix, field))) or "body"


def assert_refused(response: httpx.Response, field: str) -> None:
    """422, an error body in the API's format that is valid UTF-8 JSON, naming ``field``."""
    assert response.status_code == 422, response.text
    error = json.loads(response.content.decode("utf-8"))["error"]  # strict UTF-8
    assert error["code"] == "invalid_request"
    assert [problem["field"] for problem in error["problems"]] == [field], error


@pytest.mark.parametrize("name", list(BAD_JOBS))
def test_a_job_a_message_cannot_carry_is_refused_naming_its_field(
    api: TestClient, settings: Settings, name: str
):
    text, field = BAD_JOBS[name]
    response = post(api, "/v1/jobs", text)
    assert_refused(response, within("", field))
    assert left_behind(settings) == ([], 0)
    # Counted like any request whose body was read for this key, and the answer says so.
    assert quota_used(settings) == 1
    assert response.headers["RateLimit-Remaining"] == str(RATE_LIMIT - 1)


@pytest.mark.parametrize("name", list(BAD_JOBS))
def test_one_such_job_in_a_batch_queues_none(api: TestClient, settings: Settings, name: str):
    text, field = BAD_JOBS[name]
    batch = f'{{"jobs": [{json.dumps(WORK)}, {text}, {json.dumps(WORK)}]}}'
    response = post(api, "/v1/jobs:batch", batch)
    assert_refused(response, within("jobs[1]", field))
    assert left_behind(settings) == ([], 0)
    assert quota_used(settings) == 3  # a batch counts one request per job
    assert response.headers["RateLimit-Remaining"] == str(RATE_LIMIT - 3)


def test_the_limits_themselves_are_accepted(api: TestClient, settings: Settings):
    deepest = {"a": json.loads(nested(MAX_NESTING - 1))}  # MAX_NESTING levels with the object
    response = api.post("/v1/jobs", headers=auth("alice"), json={
        **WORK, "input": {"text": "h\u00e9llo \U0001f600"}, "metadata": deepest})
    assert response.status_code == 202, response.text
    assert left_behind(settings)[1] == 1


@pytest.mark.parametrize("job_id", BAD_PATH_IDS)
@pytest.mark.parametrize("method", ["GET", "DELETE", "GET events"])
def test_a_path_id_outside_the_id_alphabet_is_refused_naming_it(
    api: TestClient, job_id: str, method: str
):
    verb, _, suffix = method.partition(" ")
    response = api.request(verb, f"/v1/jobs/{job_id}" + (f"/{suffix}" if suffix else ""),
                           headers=auth("alice"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert [problem["field"] for problem in error["problems"]] == ["job_id"]


def test_an_id_in_the_alphabet_is_looked_up(api: TestClient):
    for job_id in ("a", "run-7.part_2:x", "9" * 128):
        response = api.get(f"/v1/jobs/{job_id}", headers=auth("alice"))
        assert response.json()["error"]["code"] == "not_found", response.text


@pytest.fixture
def live(serve: Callable[[], LiveGateway]) -> Iterator[tuple[LiveGateway, httpx.Client]]:
    gateway = serve()
    with httpx.Client(base_url=gateway.url, timeout=30) as client:
        yield gateway, client


def test_the_live_gateway_refuses_them_too(live: tuple[LiveGateway, httpx.Client],
                                           settings: Settings):
    """Under uvicorn, whose stack and threads are not the test client's."""
    gateway, client = live
    for text, field in BAD_JOBS.values():
        assert_refused(post(client, "/v1/jobs", text), within("", field))
        batch = f'{{"jobs": [{text}]}}'
        assert_refused(post(client, "/v1/jobs:batch", batch), within("jobs[0]", field))
    response = client.get("/v1/jobs/x%0D%0Aforged", headers=auth("alice"))
    assert response.status_code == 422
    assert left_behind(settings) == ([], 0)
    assert "Traceback" not in gateway.log(), gateway.log()[-4000:]


def test_what_a_job_refuses_after_the_request_model_is_a_422_too(
    api: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    """The request models check what a Job checks; should a Job refuse more one day, the
    gateway still answers 422 naming the field, before recording anything."""
    def stricter(request: JobRequest, idempotency_key: str | None) -> Job:
        return Job(id="no spaces allowed", generator=request.generator, input=request.input)

    monkeypatch.setattr(JobRequest, "to_job", stricter)
    response = api.post("/v1/jobs:batch", json={"jobs": [WORK]}, headers=auth("alice"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], [p["field"] for p in error["problems"]]) == (
        "invalid_input", ["jobs[0].id"])
    assert left_behind(settings) == ([], 0)


def test_a_failure_to_build_the_messages_leaves_no_ownership_record(
    api: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    def unserialisable(*args: Any) -> list[str]:
        raise TypeError("cannot serialise")

    gateway: Gateway = api.app.state.gateway
    monkeypatch.setattr(gateway.client, "submit_checked", unserialisable)
    caller = gateway.keys.find(KEYS["alice"])
    assert caller is not None
    with pytest.raises(TypeError):
        gateway.submit(caller, [(JobRequest(**WORK), None)], [""])
    assert left_behind(settings) == ([], 0)


def test_cutting_keeps_what_is_shallow_and_every_position():
    text = '{"s": "[[[ not brackets ]", "deep": ' + nested(CUT + 5) + ', "after": [1]}'
    cut_text = cut(text)
    assert len(cut_text) == len(text)  # a JSON error in it is where it is in the body
    value = json.loads(cut_text)
    assert (value["s"], value["after"]) == ("[[[ not brackets ]", [1])
    deepest, levels = value["deep"], 1
    while deepest != 0:
        deepest, levels = deepest[0], levels + 1
    assert levels == CUT  # the body object is the first level


def test_a_deep_body_without_a_key_gets_its_401_without_being_cut(api: TestClient,
                                                                  monkeypatch):
    def never(body):
        raise AssertionError("a body without a known key was cut")

    monkeypatch.setattr("aigc_gateway.json_body.loads_cut", never)
    body = json.dumps({**WORK, "metadata": "PLACEHOLDER"}).replace(
        '"PLACEHOLDER"', "[" * 5000 + "]" * 5000)
    for headers in ({}, {"Authorization": "Bearer not-a-key"}):
        response = api.post("/v1/jobs", content=body.encode(),
                            headers={**headers, "Content-Type": "application/json"})
        assert response.status_code == 401, response.text
