"""``aigc eval`` end to end on the deterministic ``qtest`` plugin: inline, and through real
Redis and a real ``aigc worker`` (``--queue``), writing the same report either way; the CI
floors' exit codes, and ``aigc eval compare`` on two real runs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from aigc_core.cli.main import cli

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

#: qtest.work answers with its text; ``fail`` makes the model call fail. The long museum
#: sentence breaks its own width rule: succeeded 3 of 4, accepted 2 of 4.
DATASET = [
    {"id": "museum", "input": {"text": "The museum opens at nine."},
     "assert": [{"contains": "museum"}, {"max_width": 40}]},
    {"id": "library", "input": {"text": "The library closes at six."},
     "assert": [{"regex": "^The"}, {"not_contains": "nine"}]},
    {"id": "broken", "input": {"text": "The model call fails here.", "fail": True}},
    {"id": "wide", "input": {"text": "The museum on the hill opens at nine every morning."},
     "assert": [{"max_width": 30}]},
]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "qtest.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in DATASET), encoding="utf-8")
    return path


@pytest.fixture
def aigc(qtest_plugin, models_config, enabled_plugins, request):
    """``aigc(*args, env={})``: the command line in process with the workers' settings (the
    queue's only when the test asks for Redis), labelling off as the workers have it."""
    env = {"AIGC_MODELS": json.dumps(models_config),
           "AIGC_ENABLE_PLUGINS": ",".join(enabled_plugins),
           "AIGC_DISABLE_PLUGINS": "labels"}
    if "queue_config" in request.fixturenames:
        env["AIGC_QUEUE"] = json.dumps(request.getfixturevalue("queue_config"))

    def invoke(*args: str, env_extra: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env={**env, **(env_extra or {})},
                                  catch_exceptions=False)

    return invoke


def run_eval(aigc, dataset: Path, out: Path, *args: str, **kwargs: Any) -> Result:
    return aigc("eval", "qtest.work", "--dataset", str(dataset), "-m", "qtest", "--out",
                str(out), *args, **kwargs)


def assert_report(out: Path, mode: str) -> dict[str, Any]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["meta"]["mode"] == mode and report["meta"]["generator"] == "qtest.work"
    [variant] = report["variants"]
    assert variant["name"] == "qtest" and variant["runs"] == 4
    assert (variant["succeeded"]["passed"], variant["accepted"]["passed"]) == (3, 2)
    assert variant["failures"]["by_error_kind"] == {"model": 1}
    assert variant["attempts"]["histogram"] == {"0": 1, "1": 3}  # the failed call: none
    assert variant["latency_ms"]["p50"] is not None and variant["tokens"]["completion"] == 3
    runs = {case["id"]: case["runs"] for case in report["cases"]}
    assert runs["museum"][0]["output"] == "The museum opens at nine."
    assert [a["passed"] for a in runs["wide"][0]["assertions"]] == [False]
    assert runs["broken"][0]["status"] == "failed" and runs["broken"][0]["assertions"] == []
    page = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"https?:|\b(src|href)\s*=|url\(|@import|<script|<link", page)
    assert "<svg" in page and "The library closes at six." in page
    return report


def test_eval_inline_writes_the_report_and_floors_set_the_exit_code(aigc, dataset, tmp_path):
    done = run_eval(aigc, dataset, tmp_path / "out")
    assert done.exit_code == 0, done.output
    assert "qtest: succeeded 3/4 = 75.0% [30.1%, 95.4%], accepted 2/4 = 50.0%" in done.stdout
    assert_report(tmp_path / "out", "inline")

    under = run_eval(aigc, dataset, tmp_path / "gate", "--fail-under", "80%")
    assert under.exit_code == 1
    assert "below the floor: qtest: succeeded 3/4 = 75.0% is under 80.0%" in under.stderr
    assert run_eval(aigc, dataset, tmp_path / "gate", "--fail-under", "0.7").exit_code == 0
    accepted = run_eval(aigc, dataset, tmp_path / "gate", "--fail-under-accepted", "0.6")
    assert accepted.exit_code == 1 and "accepted 2/4 = 50.0% is under 60.0%" in accepted.stderr
    bad = run_eval(aigc, dataset, tmp_path / "gate", "--fail-under", "1.5")
    assert bad.exit_code == 2 and "not between 0 and 1" in bad.stderr
    unknown = run_eval(aigc, dataset, tmp_path / "gate", "--runner", "ray")
    assert unknown.exit_code == 2  # the workers' runner comes through the hook, by name
    assert "no eval runner named 'ray'; runners: inline, queue" in unknown.stderr


def test_compare_lists_what_flipped_between_two_runs(aigc, dataset, tmp_path):
    assert run_eval(aigc, dataset, tmp_path / "old").exit_code == 0
    # The operator's template asks every job to echo the library's text instead of its own.
    (tmp_path / "prompts" / "qtest").mkdir(parents=True)
    (tmp_path / "prompts" / "qtest" / "work.j2").write_text(
        '{"text": "The library closes at six.", "sleep": 0, "fail": {{ fail | tojson }}, '
        '"crash": false, "stubborn": false}', encoding="utf-8")
    changed = run_eval(aigc, dataset, tmp_path / "new",
                       env_extra={"AIGC_TEMPLATE_DIRS": str(tmp_path / "prompts")})
    assert changed.exit_code == 0, changed.output

    compared = aigc("eval", "compare", str(tmp_path / "old" / "report.json"),
                    str(tmp_path / "new" / "report.json"))
    assert compared.exit_code == 1  # a case went from passed to failed
    assert compared.stdout.splitlines() == [
        "museum [qtest]: passed -> failed (invalid: text: must be exactly "
        "'The museum opens at nine.')"]
    assert "1 flipped, 1 regressed" in compared.stderr
    same = aigc("eval", "compare", str(tmp_path / "old" / "report.json"),
                str(tmp_path / "old" / "report.json"))
    assert same.exit_code == 0 and same.stdout == ""


def test_template_variants_run_side_by_side(aigc, dataset, tmp_path):
    (tmp_path / "v2" / "qtest").mkdir(parents=True)
    (tmp_path / "v2" / "qtest" / "work.j2").write_text(
        '{"text": "Closed today.", "sleep": 0, "fail": false, "crash": false, '
        '"stubborn": false}', encoding="utf-8")
    done = run_eval(aigc, dataset, tmp_path / "out", "--templates", "-",
                    "--templates", str(tmp_path / "v2"))
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [(v["name"], v["succeeded"]["passed"]) for v in report["variants"]] == [
        ("qtest", 3), (f"qtest @ {tmp_path / 'v2'}", 0)]
    assert [len(case["runs"]) for case in report["cases"]] == [2, 2, 2, 2]


def test_eval_through_real_workers(aigc, dataset, tmp_path, worker, queue_config):
    running = worker(queues=("aigc.qtest",), pool="threads", concurrency=2)
    done = run_eval(aigc, dataset, tmp_path / "out", "--queue")
    assert done.exit_code == 0, done.output + running.log()[-3000:]
    assert "qtest.work (queue)" in done.stderr  # the progress bar over completions
    report = assert_report(tmp_path / "out", "queue")
    job_ids = [run["job_id"] for case in report["cases"] for run in case["runs"]]
    assert all(job_id.startswith(f"eval-{report['meta']['run_id']}-") for job_id in job_ids)

    again = run_eval(aigc, dataset, tmp_path / "again", "--queue")  # new ids: run again
    assert again.exit_code == 0
    rerun = json.loads((tmp_path / "again" / "report.json").read_text(encoding="utf-8"))
    assert rerun["meta"]["run_id"] != report["meta"]["run_id"]

    refused = run_eval(aigc, dataset, tmp_path / "x", "--queue", "--templates", str(tmp_path))
    assert refused.exit_code == 2 and "--templates needs an inline run" in refused.stderr
