"""The client API and the queue commands against real Redis and real workers: validation
before queueing, idempotency keys, job states, cancel, batches, fan-out and chains."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from redis import Redis

from aigc_core import InvalidInput, Job
from aigc_core.cli.main import cli
from aigc_workers import client as client_module
from aigc_workers import completions
from aigc_workers.client import Client, JobCancelled, JobNotFinished
from aigc_workers.protocol import Step
from tests.queue.conftest import read_calls, texts_run
from tests.support.ports import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def work(text: str, model: str = "qtest", **fields) -> Job:
    return Job(generator="qtest.work", model=model, input={"text": text, **fields})


def test_bad_input_is_refused_before_anything_is_queued(client: Client, redis_server):
    with pytest.raises(InvalidInput) as refused:
        client.submit(Job(generator="qtest.work", model="qtest", input={"txet": "typo"}))
    assert {p.field for p in refused.value.problems} >= {"input.text", "input.txet"}
    with pytest.raises(InvalidInput) as batch:
        client.submit_batch([work("fine"), work("x", sleep=-1)])
    assert [p.field for p in batch.value.problems] == ["jobs[1].input.sleep"]
    redis = Redis.from_url(redis_server.url)
    assert redis.keys("*") == []  # not even the valid job of the batch was queued


def test_a_submit_is_one_redis_round_trip_and_a_batch_one_more(client: Client, redis_server):
    redis = Redis.from_url(redis_server.url)
    client.submit(work("loads the script"))
    redis.config_resetstat()
    for index in range(3):
        client.submit(work(f"single {index}"))
    client.submit_batch([work(f"batch {index}") for index in range(5)])
    stats = redis.info("commandstats")
    # Scripts count their own commands too, so count what a client sends: each single submit
    # is one script call; a batch is one pipeline, which first checks that its script is there.
    sent = {name: stat["calls"] for name, stat in stats.items()
            if name in ("cmdstat_evalsha", "cmdstat_eval", "cmdstat_script|exists")}
    assert sent == {"cmdstat_evalsha": 3 + 5, "cmdstat_script|exists": 1}
    assert redis.llen("aigc.qtest") == 1 + 3 + 5


def keyed(job: Job, key: str) -> Job:
    return job.model_copy(update={"idempotency_key": key})


def test_idempotency_key_returns_the_first_job_and_its_result(
    client: Client, worker, qtest_log, redis_server
):
    redis = Redis.from_url(redis_server.url)
    first = client.submit(keyed(work("first", sleep=0.5), "k1"))
    assert client.submit(keyed(work("second"), "k1")) == first
    # Registering and queueing are one step: the repeat queued nothing, and an id queued
    # already (a chain step enqueued again by a redelivered parent) is not queued twice.
    again = work("again")
    assert client.submit(again) == client.submit(again) == again.id
    assert redis.llen("aigc.qtest") == 2

    worker(pool="threads", concurrency=2)
    result = client.result(first, timeout=60)
    assert result.ok and result.text == "first"
    assert client.result(client.submit(keyed(work("third"), "k1")), timeout=5) == result
    assert client.result(again.id, timeout=30).text == "again"
    assert texts_run(qtest_log, "start") == {"first": 1, "again": 1}


def test_job_states_and_cancel(client: Client, worker, qtest_log):
    queued = client.submit(work("never runs"))
    assert client.status(queued).state == "queued"
    assert client.cancel(queued)
    assert client.status(queued).state == "cancelled"
    # A Celery-only client sees the cancel at once, no worker needed: a null result.
    assert client.app.AsyncResult(queued).get(timeout=5) is None
    assert client.status("no-such-job").state == "unknown"

    worker(pool="threads", concurrency=3)
    slow = client.submit(work("slow", sleep=3))
    good = client.submit(work("good"))
    bad = client.submit(work("bad", fail=True))
    wait_until(lambda: client.status(slow).state == "started", 30, "slow job to start")
    running = client.status(slow)
    assert running.attempts == 1 and running.worker.startswith("w1@")
    with pytest.raises(JobNotFinished):
        client.result(slow, timeout=0.2)
    assert client.cancel(slow)  # running: its result will be thrown away

    assert client.result(good, timeout=30).ok
    failed = client.result(bad, timeout=30)
    assert failed.status == "failed" and failed.error.kind == "model"
    assert "asked to fail" in failed.error.message
    assert not client.cancel(good)  # finished jobs stay finished
    assert client.status(good).state == "succeeded" and client.status(bad).state == "failed"

    wait_until(lambda: texts_run(qtest_log).get("slow") == 1, 30, "slow job's model call")
    with pytest.raises(JobCancelled):
        client.result(slow, timeout=5)
    assert client.status(slow).state == "cancelled"
    assert client.store.result(slow) is None
    assert client.app.AsyncResult(slow).get(timeout=5) is None
    assert "never runs" not in {text for _, _, text in read_calls(qtest_log)}


def test_batch_fan_out_and_chain(client: Client, worker):
    worker(queues=("aigc.qtest", "aigc.qtest2"), pool="threads", concurrency=4)
    ids = client.submit_batch([work(f"batch {i}") for i in range(3)])
    results = client.wait(ids, timeout=60)
    assert [r.text for r in results.values()] == ["batch 0", "batch 1", "batch 2"]

    group = client.fan_out(work("ab"), [{"text": "variant a"}, {"text": "variant b"}])
    assert [r.text for r in client.collect(group, timeout=60).values()] == [
        "variant a", "variant b"]

    then = [Step(generator="qtest.work", model="qtest", map={"text": "text"}),
            Step(generator="qtest.work", model="qtest2", map={"text": "text"},
                 fan_out=[{"sleep": 0}, {"sleep": 0.2}, {"sleep": 0.1}])]
    chain = client.chain(work("article"), then)
    collected = client.collect(chain, timeout=60)
    assert len(collected) == 1 + 1 + 3
    assert all(r is not None and r.ok and r.text == "article" for r in collected.values())
    leaves = [collected[job_id] for job_id in chain.leaves]
    assert [r.provenance.model for r in leaves] == ["qtest2"] * 3

    broken = client.chain(work("fails", fail=True), then)
    collected = client.collect(broken, timeout=60)
    assert collected[broken.id].status == "failed"
    assert [collected[job_id] for job_id in broken.job_ids[1:]] == [None] * 4  # never ran

    unmapped = client.chain(work("no output"), [Step(generator="qtest.work", model="qtest",
                                                     map={"text": "output.text"})])
    child = client.collect(unmapped, timeout=60)[unmapped.leaves[0]]
    assert (child.status, child.error.kind) == ("failed", "invalid_input")
    assert "nothing at 'output.text' (stopped at 'text')" in child.error.message


def test_queue_commands(queue_config, models_config, enabled_plugins, worker, tmp_path: Path):
    env = {"AIGC_QUEUE": json.dumps(queue_config), "AIGC_MODELS": json.dumps(models_config),
           "AIGC_ENABLE_PLUGINS": ",".join(enabled_plugins)}
    runner = CliRunner()

    def aigc(*args: str):
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    queued = aigc("submit", "qtest.work", "-m", "qtest", "-p", "text=hello", "-k", "cli-1")
    job_id = queued.stdout.strip()
    assert queued.exit_code == 0 and job_id
    assert aigc("submit", "qtest.work", "-m", "qtest", "-p", "text=hi",
                "-k", "cli-1").stdout.strip() == job_id
    assert "state: queued" in aigc("status", job_id).stdout
    pending = aigc("result", job_id)
    assert pending.exit_code == 2 and "is queued" in pending.stderr
    refused = aigc("submit", "qtest.work", "-m", "qtest", "-p", "sleep=1")
    assert refused.exit_code == 2 and "input.text" in refused.stderr

    worker(pool="threads", concurrency=2)
    assert aigc("result", job_id, "--wait", "--timeout", "60").stdout.strip() == "hello"
    waited = aigc("submit", "qtest.work", "-m", "qtest", "-p", "text=now", "--wait", "--json")
    assert json.loads(waited.stdout)["text"] == "now"
    assert aigc("cancel", job_id).exit_code == 1  # finished already

    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"text": "one"}\n{"text": "two", "fail": true}\n', encoding="utf-8")
    out = tmp_path / "results.jsonl"
    done = aigc("submit", "qtest.work", "-m", "qtest", "--batch", str(batch), "--out", str(out),
                "--timeout", "60")
    assert done.exit_code == 1  # one job failed
    assert "1 succeeded, 1 failed, 0 cancelled" in done.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["status"], r["text"]) for r in lines] == [("succeeded", "one"), ("failed", None)]
    assert aigc("dead-letters").stdout == ""


class TestWaitingWakesOnCompletion:
    """A waiter subscribes to its jobs' done channels: it wakes when one finishes, not on a
    timer. These tests set the polling intervals to a minute: only a wake-up returns long
    before the 20 s timeouts (a waiter reads the states once more when its timeout ends)."""

    @pytest.fixture(autouse=True)
    def slow_polling(self, monkeypatch):
        monkeypatch.setattr(client_module, "_POLL_MIN", 60.0)
        monkeypatch.setattr(client_module, "_POLL_MAX", 60.0)

    def test_a_result_wakes_the_waiter(self, client: Client, worker):
        worker(pool="threads", concurrency=2)
        job_id = client.submit(work("wake me", sleep=0.3))
        started = time.monotonic()
        assert client.result(job_id, timeout=20).text == "wake me"
        assert time.monotonic() - started < 10
        # A batch wakes on each finish and reports progress as they come.
        ids = client.submit_batch([work(f"batch {index}", sleep=0.2) for index in range(3)])
        seen: list[int] = []
        started = time.monotonic()
        results = client.wait(ids, timeout=20, progress=seen.append)
        assert time.monotonic() - started < 10
        assert [results[i].text for i in ids] == ["batch 0", "batch 1", "batch 2"]
        assert sum(seen) == 3

    def test_a_cancel_wakes_the_waiter(self, client: Client):
        job_id = client.submit(work("never runs"))  # no worker: it stays queued
        threading.Timer(0.3, client.cancel, args=[job_id]).start()
        started = time.monotonic()
        with pytest.raises(JobCancelled):
            client.result(job_id, timeout=20)
        assert time.monotonic() - started < 10

    def test_more_jobs_than_channels_are_polled(self, client: Client, worker, monkeypatch):
        monkeypatch.setattr(completions, "MAX_CHANNELS", 2)
        monkeypatch.setattr(client_module, "_POLL_MIN", 0.05)
        monkeypatch.setattr(client_module, "_POLL_MAX", 0.2)
        worker(pool="threads", concurrency=3)
        ids = client.submit_batch([work(f"polled {index}") for index in range(3)])
        assert all(result.ok for result in client.wait(ids, timeout=30).values())

    def test_a_redis_restart_while_waiting_degrades_to_polling(self, client: Client, worker,
                                                               redis_server, monkeypatch):
        monkeypatch.setattr(client_module, "_POLL_MAX", 0.5)
        worker(pool="threads", concurrency=2)
        job_id = client.submit(work("across a restart", sleep=2.0))
        threading.Timer(0.5, redis_server.restart,
                        kwargs={"sig": signal.SIGKILL, "down_for": 0.5}).start()
        assert client.result(job_id, timeout=60).text == "across a restart"
