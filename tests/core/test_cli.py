"""The aigc command line, in process, with the third-party test plugin and its echo backend."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from aigc_core.cli.main import cli


@pytest.fixture
def run(hello_plugin, tmp_path):
    (tmp_path / "aigc.toml").write_text(
        'enable_plugins = ["hello"]\n[models.default]\nbackend = "echo"\n')

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return invoke


def test_plugins_lists_name_version_and_hooks(run):
    out = run("plugins").output
    assert "hello 1.2.0 (aigc-hello): register_backends, register_generators" in out


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


def test_validation_failure_exits_1_and_lists_problems(run, tmp_path):
    (tmp_path / "prompts" / "hello").mkdir(parents=True)
    (tmp_path / "prompts" / "hello" / "greeting.j2").write_text("Say hi to someone.")
    (tmp_path / "aigc.toml").write_text(
        'enable_plugins = ["hello"]\ntemplate_dirs = ["prompts"]\n'
        '[models.default]\nbackend = "echo"\n')
    # No repairs: the echo backend would echo the repair prompt, which names Ada.
    out = CliRunner().invoke(cli, ["generate", "hello.greeting", "-p", "name=Ada",
                                   "-o", "max_repairs=0"])
    assert out.exit_code == 1
    assert "failed (validation)" in out.output and "must mention 'Ada'" in out.output


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
