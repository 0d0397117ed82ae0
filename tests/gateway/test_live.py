"""The deployed shape: ``aigc serve`` + Redis + an ``aigc worker`` running the embedded model,
used by a client that has only ``httpx`` (no aigc)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from aigc_core import Result
from aigc_core.config import Settings
from aigc_workers.client import Client

from .conftest import KEYS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

#: A service in any language, here Python with nothing but httpx: submit, long-poll, print.
HTTPX_CLIENT = textwrap.dedent("""
    import json, sys, time
    import httpx

    url, key = sys.argv[1], sys.argv[2]
    job = {"generator": "hello.greeting", "input": {"name": "Ada"},
           "options": {"max_tokens": 24}}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"},
                      timeout=90) as http:
        submitted = http.post("/v1/jobs", json=job, headers={"Idempotency-Key": "ada-1"})
        assert submitted.status_code == 202, submitted.text
        view, deadline = submitted.json(), time.monotonic() + 240
        while view["state"] not in ("succeeded", "failed") and time.monotonic() < deadline:
            view = http.get(submitted.headers["Location"], params={"wait": 30}).json()
        again = http.post("/v1/jobs", json=job, headers={"Idempotency-Key": "ada-1"})
        assert (again.status_code, again.json()["id"]) == (200, view["id"]), again.text
    print(json.dumps(view))
    assert not [m for m in sys.modules if m.startswith("aigc")], "imported aigc"
""")


@pytest.fixture
def queue_config(queue_config: dict[str, Any]) -> dict[str, Any]:
    # The pool process loads the model on its first job: allow for a slow CI machine.
    return {**queue_config, "soft_time_limit": 150, "hard_time_limit": 180,
            "visibility_timeout": 200}


def test_a_service_with_only_httpx_runs_a_job_on_the_embedded_model(
    worker, serve, settings: Settings
):
    worker(queues=("aigc.default",), pool="prefork", concurrency=1)
    gateway = serve()
    run = subprocess.run([sys.executable, "-c", HTTPX_CLIENT, gateway.url, KEYS["alice"]],
                         capture_output=True, text=True, timeout=280)
    assert run.returncode == 0, run.stderr + gateway.log()[-3000:]
    view = json.loads(run.stdout)
    result = Result.model_validate(view["result"])

    prov = result.provenance
    assert (result.job_id, prov.generator, prov.backend, prov.model_id) == (
        view["id"], "hello.greeting", "llama_cpp", "SmolLM2-135M-Instruct")
    assert prov.usage.completion_tokens > 0 and prov.options.max_tokens == 24
    if result.ok:
        assert "ada" in result.text.lower()
    else:
        assert result.error.kind == "validation" and result.problems, result
    # The same job and result as the Python client sees them.
    with Client(settings) as client:
        assert client.result(view["id"]) == result
        status = client.status(view["id"])
    assert (status.state, status.attempts, status.queue) == (view["state"], 1, "aigc.default")
