"""Soft and hard time limits hold under every pool ``aigc worker`` offers (issue 18.1).

Celery enforces time limits only under prefork; for threads and solo the watchdog does
(workers/watchdog.py). Each pool runs, with real workers: a model call that works in Python
past the soft limit, an operator template that would loop for minutes, and a model call stuck
in C code past the hard limit. None may run twice, and a worker that had to abandon a job it
could not interrupt exits non-zero so that its supervisor replaces it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from aigc_core import Job
from aigc_workers.client import Client
from tests.queue.conftest import texts_run
from tests.support.ports import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

SOFT, HARD = 3, 5

#: An operator override of the qtest template: for the text "loop", 1.6e9 loop iterations
#: without a single call (minutes unbounded); otherwise the plugin's own prompt.
SPIN = (
    '{% if text == "loop" %}{% set s = text * 50 %}'
    "{% for a in s %}{% for b in s %}{% for c in s %}{% for d in s %}"
    "{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endif %}"
    '{"text": {{ text | tojson }}, "sleep": {{ sleep }}, "fail": {{ fail | tojson }}, '
    '"crash": {{ crash | tojson }}, "stubborn": {{ stubborn | tojson }}}'
)


@pytest.fixture
def queue_config(queue_config: dict[str, Any]) -> dict[str, Any]:
    return {**queue_config, "soft_time_limit": SOFT, "hard_time_limit": HARD,
            "visibility_timeout": HARD + 3, "visibility_margin": 1,
            "soft_shutdown_timeout": 2}


@pytest.fixture
def spin_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    (folder / "qtest").mkdir(parents=True)
    (folder / "qtest" / "work.j2").write_text(SPIN, encoding="utf-8")
    return folder


def work(text: str, **fields: Any) -> Job:
    return Job(generator="qtest.work", model="qtest", input={"text": text, **fields})


def assert_failed(client: Client, job_id: str, message: str, within: float) -> None:
    started = time.monotonic()
    result = client.result(job_id, timeout=within)
    assert (result.status, result.error.kind, result.error.message) == (
        "failed", "timeout", message)
    status = client.status(job_id)
    assert (status.state, status.attempts) == ("failed", 1)
    assert time.monotonic() - started < within
    # Celery-only clients read the same failed Result (not Celery's FAILURE of a kill).
    assert client.app.AsyncResult(job_id).get(timeout=5) == result.model_dump(mode="json")


@pytest.mark.parametrize("pool", ["prefork", "threads", "solo"])
def test_time_limits_hold_under_every_pool(client: Client, worker, qtest_log: Path,
                                           spin_templates: Path, pool: str):
    handle = worker(concurrency=1 if pool == "solo" else 3, pool=pool,
                    env={"AIGC_TEMPLATE_DIRS": str(spin_templates)})
    soft_message = f"stopped at the soft time limit of {SOFT}s"
    # Solo runs one job at a time: the jobs go one after the other.
    working = client.submit(work("working", sleep=60))
    if pool == "solo":
        assert_failed(client, working, soft_message, within=SOFT + 10)
    looping = client.submit(work("loop"))
    if pool == "solo":
        assert_failed(client, looping, soft_message, within=SOFT + 10)
    stuck = client.submit(work("stuck", sleep=60, stubborn=True))
    assert_failed(client, working, soft_message, within=SOFT + 10)
    assert_failed(client, looping, soft_message, within=SOFT + 10)
    assert_failed(client, stuck, f"killed at the hard time limit of {HARD}s", within=HARD + 10)

    if pool == "prefork":  # Celery killed the pool process; the worker serves on
        assert handle.alive()
        assert client.result(client.submit(work("after")), timeout=30).ok
    else:  # it could not stop a thread stuck in C: it exits for its supervisor to restart it
        wait_until(lambda: not handle.alive(), 30, "the worker to exit")
        assert handle.proc.returncode != 0
        assert "still running at its hard time limit" in handle.log()
    # Nothing was handed to a second worker, nor run a second time.
    worker(concurrency=1, pool=pool)
    time.sleep(HARD + 4)  # past visibility_timeout: anything left unacked is redelivered
    assert texts_run(qtest_log, "start") == {
        "working": 1, "stuck": 1, **({"after": 1} if pool == "prefork" else {})}
    for job_id in (working, looping, stuck):
        assert client.status(job_id).attempts == 1
