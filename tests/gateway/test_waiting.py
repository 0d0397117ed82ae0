"""Long-polls and event streams follow a job's state changes as a worker makes them."""

from __future__ import annotations

import asyncio
import json
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis as AsyncRedis

from aigc_core.config import Settings
from aigc_gateway.watch import Watcher
from aigc_workers.client import Client
from aigc_workers.store import Store

from .conftest import auth, succeed

pytestmark = pytest.mark.timeout(60)

#: Seconds an event stream stays open in these tests.
STREAM_TIMEOUT = 3.0

WORK = {"generator": "qtest.work", "model": "qtest", "input": {"text": "hello"}}


@contextmanager
def later(delay: float, action: Callable[[], object]) -> Iterator[None]:
    """Run ``action`` in a thread after ``delay`` seconds, as a worker would meanwhile."""
    thread = threading.Thread(target=lambda: (time.sleep(delay), action()))
    thread.start()
    try:
        yield
    finally:
        thread.join()


@pytest.fixture
def gateway_config(gateway_config: dict) -> dict:
    return {**gateway_config, "stream_timeout": STREAM_TIMEOUT, "keepalive": 0.3}


def submit(api: TestClient) -> str:
    return api.post("/v1/jobs", json=WORK, headers=auth("alice")).json()["id"]


def test_a_long_poll_answers_as_soon_as_the_job_finishes(api: TestClient, store: Store):
    job_id = submit(api)
    started = time.monotonic()
    with later(0.5, lambda: succeed(store, job_id, "hello")):
        response = api.get(f"/v1/jobs/{job_id}", params={"wait": 30}, headers=auth("alice"))
    waited = time.monotonic() - started
    body = response.json()
    assert (body["state"], body["result"]["text"]) == ("succeeded", "hello")
    assert 0.5 <= waited < 5, waited


def test_a_long_poll_answers_with_the_current_state_when_its_wait_is_over(
    api: TestClient
):
    job_id = submit(api)
    started = time.monotonic()
    response = api.get(f"/v1/jobs/{job_id}", params={"wait": 0.6}, headers=auth("alice"))
    assert response.status_code == 200 and response.json()["state"] == "queued"
    assert 0.6 <= time.monotonic() - started < 5


def read_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines()
                     if not line.startswith(":"))
        if lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_events_stream_each_state_change_and_end_with_the_result(
    api: TestClient, store: Store
):
    job_id = submit(api)

    def work() -> None:
        store.begin(job_id, "test@host:1", 3, "qtest.work", "qtest")
        time.sleep(0.5)  # several polls see "started"; one event says so
        succeed(store, job_id, "hello")

    with later(0.5, work):
        response = api.get(f"/v1/jobs/{job_id}/events", headers=auth("alice"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = read_events(response.text)
    assert [(name, data["state"]) for name, data in events] == [
        ("state", "queued"), ("state", "started"), ("state", "succeeded")]
    assert events[-1][1]["result"]["text"] == "hello"
    assert events[1][1]["result"] is None


def test_events_of_a_finished_job_are_its_final_state(api: TestClient, store: Store):
    job_id = submit(api)
    succeed(store, job_id)
    events = read_events(api.get(f"/v1/jobs/{job_id}/events", headers=auth("alice")).text)
    assert [data["state"] for _, data in events] == ["succeeded"]
    hidden = api.get(f"/v1/jobs/{job_id}/events", headers=auth("bob"))
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"


def test_an_event_stream_is_bounded_and_kept_alive(api: TestClient):
    job_id = submit(api)
    started = time.monotonic()
    response = api.get(f"/v1/jobs/{job_id}/events", headers=auth("alice"))
    assert STREAM_TIMEOUT <= time.monotonic() - started < STREAM_TIMEOUT + 3
    assert [data["state"] for _, data in read_events(response.text)] == ["queued"]
    assert ": keep-alive" in response.text


class TestCompletionsWakeLongPolls:
    """A finished job wakes the gateway's poll loop through the store's done channel: with
    polls 5 s apart, a long-poll still answers as the result is stored."""

    @pytest.fixture
    def gateway_config(self, gateway_config: dict) -> dict:
        return {**gateway_config, "poll_interval": 5.0}

    def test_a_long_poll_answers_long_before_the_next_poll(self, api: TestClient,
                                                           store: Store):
        for delay in (0.5, 1.0):  # the second comes after the first poll tick's subscription
            job_id = submit(api)
            started = time.monotonic()
            with later(delay, lambda job_id=job_id: succeed(store, job_id, "woken")):
                response = api.get(f"/v1/jobs/{job_id}", params={"wait": 30},
                                   headers=auth("alice"))
            waited = time.monotonic() - started
            assert response.json()["result"]["text"] == "woken"
            assert delay <= waited < delay + 2.5, waited

    def test_an_event_stream_ends_as_the_job_finishes(self, api: TestClient, store: Store):
        job_id = submit(api)
        started = time.monotonic()
        with later(0.5, lambda: succeed(store, job_id, "streamed")):
            response = api.get(f"/v1/jobs/{job_id}/events", headers=auth("alice"))
        assert time.monotonic() - started < 2.5
        assert read_events(response.text)[-1][1]["result"]["text"] == "streamed"

    def test_the_listener_subscribes_while_a_job_is_waited_on_and_not_after(
            self, api: TestClient, store: Store):
        job_id = submit(api)
        channel = store.done_channel(job_id)

        def subscribers() -> int:
            return store.redis.pubsub_numsub(channel)[0][1]

        seen: list[int] = []
        with later(1.0, lambda: (seen.append(subscribers()), succeed(store, job_id, "seen"))):
            response = api.get(f"/v1/jobs/{job_id}", params={"wait": 30},
                               headers=auth("alice"))
        assert response.json()["result"]["text"] == "seen"
        assert seen == [1]  # the gateway's listener, subscribed while the long-poll waited
        deadline = time.monotonic() + 2.0
        while subscribers() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert subscribers() == 0  # and unsubscribed once nobody waits on the job

    def test_a_redis_restart_leaves_long_polls_answered(self, api: TestClient, store: Store,
                                                        redis_server):
        job_id = submit(api)
        redis_server.restart(signal.SIGKILL, down_for=0.5)  # breaks the subscription
        with later(1.0, lambda: succeed(store, job_id, "after a restart")):
            response = api.get(f"/v1/jobs/{job_id}", params={"wait": 30},
                               headers=auth("alice"))
        assert response.json()["result"]["text"] == "after a restart"


class NeverCloses(AsyncRedis):
    """A listener whose close never finishes, as redis-py's shielded pub/sub teardown once
    did in CI (the gateway's shutdown then hung until the test timed out)."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await asyncio.Event().wait()


@pytest.mark.parametrize(("listener", "stopped"), [(AsyncRedis, True), (NeverCloses, False)])
def test_stopping_the_watcher_takes_at_most_its_grace(settings: Settings, listener: type,
                                                      stopped: bool):
    async def run() -> tuple[bool, float]:
        client = Client(settings)
        watcher = Watcher(client, 0.05, listener.from_url(settings.queue["redis_url"]))
        watcher.start()
        try:
            with watcher.watch("some-job"):
                await asyncio.sleep(0.3)  # subscribed and polling
            began = time.monotonic()
            return await watcher.stop(grace=0.5), time.monotonic() - began
        finally:
            client.close()

    result, took = asyncio.run(run())
    assert result is stopped
    assert took < 0.5 + 0.5
