"""Nothing accepted is lost or done twice, whatever dies: pool processes, whole workers, Redis.

Every test ends with the same check: each job has exactly one stored result, and the model
finished each job once (the qtest backend logs every call's start and end with its pid).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from redis import Redis

from aigc_core import Job
from aigc_workers.client import Client
from tests.queue.conftest import read_calls, texts_run
from tests.support.ports import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


def work(text: str, **fields) -> Job:
    return Job(generator="qtest.work", model="qtest", input={"text": text, **fields})


def running_pid(log: Path, text: str, timeout: float = 30) -> int:
    """The pid whose model call for ``text`` started last, once one has."""
    def started() -> list[int]:
        return [pid for event, pid, seen in read_calls(log) if event == "start" and seen == text]

    wait_until(lambda: bool(started()), timeout, f"a model call for {text!r}")
    return started()[-1]


def assert_each_done_once(client: Client, redis_server, ids: dict[str, str], log: Path) -> None:
    """Every job succeeded with one stored result, and its model call completed once."""
    results = client.wait(list(ids.values()), timeout=90)
    for text, job_id in ids.items():
        result = results[job_id]
        assert result is not None and result.ok and result.text == text, (text, result)
    stored = Redis.from_url(redis_server.url).keys("aigc:result:*")
    assert sorted(key.decode().rpartition(":")[2] for key in stored) == sorted(ids.values())
    assert texts_run(log) == dict.fromkeys(ids, 1)


def test_a_pool_process_killed_mid_job(client: Client, worker, redis_server, qtest_log):
    w = worker(concurrency=2)
    ids = {text: client.submit(work(text, sleep=1.5)) for text in ("a", "b", "c", "d")}
    victim = running_pid(qtest_log, "a")
    assert victim in w.children()
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: client.status(ids["a"]).state == "retrying", 30, "a's second attempt")
    assert "ended without a result" in client.status(ids["a"]).last_error
    assert_each_done_once(client, redis_server, ids, qtest_log)
    assert client.status(ids["a"]).attempts == 2  # requeued at once, run again
    assert texts_run(qtest_log, "start")["a"] == 2
    assert w.alive()


def test_the_whole_worker_killed(client: Client, worker, redis_server, qtest_log):
    doomed = worker(concurrency=2)
    ids = {text: client.submit(work(text, sleep=2)) for text in ("a", "b", "c", "d")}
    running_pid(qtest_log, "a")
    running_pid(qtest_log, "b")
    doomed.kill(signal.SIGKILL, whole=True)
    worker(concurrency=2)  # a lost worker's jobs come back after the visibility timeout
    assert_each_done_once(client, redis_server, ids, qtest_log)
    assert [client.status(ids[t]).attempts for t in "abcd"] == [2, 2, 1, 1]


def test_a_poison_job_is_dead_lettered_and_the_others_finish(
    client: Client, worker, redis_server, qtest_log
):
    worker(concurrency=1)
    poison = client.submit(work("poison", crash=True))
    ids = {text: client.submit(work(text)) for text in ("x", "y", "z")}
    failed = client.result(poison, timeout=90)
    assert failed.status == "failed"
    assert failed.error.message.startswith("dead-lettered after 3 attempt(s); last error: "
                                           "attempt 3 on w1@")
    status = client.status(poison)
    assert (status.state, status.attempts, status.dead_letter) == ("failed", 3, True)
    assert [entry.job_id for entry in client.dead_letters()] == [poison]
    assert texts_run(qtest_log, "start")["poison"] == 3
    results = client.wait(list(ids.values()), timeout=60)
    assert all(r.ok for r in results.values())


def test_redis_restarts_while_jobs_are_queued_and_running(
    client: Client, worker, redis_server, qtest_log
):
    w = worker(concurrency=2)
    ids = {text: client.submit(work(text, sleep=1.5)) for text in ("a", "b", "c", "d", "e")}
    running_pid(qtest_log, "a")
    running_pid(qtest_log, "b")
    redis_server.restart(signal.SIGKILL, down_for=1.0)  # a crash: appendfsync keeps it all
    assert_each_done_once_or_rerun(client, redis_server, ids, qtest_log)
    [lost] = connection_loss_lines(w)
    assert "job(s) running: they were stopped (their pool processes killed)" in lost


def test_a_submit_rides_out_a_redis_restart_and_queues_each_job_once(
    client: Client, worker, redis_server, qtest_log
):
    """Registering and queueing are one script, so retrying it after a lost connection can
    never queue a job twice, nor leave one registered but not queued."""
    warm = client.submit(work("warm"))  # connected, scripts loaded
    redis_server.stop(signal.SIGKILL)
    restart = threading.Timer(1.5, redis_server.start)
    restart.start()
    try:
        batch = client.submit_batch([work(text) for text in ("x", "y", "z")])  # waits for Redis
        single = client.submit(work("single"))
    finally:
        restart.join()
    queued = Redis.from_url(redis_server.url).llen("aigc.qtest")
    assert queued == 5
    worker(concurrency=2)
    results = client.wait([warm, *batch, single], timeout=60)
    assert [r.text for r in results.values()] == ["warm", "x", "y", "z", "single"]
    assert texts_run(qtest_log, "start") == dict.fromkeys(("warm", "x", "y", "z", "single"), 1)


def assert_each_done_once_or_rerun(client: Client, redis_server, ids: dict[str, str],
                                   log: Path) -> None:
    """As ``assert_each_done_once``, except that a job running when the connection broke may
    have been stopped and run again (its first run stored nothing)."""
    results = client.wait(list(ids.values()), timeout=90)
    assert all(r is not None and r.ok and r.text == t for t, r in zip(ids, results.values(),
                                                                         strict=True))
    stored = Redis.from_url(redis_server.url).keys("aigc:result:*")
    assert len(stored) == len(ids)
    assert set(texts_run(log)) == set(ids)


def test_sigterm_lets_short_jobs_finish_and_requeues_the_rest_at_once(
    client: Client, worker, redis_server, qtest_log
):
    leaving = worker(concurrency=2)
    short = client.submit(work("short", sleep=1))
    long = client.submit(work("long", sleep=5))
    short_pid = running_pid(qtest_log, "short")
    running_pid(qtest_log, "long")
    stopped_at = time.monotonic()
    assert leaving.stop(timeout=20) != -signal.SIGKILL
    assert time.monotonic() - stopped_at < 10  # soft_shutdown_timeout is 3 s
    # The long job went straight back to its queue, not to wait out the visibility timeout.
    assert "Restoring 1 unacknowledged message(s)" in leaving.log()
    redis = Redis.from_url(redis_server.url)
    assert (redis.llen("aigc.qtest"), redis.hlen("unacked")) == (1, 0)
    assert client.result(short, timeout=5).ok
    assert [pid for e, pid, t in read_calls(qtest_log) if e == "end" and t == "short"] == [
        short_pid]  # finished where it ran, during the soft shutdown
    worker(concurrency=1)
    assert client.result(long, timeout=60).ok
    assert client.status(long).attempts == 2
    assert_each_done_once(client, redis_server, {"short": short, "long": long}, qtest_log)


def test_a_redis_restart_under_the_threads_pool_is_one_line_and_jobs_run_on(
    client: Client, worker, redis_server, qtest_log
):
    """A thread cannot be stopped: the running jobs finish, store their results once Redis is
    back and are acknowledged then, so none runs twice. The worker says so in one line."""
    w = worker(concurrency=8, pool="threads")
    texts = [f"t{index}" for index in range(8)]
    ids = {text: client.submit(work(text, sleep=4)) for text in texts}
    for text in texts:
        running_pid(qtest_log, text)
    redis_server.restart(signal.SIGKILL, down_for=1.0)
    assert_each_done_once(client, redis_server, ids, qtest_log)
    assert texts_run(qtest_log, "start") == dict.fromkeys(texts, 1)  # none stopped, none rerun
    redis = Redis.from_url(redis_server.url)  # each acknowledged after its result is stored
    wait_until(lambda: not redis.hlen("unacked") and not redis.llen("aigc.qtest"), 5,
               "the acknowledgements", interval=0.05)
    assert [client.status(job_id).attempts for job_id in ids.values()] == [1] * len(ids)
    [lost] = connection_loss_lines(w)
    assert "with 8 job(s) running: they run on (a thread cannot be stopped)" in lost


def connection_loss_lines(w) -> list[str]:
    """What the worker logged about its running jobs when Redis went away: one line, where
    Celery logged a traceback or a RETRY write per job."""
    log = w.log()
    assert "Traceback" not in log and "kill_job" not in log and "Terminating" not in log
    return [line for line in log.splitlines() if "lost the connection to Redis" in line]
