"""A plugin package installed from tests/fixtures, discovered by entry point, run by the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def aigc(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aigc_core.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_installed_plugin_runs_on_the_embedded_model(plugin_env):
    listed = aigc("generators", env=plugin_env)
    assert "hello.greeting  [hello]" in listed.stdout, listed.stderr
    done = aigc("generate", "hello.greeting", "-p", "name=Ada", "--json", env=plugin_env)
    result = json.loads(done.stdout)
    assert result["provenance"]["plugin"] == "hello"
    assert result["provenance"]["plugin_version"] == "1.2.0"
    assert result["provenance"]["backend"] == "llama_cpp"
    if result["status"] == "succeeded":
        assert "ada" in result["text"].lower()
    else:
        assert result["error"]["kind"] == "validation", result
        assert "must mention 'Ada'" in result["problems"][0]["message"]


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_work(plugin_env, tmp_path):
    broken = tmp_path / "broken_site"
    (broken / "broken_plugin-0.1.dist-info").mkdir(parents=True)
    (broken / "broken_plugin-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: broken-plugin\nVersion: 0.1\n")
    (broken / "broken_plugin-0.1.dist-info" / "entry_points.txt").write_text(
        "[aigc]\nbroken = broken_plugin\n")
    (broken / "broken_plugin.py").write_text("raise ImportError('missing dependency foo')\n")
    env = {**plugin_env, "PYTHONPATH": f"{broken}:{plugin_env['PYTHONPATH']}"}
    out = aigc("plugins", env=env)
    assert out.returncode == 0
    assert "hello 1.2.0" in out.stdout
    assert "FAILED broken: failed to import broken_plugin: ImportError: missing dependency foo" \
        in out.stderr
    strict = aigc("plugins", env={**env, "AIGC_STRICT_PLUGINS": "1"})
    assert strict.returncode == 2 and "plugin 'broken'" in strict.stderr
