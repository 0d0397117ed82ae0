"""Celery task events from real workers: what Flower and ``celery events`` are fed.

Workers send task events by default (``queue.task_events``); clients send no task-sent event,
the arguments shown are the job's identity, never its input, and results are cut short.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from redis import Redis

from aigc_core import Job
from aigc_workers.client import Client

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@contextmanager
def captured_events(client: Client) -> Iterator[list[dict[str, Any]]]:
    """Every Celery event published while the block runs (a live subscription, as Flower's)."""
    events: list[dict[str, Any]] = []
    subscribed = threading.Event()
    with client.app.connection_for_read() as connection:
        receiver = client.app.events.Receiver(connection, handlers={"*": events.append})
        thread = threading.Thread(target=receiver.capture, daemon=True,
                                  kwargs={"limit": None, "timeout": None, "wakeup": False})
        receiver.on_consume_ready = lambda *args, **kwargs: subscribed.set()
        thread.start()
        assert subscribed.wait(10), "the event receiver never subscribed"
        try:
            yield events
        finally:
            receiver.should_stop = True
            thread.join(10)


def run_one(client: Client, text: str) -> str:
    job_id = client.submit(Job(generator="qtest.work", model="qtest",
                               input={"text": text}))
    assert client.result(job_id, timeout=60).ok
    return job_id


def test_workers_send_task_events_naming_the_job_not_its_input(client: Client, worker):
    worker(pool="threads")
    with captured_events(client) as events:
        job_id = run_one(client, "a private memo")
        # Events are published after the result is stored; give the last one a moment.
        for _ in range(50):
            if any(e.get("type") == "task-succeeded" for e in events):
                break
            threading.Event().wait(0.1)
    mine = {e["type"]: e for e in events if e.get("uuid") == job_id}
    assert {"task-received", "task-started", "task-succeeded"} <= set(mine), sorted(mine)
    assert "task-sent" not in mine
    assert mine["task-received"]["kwargs"] == f"{{job: {job_id} qtest.work on qtest}}"
    # The input never travels in events; the result does, as a short prefix (qtest echoes
    # its input, so the output holds the text), for Flower's result column.
    assert "private memo" not in repr([mine["task-received"], mine["task-started"]])
    succeeded = mine["task-succeeded"]["result"]
    assert len(succeeded) < 300 and "..." in succeeded  # resultrepr_maxsize = 200


class TestTaskEventsOff:
    @pytest.fixture
    def queue_config(self, queue_config: dict[str, Any]) -> dict[str, Any]:
        return {**queue_config, "task_events": False}

    def test_no_task_events_are_sent(self, client: Client, worker):
        worker(pool="threads")
        with captured_events(client) as events:
            job_id = run_one(client, "quietly")
            threading.Event().wait(1.0)
        assert not [e for e in events if e.get("uuid") == job_id]
        assert any(e["type"] == "worker-heartbeat" for e in events) or events == []


class EventMessages:
    """Each message published on Celery's event exchange since it subscribed, as
    ``(routing key, events)``: how many Redis messages carried how many events."""

    def __init__(self, redis_url: str):
        self.redis = Redis.from_url(redis_url)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.pubsub.psubscribe("*celeryev*")
        self.messages: list[tuple[str, list[dict[str, Any]]]] = []

    def events(self, job_id: str) -> list[str]:
        return [event["type"] for _, events in self.messages for event in events
                if event.get("uuid") == job_id]

    def until(self, done: Any, timeout: float) -> None:
        """Read messages until ``done()`` holds (or ``timeout`` seconds pass)."""
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            message = self.pubsub.get_message(timeout=0.1)
            if message is None:
                continue
            envelope = json.loads(message["data"])
            body = json.loads(base64.b64decode(envelope["body"]))
            key = message["channel"].decode().rsplit("/", 1)[-1]
            self.messages.append((key, body if isinstance(body, list) else [body]))

    def close(self) -> None:
        self.pubsub.close()
        self.redis.close()


EXPECTED = ["task-received", "task-started", "task-succeeded"]


class BatchedEvents:
    INTERVAL = 1.5

    @pytest.fixture
    def queue_config(self, queue_config: dict[str, Any]) -> dict[str, Any]:
        return {**queue_config, "event_flush_interval": self.INTERVAL,
                "soft_shutdown_timeout": 0.5}

    @pytest.fixture
    def messages(self, redis_server) -> Iterator[EventMessages]:
        subscribed = EventMessages(redis_server.url)
        yield subscribed
        subscribed.close()

    def carriers(self, client: Client, worker, messages: EventMessages, jobs: int) -> list[int]:
        """Run ``jobs`` jobs one after another within one interval; returns how many events
        each task-event message carried."""
        worker(pool="threads")
        started = time.monotonic()
        ids = [run_one(client, f"job {index}") for index in range(jobs)]
        assert time.monotonic() - started < self.INTERVAL  # or the test measures nothing
        messages.until(lambda: all(messages.events(job) == EXPECTED for job in ids),
                       timeout=3 * self.INTERVAL)
        assert [messages.events(job) for job in ids] == [EXPECTED] * jobs
        return [len(events) for key, events in messages.messages if key.startswith("task")]


class TestBatchedTaskEvents(BatchedEvents):
    def test_the_events_of_many_jobs_travel_together(self, client: Client, worker, messages):
        carriers = self.carriers(client, worker, messages, jobs=4)
        # 12 events in at most two messages (the four jobs may straddle one timer tick);
        # Celery on its own publishes at least one message per job.
        assert sum(carriers) == 12 and len(carriers) <= 2, carriers


class TestManyJobsBetweenTicks(BatchedEvents):
    INTERVAL = 6.0

    def test_their_events_wait_for_the_timer_not_for_a_full_buffer(self, client: Client,
                                                                   worker, messages):
        carriers = self.carriers(client, worker, messages, jobs=20)
        # 60 events: Celery alone publishes every 24, from inside a job (3 messages or more);
        # here only the timer does, and the jobs span at most two of its ticks.
        assert sum(carriers) == 60 and len(carriers) <= 2, carriers


class TestEventsBufferedAtShutdown(BatchedEvents):
    INTERVAL = 10.0  # no timer tick during the test: only the shutdown can publish them

    def test_are_published_before_the_worker_exits(self, client: Client, worker, messages):
        handle = worker(pool="threads")
        job_id = run_one(client, "the last job")
        messages.until(lambda: False, timeout=1.0)
        assert messages.events(job_id) == []  # still buffered
        handle.stop()
        messages.until(lambda: messages.events(job_id) == EXPECTED, timeout=5)
        assert messages.events(job_id) == EXPECTED
