"""The aigc command line, in process, with the third-party test plugin and its echo backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from aigc_core import AigcError, Generator, Result, hookimpl
from aigc_core import engine as engine_module
from aigc_core.cli import commands
from aigc_core.cli.main import cli
from aigc_core.cli.render import check_format, render
from aigc_core.jobs import Provenance
from tests.support.demo import ECHO_MODEL


@pytest.fixture
def run(hello_plugin, tmp_path):
    (tmp_path / "aigc.toml").write_text('enable_plugins = ["hello"]\n' + ECHO_MODEL)

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def test_plugins_lists_name_version_and_hooks(run):
    out = run("plugins").output
    assert "hello 1.2.0 (aigc-hello): register_backends, register_generators" in out


def test_plugins_lists_those_the_settings_keep_out_and_how_to_load_them(run):
    out = run("plugins").output
    assert "labels 0.1.0 (aigc): " in out  # an enable list keeps labelling on
    assert ("news 0.1.0 (aigc): disabled by enable_plugins; to load it, add 'news' to "
            "enable_plugins (AIGC_ENABLE_PLUGINS)") in out
    listed = json.loads(run("plugins", "--json").output)
    assert {"name": "news", "version": "0.1.0", "distribution": "aigc",
            "disabled_by": "enable_plugins"} in listed["disabled"]


def test_generators_lists_input_fields_and_json_schemas(run):
    out = run("generators").output
    assert "hello.greeting  [hello]" in out and "input: name, language?" in out
    schema = json.loads(run("generators", "hello.greeting", "--json").output)
    assert schema["input_schema"]["required"] == ["name"]
    assert schema["output_schema"] == {"type": "string"}


def test_models_lists_the_default(run):
    assert "default: backend=echo" in run("models").output


def test_generate_from_params_stdin_and_file(run, tmp_path):
    out = run("generate", "hello.greeting", "-p", "name=Ada")
    assert out.exit_code == 0 and "for Ada" in out.output
    out = run("generate", "hello.greeting", "--input", "-", input='{"name": "Lin"}')
    assert "for Lin" in out.output
    (tmp_path / "in.json").write_text('{"name": "Bo", "language": "French"}')
    out = run("generate", "hello.greeting", "-i", "in.json", "--json")
    result = json.loads(out.output)
    assert result["status"] == "succeeded" and "in French for Bo" in result["text"]
    assert result["provenance"]["plugin_version"] == "1.2.0"
    assert result["provenance"]["templates"][0]["name"] == "hello/greeting.j2"


def test_bad_input_exits_2_naming_the_field(run):
    out = CliRunner().invoke(cli, ["generate", "hello.greeting", "-p", "nmae=Ada"])
    assert out.exit_code == 2
    assert "input.nmae: is not an input of this generator" in out.output
    assert "input.name: is required but missing" in out.output
    assert "Traceback" not in out.output


def test_unknown_generator_lists_available(run):
    out = CliRunner().invoke(cli, ["generate", "nope.nope", "-p", "x=1"])
    assert out.exit_code == 2 and "available: hello.greeting" in out.output


def nameless_prompt(folder) -> None:
    """An operator template that leaves the name out: the echo backend's answer fails."""
    (folder / "prompts" / "hello").mkdir(parents=True)
    (folder / "prompts" / "hello" / "greeting.j2").write_text("Say hi to someone.")
    (folder / "aigc.toml").write_text(
        'enable_plugins = ["hello"]\ntemplate_dirs = ["prompts"]\n'
        '[models.default]\nbackend = "echo"\n')


def test_validation_failure_exits_1_and_lists_problems(run, tmp_path):
    nameless_prompt(tmp_path)
    # No repairs: the echo backend would echo the repair prompt, which names Ada.
    out = CliRunner().invoke(cli, ["generate", "hello.greeting", "-p", "name=Ada",
                                   "-o", "max_repairs=0"])
    assert out.exit_code == 1
    assert "failed (validation)" in out.output and "must mention 'Ada'" in out.output


def test_dry_run_prints_the_rendered_prompt_and_calls_no_model(run, tmp_path):
    (tmp_path / "aigc.toml").write_text(  # a model that would fail if it were called
        'enable_plugins = ["hello"]\n[models.default]\nbackend = "openai"\n'
        'base_url = "http://127.0.0.1:9/v1"\nmodel = "m"\n')
    out = run("generate", "hello.greeting", "-p", "name=Ada", "--dry-run")
    assert out.exit_code == 0
    assert out.output.startswith("--- user ---\n") and "Ada" in out.output
    messages = json.loads(run("generate", "hello.greeting", "-p", "name=Ada", "--dry-run",
                              "--json").output)
    assert [[m["role"] for m in part] for part in messages] == [["user"]]


def test_a_failed_result_keeps_the_answers_it_rejected(run, tmp_path):
    nameless_prompt(tmp_path)
    out = CliRunner().invoke(cli, ["generate", "hello.greeting", "-p", "name=Ada",
                                   "-o", "max_repairs=1", "--json"])
    provenance = json.loads(out.output)["provenance"]
    assert provenance["attempts"] == 2 and len(provenance["rejected_answers"]) >= 1
    assert provenance["rejected_answers"][0] == "Say hi to someone."


def test_batch_is_validated_first_and_resumable(run, tmp_path):
    batch = tmp_path / "in.jsonl"
    batch.write_text('{"name": "A"}\n{"name": ""}\n')
    out = CliRunner().invoke(cli, ["generate", "hello.greeting", "--batch", str(batch),
                                   "--out", "out.jsonl"])
    assert out.exit_code == 2 and "input.name" in out.output
    assert not (tmp_path / "out.jsonl").exists()  # nothing half-written

    batch.write_text('{"name": "A"}\n{"name": "B"}\n{"id": "job-c", "input": {"name": "C"}}\n')
    out = run("generate", "hello.greeting", "--batch", str(batch), "--out", "out.jsonl")
    assert "3 succeeded, 0 failed, 0 skipped" in out.output
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(x)["job_id"] for x in lines][2] == "job-c"

    # A crash mid-write leaves a torn last line: it is dropped and that job is redone.
    (tmp_path / "out.jsonl").write_text("\n".join(lines[:2]) + "\n" + lines[2][:30])
    out = run("generate", "hello.greeting", "--batch", str(batch), "--out", "out.jsonl")
    assert "1 succeeded, 0 failed, 2 skipped" in out.output
    ids = [json.loads(x)["job_id"] for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(ids) == 3 and len(set(ids)) == 3


def test_broken_config_does_not_break_help(tmp_path):
    (tmp_path / "aigc.toml").write_text("not = [valid toml")
    out = CliRunner().invoke(cli, ["--help"])
    assert out.exit_code == 0 and "generate" in out.output
    out = CliRunner().invoke(cli, ["generators"])
    assert out.exit_code == 2 and "cannot read configuration" in out.output



def test_plugin_commands_come_from_the_config_file_given(hello_plugin, tmp_path):
    # ./aigc.toml keeps the labels plugin out, and with it `aigc verify-label`; conf/ has it.
    (tmp_path / "aigc.toml").write_text(
        'enable_plugins = ["hello"]\ndisable_plugins = ["labels"]\n' + ECHO_MODEL)
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "aigc.toml").write_text(
        'enable_plugins = ["hello", "labels"]\n' + ECHO_MODEL)
    missing = CliRunner().invoke(cli, ["verify-label", "result.json"])
    assert missing.exit_code == 2 and "No such command 'verify-label'" in missing.output
    made = CliRunner().invoke(cli, ["-c", "conf/aigc.toml", "generate", "hello.greeting",
                                    "-p", "name=Ada", "--json"])
    (tmp_path / "result.json").write_text(made.stdout)
    verified = CliRunner().invoke(cli, ["-c", "conf/aigc.toml", "verify-label", "result.json"])
    assert verified.exit_code == 0 and "1 verified" in verified.output


def test_plugins_are_loaded_once_per_command_line(hello_plugin, tmp_path, monkeypatch):
    (tmp_path / "aigc.toml").write_text('enable_plugins = ["hello", "labels"]\n' + ECHO_MODEL)
    loads: list[object] = []
    load_plugins = engine_module.load_plugins

    def counted(*args, **kwargs):
        loads.append(args)
        return load_plugins(*args, **kwargs)

    monkeypatch.setattr(engine_module, "load_plugins", counted)
    for args, expected in [
        (["generate", "hello.greeting", "-p", "name=Ada"], 1),
        (["models"], 1),
        (["--help"], 1),  # lists the plugins' commands too
        (["verify-label", "--help"], 1),  # found among the plugins' commands, then run
        (["generate", "--help"], 0),  # the core's and the packages' commands need no plugin
        (["submit", "--help"], 0),
    ]:
        loads.clear()
        out = CliRunner().invoke(cli, args)
        assert (out.exit_code, len(loads)) == (0, expected), (args, out.output)


@pytest.fixture
def fresh_package_commands():
    """The command packages are loaded once per process: a test that breaks one reloads them,
    before and after."""
    for cached in (commands.command_packages, commands.package_commands):
        cached.cache_clear()
    yield
    for cached in (commands.command_packages, commands.package_commands):
        cached.cache_clear()


def test_a_broken_plugin_or_command_package_leaves_the_rest_working(
    run, monkeypatch, fresh_package_commands
):
    import aigc_plugins.labels

    @hookimpl
    def register_commands(cli):
        raise RuntimeError("boom")

    monkeypatch.setattr(aigc_plugins.labels, "register_commands", register_commands)
    entry_points = metadata.entry_points
    broken = metadata.EntryPoint("broken", "aigc_no_such_module", commands.COMMAND_PACKAGES)
    monkeypatch.setattr(metadata, "entry_points", lambda group: [
        *entry_points(group=group), *([broken] if group == commands.COMMAND_PACKAGES else [])])
    (Path("aigc.toml")).write_text('enable_plugins = ["hello", "labels"]\n' + ECHO_MODEL)

    out = CliRunner().invoke(cli, ["--help"])
    assert out.exit_code == 0
    listed = out.stdout.split("Commands:")[1]
    assert all(name in listed for name in ("generate", "worker", "serve"))
    assert "verify-label" not in listed
    assert ("warning: plugin 'labels': register_commands failed (RuntimeError: boom); its "
            "commands are left out") in out.stderr
    assert "command package 'broken' (aigc_no_such_module) failed (ModuleNotFoundError" in (
        out.stderr)
    assert run("generate", "hello.greeting", "-p", "name=Ada").exit_code == 0


def test_help_lists_every_command_without_importing_what_only_jobs_need(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIGC_")}
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "aigc_core.cli", "--help"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    modules = {line.rsplit("|", 1)[1].strip()
               for line in out.stderr.splitlines() if line.startswith("import time:")}
    imported = {module.split(".")[0] for module in modules}
    assert {"click", "pydantic"} <= imported  # the listing is what it should be
    assert not imported & {"celery", "kombu", "billiard", "fastapi", "starlette", "uvicorn"}
    # Nor what only a job's work needs, however the plugins import: numpy (py3langid),
    # NLTK (textstat), SQLAlchemy (the ledger), the content gates' modules.
    assert not imported & {"numpy", "py3langid", "nltk", "textstat", "sqlalchemy", "wordfreq"}
    assert "aigc_core.gates.runner" not in modules
    listed = {line.split()[0] for line in out.stdout.split("Commands:")[1].splitlines()
              if line.strip()}
    assert {"generate", "worker", "submit", "result", "serve", "api-key",
            "verify-label"} <= listed


def test_format_and_json_choose_the_output(run):
    as_json = json.loads(run("generate", "hello.greeting", "-p", "name=Ada", "-f", "json").output)
    assert as_json["status"] == "succeeded" and "for Ada" in as_json["text"]
    flag = json.loads(run("generate", "hello.greeting", "-p", "name=Ada", "--json").output)
    assert flag.keys() == as_json.keys()
    refused = CliRunner().invoke(cli, ["generate", "hello.greeting", "-p", "name=Ada",
                                       "-f", "gift"])
    assert refused.exit_code == 2
    assert "hello.greeting cannot export 'gift'; formats: text, json" in refused.output


def test_a_bad_batch_line_is_one_line_naming_it(run, tmp_path):
    (tmp_path / "in.jsonl").write_text(
        '{"name": "A"}\n{"id": "no spaces", "input": {"name": "B"}}\n')
    out = CliRunner().invoke(cli, ["generate", "hello.greeting", "--batch", "in.jsonl",
                                   "--out", "out.jsonl"])
    assert out.exit_code == 2 and not (tmp_path / "out.jsonl").exists()
    [line] = out.output.splitlines()
    assert line.startswith("error: in.jsonl: line 2: id: String should match pattern")


class Card(BaseModel):
    title: str


class Topic(BaseModel):
    topic: str


CARD = Generator(name="demo.card", description="A card.", input_model=Topic, output_model=Card,
                 prompt="card.j2", template_sources={"card.j2": "{{ topic }}"},
                 exporters={"shout": lambda card, data, result: f"{data.topic}: "
                                                                f"{card.title.upper()}"})


def labelled_card() -> Result:
    return Result(job_id="j1", status="succeeded", output={"title": "tides"},
                  provenance=Provenance(generator="demo.card", plugin="demo",
                                        plugin_version="1", model="default"),
                  metadata={"ai_label": {"explicit": {"text": "[AI]", "position": "start"}}})


def test_one_renderer_for_results_run_here_and_read_back_from_the_queue():
    result = labelled_card()
    plain = '[AI]\n{\n  "title": "tides"\n}'
    # Run here (generator and input known) or read back (neither): the same text, labelled.
    assert render(result, "text", CARD, Topic(topic="sea")) == render(result) == plain
    assert json.loads(render(result, "json")) == json.loads(result.model_dump_json())
    assert render(result, "shout", CARD, Topic(topic="sea")) == "sea: TIDES"
    check_format("shout", CARD)
    with pytest.raises(AigcError, match="cannot export 'gift'; formats: text, json, shout"):
        check_format("gift", CARD)
    for refused in (lambda: check_format("shout"), lambda: render(result, "shout", CARD)):
        with pytest.raises(AigcError, match="needs the job's input"):
            refused()
