"""The queue commands show results as ``aigc generate`` does, through real Redis and a real
worker: the same text with the same AI label, the same ``--format``/``--json``; and a bad batch
line is one line naming it, whichever command reads the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from aigc_core.cli.main import cli
from tests.queue.faulty_server import FaultyServer, Reply

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

TOPIC = "The council extends night buses to the northern districts"
#: What the model server answers: a structured output, whose AI label the labels plugin keeps
#: in the result's metadata for whoever shows the output.
ANSWER = {"headlines": ["Night buses will run to the northern districts",
                        "Council extends night bus lines to the north"]}
JOB = ("news.headlines", "-m", "scripted", "-p", f"topic={TOPIC}", "-p", "count=2")


@pytest.fixture
def enabled_plugins() -> list[str]:
    return ["news", "labels"]


@pytest.fixture
def models_config(server: FaultyServer) -> dict[str, Any]:
    server.fallback = Reply(text=lambda body: json.dumps(ANSWER))
    return {"scripted": {"backend": "openai", "base_url": server.url, "model": "m"}}


@pytest.fixture
def aigc(queue_config, models_config, enabled_plugins):
    """``aigc(*args)``: the command line in process, with the workers' settings."""
    env = {"AIGC_QUEUE": json.dumps(queue_config), "AIGC_MODELS": json.dumps(models_config),
           "AIGC_ENABLE_PLUGINS": ",".join(enabled_plugins)}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


def test_submit_wait_and_result_print_what_generate_prints(aigc, worker):
    inline = aigc("generate", *JOB)
    assert inline.exit_code == 0, inline.output
    label = json.loads(aigc("generate", *JOB, "--json").stdout)[
        "metadata"]["ai_label"]["explicit"]["text"]
    assert inline.stdout == f"{label}\n{json.dumps(ANSWER, indent=2)}\n"

    running = worker(queues=("aigc.scripted",), pool="threads")
    waited = aigc("submit", *JOB, "--wait", "--timeout", "60")
    assert waited.stdout == inline.stdout, waited.output + running.log()[-3000:]
    full = json.loads(aigc("submit", *JOB, "--wait", "--timeout", "60", "-f", "json").stdout)
    assert full["status"] == "succeeded" and full["output"] == ANSWER
    job_id = full["job_id"]
    assert aigc("result", job_id).stdout == inline.stdout
    assert json.loads(aigc("result", job_id, "--format", "json").stdout) == full
    assert json.loads(aigc("result", job_id, "--json").stdout) == full

    # A generator's own formats need the job's input, which the queue does not keep.
    refused = aigc("result", job_id, "-f", "gift")
    assert refused.exit_code == 2 and "aigc submit --wait --format gift" in refused.stderr
    unknown = aigc("submit", *JOB, "--wait", "-f", "gift")  # refused before it is queued
    assert unknown.exit_code == 2
    assert "news.headlines cannot export 'gift'; formats: text, json" in unknown.stderr


def test_a_bad_batch_line_is_one_line_naming_it(aigc, tmp_path: Path):
    batch = tmp_path / "in.jsonl"
    batch.write_text(json.dumps({"topic": TOPIC}) + "\n"
                     + json.dumps({"id": "no spaces", "input": {"topic": TOPIC}}) + "\n",
                     encoding="utf-8")
    for command in ("generate", "submit"):
        out = aigc(command, "news.headlines", "-m", "scripted", "--batch", str(batch),
                   "--out", str(tmp_path / "out.jsonl"))
        assert out.exit_code == 2, out.output
        [line] = out.output.splitlines()
        assert line.startswith(f"error: {batch}: line 2: id: String should match pattern")
    assert not (tmp_path / "out.jsonl").exists()
