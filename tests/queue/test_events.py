"""Celery task events from real workers: what Flower and ``celery events`` are fed.

Workers send task events by default (``queue.task_events``); clients send no task-sent event,
the arguments shown are the job's identity, never its input, and results are cut short.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

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
