"""What a real worker writes to its log at INFO: one line per job, and neither the job's input
nor the model's output, nor a library's line per request, nor a credential.

The model ``leaky`` is an openai endpoint on the fault-injecting server, reached through a
``base_url`` with ``user:password@`` in it, whose 401 echoes the API key it was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from aigc_core import Job
from aigc_workers.client import Client
from aigc_workers.protocol import TASK_NAME
from tests.queue.faulty_server import FaultyServer, Reply, Status
from tests.support.ports import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

KEY = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e"
#: Text only the jobs' inputs hold: none of it may reach the log.
SECRET_WORDS = ("Zanzibar quarterly", "Ophelia pension", "Kestrel merger")


def work_text(body: dict[str, Any]) -> str:
    """The answer ``qtest.work`` accepts: the ``text`` of the JSON prompt it sends."""
    return json.loads(body["messages"][-1]["content"])["text"]


@pytest.fixture
def server() -> Iterator[FaultyServer]:
    with FaultyServer(Reply(text=work_text)) as running:
        yield running


@pytest.fixture
def leaky(server, queue_config, models_config, queue_settings) -> Iterator[Client]:
    models_config["leaky"] = {
        "backend": "openai", "base_url": server.url.replace("http://", "http://aigc:hunter2@"),
        "model": "m", "structured_output": "none", "timeout": 10}
    # A fresh worker's first job imports the openai client (seconds on a busy machine).
    queue_config.update(soft_time_limit=40, hard_time_limit=50, visibility_timeout=120)
    with Client(queue_settings()) as client:
        yield client


def job(text: str) -> Job:
    return Job(generator="qtest.work", model="leaky", input={"text": text})


@pytest.mark.parametrize("pool", ["threads", "prefork"])
def test_an_info_log_holds_job_lines_only_without_content_or_credentials(
        leaky: Client, worker, server, pool):
    w = worker(queues=("aigc.leaky",), pool=pool)
    succeeded = leaky.submit(job(f"{SECRET_WORDS[0]} report"))
    assert leaky.result(succeeded, timeout=90).ok
    # The model answers something else: the problem message quotes the input.
    server.script(Reply(text=lambda body: "an unrelated answer"))
    invalid = leaky.result(leaky.submit(job(f"{SECRET_WORDS[1]} summary")), timeout=60)
    assert invalid.error.kind == "validation" and SECRET_WORDS[1] in invalid.problems[0].message
    # A plain Celery sender's input that fails the schema: pydantic quotes it ("got '...'").
    leaky.app.send_task(TASK_NAME, task_id="raw-1", queue="aigc.leaky", kwargs={"job": {
        "id": "raw-1", "generator": "qtest.work", "model": "leaky",
        "input": {"text": "ok", "sleep": f"{SECRET_WORDS[2]} of the year"}}})
    refused = leaky.result("raw-1", timeout=60)
    assert refused.error.kind == "invalid_input" and SECRET_WORDS[2] in refused.error.message
    # The server refuses the key and echoes it.
    server.script(Status(401, message=f"Incorrect API key provided: {KEY}."))
    denied = leaky.result(leaky.submit(job("denied")), timeout=60)
    assert denied.error.message == "model server returned HTTP 401 (authentication failed)"

    def job_lines() -> dict[str, list[str]]:
        return {job_id: [line for line in w.log().splitlines() if f"job {job_id} " in line]
                for job_id in (succeeded, invalid.job_id, "raw-1", denied.job_id)}

    # A job's line is written just after its result is stored.
    wait_until(lambda: all(job_lines().values()), 10, "a line for each job")
    lines, log = job_lines(), w.log()
    assert all(len(found) == 1 for found in lines.values()), lines
    assert lines[invalid.job_id][0].endswith(
        "model attempt): validation: the output still had problems after 1 attempt(s); "
        "problems: text (invalid)")
    assert lines["raw-1"][0].endswith(": invalid_input; problems: input.sleep (float_parsing)")
    assert lines[denied.job_id][0].endswith(
        ": model: model server returned HTTP 401 (authentication failed)")
    # The operator's log has the server's reason, masked.
    assert (f"model server http://***@127.0.0.1:{server.port}/v1 answered HTTP 401: "
            "Incorrect API key provided: sk-***.") in log
    for secret in (*SECRET_WORDS, KEY[8:], "hunter2", "HTTP Request", "an unrelated answer"):
        assert secret not in log, secret
