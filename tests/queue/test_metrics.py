"""Worker metrics in multiprocess mode, as under the prefork pool: counts from every pool process
add up at the exporter, and a killed process's in-flight calls stop counting."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.queue.conftest import ROOT
from tests.support.ports import free_port, wait_until

pytestmark = pytest.mark.e2e

#: A worker's main process: multiprocess metrics, an exporter, and forked pool processes
#: (two that finish a call, one that hangs in a call until it is SIGKILLed).
POOL = textwrap.dedent("""
    import multiprocessing, os, signal, sys, time
    from aigc_workers import metrics
    from aigc_core.jobs import ErrorInfo, Provenance, Result

    metrics.configure(sys.argv[1])
    metrics.start_exporter(int(sys.argv[2]), "127.0.0.1")
    RESULT = Result(job_id="j", status="failed", error=ErrorInfo(kind="model", message="x"),
                    provenance=Provenance(generator="g.one", plugin="g", plugin_version="1",
                                          model="m"))

    def child(hang):
        metrics.record_model_error("ep", "timeout")
        metrics.record_job(RESULT)
        with metrics.track_call("ep"):
            time.sleep(60 if hang else 0)

    fork = multiprocessing.get_context("fork")
    for _ in range(2):
        done = fork.Process(target=child, args=(False,))
        done.start()
        done.join()
    stuck = fork.Process(target=child, args=(True,))
    stuck.start()
    print("ready", flush=True)
    sys.stdin.readline()
    os.kill(stuck.pid, signal.SIGKILL)
    stuck.join()
    metrics.mark_process_dead(stuck.pid)
    print("dead", flush=True)
    sys.stdin.readline()
""")


class Pool:
    def __init__(self, proc: subprocess.Popen[str], port: int):
        self.proc = proc
        self.port = port

    def step(self, expect: str) -> None:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == expect

    def sample(self, name: str, **labels: str) -> float:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            text = r.read().decode()
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                    return s.value
        return 0.0


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[Pool]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", POOL, str(tmp_path / "prom"), str(port)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "ready"
        started = Pool(proc, port)
        # The hanging process recorded everything before it entered its call.
        wait_until(lambda: started.sample("aigc_model_calls_in_flight", endpoint="ep") == 1,
                   10, "the hanging call to show as in flight")
        yield started
    finally:
        proc.kill()
        proc.wait(10)


def test_counts_from_every_pool_process_add_up(pool: Pool):
    job = {"generator": "g.one", "model": "m"}
    assert pool.sample("aigc_model_errors_total", endpoint="ep", kind="timeout") == 3
    assert pool.sample("aigc_jobs_total", **job, state="failed") == 3
    assert pool.sample("aigc_job_errors_total", **job, kind="model") == 3
    assert pool.sample("aigc_model_call_duration_seconds_count", endpoint="ep") == 2


def test_a_killed_process_stops_counting_as_in_flight(pool: Pool):
    pool.step("dead")
    assert pool.sample("aigc_model_calls_in_flight", endpoint="ep") == 0
    assert pool.sample("aigc_model_errors_total", endpoint="ep", kind="timeout") == 3  # kept


def test_configure_refuses_to_switch_modes_after_use(tmp_path: Path):
    script = ("import sys; from aigc_workers import metrics; "
              "metrics.record_model_error('ep', 'timeout'); metrics.configure(sys.argv[1])")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "must run before any metric" in done.stderr
