"""Every shape of bad ``aigc.run_job`` message gets a failed result (issue 18.2, 18.4, 18.6).

Other services send jobs with plain Celery; a message that does not match the protocol must
be answered (``error.kind = "invalid_input"``, problems naming the field, no server paths),
never left ``unknown``. Compressed bodies are refused before anything is decompressed, and a
task id outside the id alphabet cannot forge lines in the worker's log.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from aigc_core import Job
from aigc_workers.client import Client

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def valid(job_id: str) -> dict[str, Any]:
    return Job(id=job_id, generator="qtest.work", model="qtest",
               input={"text": "hi"}).model_dump(mode="json")


#: (name, args, kwargs, the field its problem names)
SHAPES = [
    ("string", (), {"job": "just a string"}, "job"),
    ("list", (), {"job": [1, 2]}, "job"),
    ("null", (), {"job": None}, "job"),
    ("missing", (), {}, "job"),
    ("extra-kwarg", (), {"job": None, "priority": 5}, "priority"),
    ("then-number", (), {"then": 5}, "then"),
    ("positional", (1,), {}, "args"),
    ("bad-job-field", (), {"job": {"generator": "qtest.work", "input": "x"}}, "job.input"),
]


def send(client: Client, job_id: str, args: tuple[Any, ...], kwargs: dict[str, Any],
         **options: Any) -> None:
    client.app.send_task("aigc.run_job", args=args, kwargs=kwargs, task_id=job_id,
                         queue="aigc.qtest", **options)


def assert_refused(client: Client, job_id: str, field: str) -> None:
    result = client.result(job_id, timeout=30)
    assert (result.status, result.error.kind) == ("failed", "invalid_input")
    assert field in [problem.field for problem in result.problems], result.problems
    assert client.status(job_id).state == "failed"
    meta = client.app.AsyncResult(job_id)
    assert meta.get(timeout=5) == result.model_dump(mode="json")
    assert meta.traceback is None
    shown = json.dumps(result.model_dump(mode="json"))
    assert ".py" not in shown and "Traceback" not in shown  # no server internals


def test_every_malformed_message_is_answered_with_a_failed_result(client: Client, worker):
    handle = worker(concurrency=2, pool="threads")
    for name, args, kwargs, field in SHAPES:
        job_id = f"malformed-{name}"
        if "job" in kwargs and kwargs["job"] is None and field != "job":
            kwargs = {**kwargs, "job": valid(job_id)}
        if field in ("then", "args"):
            kwargs = {**kwargs, "job": valid(job_id)}
        send(client, job_id, args, kwargs)
        assert_refused(client, job_id, field)
    # The worker is still healthy and runs a well-formed job sent the same way.
    send(client, "well-formed", (), {"job": valid("well-formed")})
    assert client.result("well-formed", timeout=30).output is None
    assert client.result("well-formed", timeout=30).text == "hi"
    assert "Traceback" not in handle.log()


def test_a_compressed_message_is_refused_without_decompressing_it(client: Client, worker):
    handle = worker(concurrency=1, pool="threads")
    send(client, "compressed", (), {"job": valid("compressed")}, compression="bzip2")
    assert_refused(client, "compressed", "body")
    assert "compressed message bodies are refused" in client.result("compressed").problems[
        0].message
    assert "refused an undecodable message" in handle.log()


def test_a_task_id_cannot_forge_log_lines(client: Client, worker):
    # At DEBUG, Celery itself logs each task id it receives: every line must stay one line.
    handle = worker(concurrency=1, pool="threads", args=("--loglevel", "DEBUG"))
    evil = "evil\r\n[2026-01-01 00:00:00,000: INFO/MainProcess] forged"
    kwargs = {"job": {**valid("placeholder"), "id": evil}}
    send(client, evil, (), kwargs)
    assert_refused(client, evil, "id")
    with pytest.raises(ValueError, match="id"):  # aigc's own clients cannot send such an id
        Job(id=evil, generator="qtest.work")
    log = handle.log()
    assert "evil\\r\\n[2026-01-01" in log  # shown, escaped
    assert not any(line.startswith("[2026-01-01") for line in log.splitlines())


def test_a_pickled_message_is_answered_without_being_unpickled(client: Client, worker):
    worker(concurrency=1, pool="threads")
    send(client, "pickled", (), {"job": valid("pickled")}, serializer="pickle")
    assert_refused(client, "pickled", "body")
