"""The wire contract: a service that has only ``celery`` enqueues jobs and reads results, and
a worker refuses anything but JSON (a pickled message could run code on it)."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError
from redis import Redis

from aigc_core import Job, Result
from aigc_core.jobs import Provenance
from aigc_workers.client import Client
from aigc_workers.protocol import MappingError, Step, message_kwargs, next_jobs
from tests.queue.conftest import read_calls
from tests.support.ports import wait_until

pytestmark = pytest.mark.timeout(120)

#: A foreign service: plain Celery, no aigc import, the documented message only.
SENDER = textwrap.dedent("""
    import json, sys
    from celery import Celery

    url, job_id, body = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    app = Celery(broker=url, backend=url)
    job = {"id": job_id, "generator": "qtest.work", "model": "qtest", "input": body}
    async_result = app.send_task("aigc.run_job", kwargs={"job": job}, task_id=job_id,
                                 queue="aigc.qtest")
    print(json.dumps(async_result.get(timeout=60)))
    assert not [m for m in sys.modules if m.startswith("aigc")], "imported aigc"
""")

#: Unpickling this object creates the file named by argv[2]: proof that pickle ran code.
PICKLER = textwrap.dedent("""
    import os, sys
    from celery import Celery

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {sys.argv[2]}",))

    app = Celery(broker=sys.argv[1])
    app.conf.update(task_serializer="pickle", accept_content=["pickle", "json"])
    app.send_task("aigc.run_job", kwargs={"job": Exploit()}, task_id="pickled",
                  queue="aigc.qtest")
""")


def send(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, timeout=90, check=True)


def article_result(job: Job) -> Result:
    return Result(job_id=job.id, status="succeeded",
                  output={"headline": "Tides", "body": ["First.", "Second."]},
                  provenance=Provenance(generator="news.article", plugin="news",
                                        plugin_version="1", model="default"))


def test_the_message_is_the_job_json_and_the_chain_steps():
    job = Job(id="j1", generator="news.article", input={"topic": "tides"})
    then = [Step(generator="news.summary", map={"text": "output.body|join"})]
    kwargs = json.loads(json.dumps(message_kwargs(job, then)))
    assert Job.model_validate(kwargs["job"]) == job
    assert kwargs["then"] == [{"generator": "news.summary", "map": {"text": "output.body|join"}}]
    assert message_kwargs(job) == {"job": job.model_dump(mode="json")}


def test_a_step_maps_the_previous_result_into_each_fan_out_job():
    parent = Job(id="j1", generator="news.article", input={"topic": "tides"})
    step = Step(generator="translation.translate", map={"text": "output.body|join"},
                input={"format": "plain"},
                fan_out=[{"target_language": "fr"}, {"target_language": "de"}])
    children = next_jobs(parent, article_result(parent), step)
    assert [(c.id, c.input) for c in children] == [
        ("j1-0", {"format": "plain", "text": "First.\n\nSecond.", "target_language": "fr"}),
        ("j1-1", {"format": "plain", "text": "First.\n\nSecond.", "target_language": "de"}),
    ]
    assert children[0].metadata == {"parent": "j1", "fan_out": {"target_language": "fr"}}
    single = next_jobs(parent, article_result(parent),
                       Step(generator="news.headlines", map={"topic": "output.body.1"}))
    assert [(c.id, c.input) for c in single] == [("j1-0", {"topic": "Second."})]


@pytest.mark.parametrize(("path", "message"), [
    ("output.lede", "nothing at 'output.lede' (stopped at 'lede')"),
    ("output.body.7", "stopped at '7'"),
    ("output.headline|join", "'|join' needs a list of strings"),
])
def test_a_map_that_does_not_fit_the_result_is_reported(path: str, message: str):
    parent = Job(id="j1", generator="news.article")
    with pytest.raises(MappingError, match=re.escape(message)):
        next_jobs(parent, article_result(parent), Step(generator="x.y", map={"text": path}))


def test_unknown_map_filters_are_refused_at_submit_time():
    with pytest.raises(ValidationError, match=r"map\.text: unknown filter 'upper'"):
        Step(generator="x.y", map={"text": "text|upper"})


@pytest.mark.e2e
def test_a_service_with_only_celery_enqueues_and_gets_the_result(
    client: Client, worker, redis_server
):
    worker(pool="threads")
    redis = Redis.from_url(redis_server.url)
    redis.config_resetstat()
    sent = send(SENDER, redis_server.url, "from-celery-1", json.dumps({"text": "plain celery"}))
    result = Result.model_validate(json.loads(sent.stdout))
    assert (result.job_id, result.status, result.text) == ("from-celery-1", "succeeded",
                                                           "plain celery")
    assert client.result("from-celery-1") == result
    assert client.status("from-celery-1").state == "succeeded"
    # The job store's finish script wrote Celery's meta, as Celery's backend writes it...
    meta = json.loads(redis.get("celery-task-meta-from-celery-1"))
    assert (meta["status"], meta["task_id"], meta["traceback"], meta["children"]) == (
        "SUCCESS", "from-celery-1", None, [])
    assert Result.model_validate(meta["result"]) == result
    assert 0 < redis.ttl("celery-task-meta-from-celery-1") <= client.store.ttl
    # ...and the worker's Celery did not write it again (its backend writes with SETEX).
    assert "cmdstat_setex" not in redis.info("commandstats")

    malformed = Result.model_validate(json.loads(send(
        SENDER, redis_server.url, "from-celery-2", json.dumps({"text": "x", "colour": 1})
    ).stdout))
    assert malformed.status == "failed" and malformed.error.kind == "invalid_input"
    assert [p.field for p in malformed.problems] == ["input.colour"]


@pytest.mark.e2e
def test_a_pickled_message_is_refused(client: Client, worker, redis_server, qtest_log,
                                      tmp_path: Path):
    w = worker(pool="threads")
    marker = tmp_path / "pwned"
    send(PICKLER, redis_server.url, str(marker))
    after = client.submit(Job(generator="qtest.work", model="qtest",
                              input={"text": "after the pickle"}))
    assert client.result(after, timeout=60).ok  # the worker went on past the bad message
    assert not marker.exists()
    assert "ContentDisallowed" in w.log() and "pickle" in w.log()
    assert [text for _, _, text in read_calls(qtest_log)] == ["after the pickle"] * 2
    redis = Redis.from_url(redis_server.url)
    # Dropped, not looping (the last job's result is stored a moment before its ack).
    wait_until(lambda: redis.hlen("unacked") == 0, 10, "the last job's ack")
    assert redis.llen("aigc.qtest") == 0


def test_a_queued_message_names_the_job_but_never_repeats_its_input(client: Client,
                                                                     redis_server):
    """Celery copies a repr of the arguments into each message (Flower, worker logs): only
    the job's identity belongs there. The job store drops its resend copy once it is sent."""
    job_id = client.submit(Job(generator="qtest.work", model="qtest",
                               input={"text": "a confidential draft"}))
    redis = Redis.from_url(redis_server.url)
    [raw] = redis.lrange("aigc.qtest", 0, -1)
    headers = json.loads(raw)["headers"]
    assert headers["id"] == job_id and headers["task"] == "aigc.run_job"
    assert headers["kwargsrepr"] == f"{{job: {job_id} qtest.work on qtest}}"
    assert "confidential" not in headers["kwargsrepr"] + headers["argsrepr"]
    assert not redis.hexists(f"aigc:job:{job_id}", "message")
    assert redis.hget(f"aigc:job:{job_id}", "state") == b"queued"


def test_the_queued_envelope_is_the_one_celery_send_task_writes(client: Client, redis_server):
    """Submitters queue the message themselves (atomically with the job's state); it must be
    what Celery's own client would have queued, so any Celery worker reads it."""
    from aigc_workers.envelope import envelope, kwargs_repr
    from aigc_workers.protocol import TASK_NAME

    job = Job(generator="qtest.work", model="qtest", input={"text": "same either way"})
    kwargs = message_kwargs(job)
    client.app.send_task(TASK_NAME, kwargs=kwargs, task_id=job.id, queue="celery-sent",
                         argsrepr="()", kwargsrepr=kwargs_repr(job.id, kwargs))
    redis = Redis.from_url(redis_server.url)
    [theirs] = [json.loads(raw) for raw in redis.lrange("celery-sent", 0, -1)]
    ours = json.loads(envelope(client.app, job.id, kwargs, "celery-sent"))

    def comparable(message: dict) -> dict:
        # Per message (delivery tag), per process (origin, reply_to) or only in what Celery's
        # client copies over from send_task's options.
        properties = {k: v for k, v in message["properties"].items()
                      if k not in ("delivery_tag", "reply_to", "argsrepr", "kwargsrepr")}
        headers = {k: v for k, v in message["headers"].items() if k != "origin"}
        body = json.loads(base64.b64decode(message["body"]))
        return {**message, "properties": properties, "headers": headers, "body": body}

    assert comparable(ours) == comparable(theirs)
    assert ours["properties"]["delivery_tag"] != theirs["properties"]["delivery_tag"]
