"""The code in docs/plugins.md runs as written."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

from aigc_core import JobContext
from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "plugins.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def section(title: str) -> str:
    """The text of the guide's section ``title``, up to the next section of its level."""
    level = re.match(r"#+", title).group()
    return GUIDE.read_text().split(title + "\n", 1)[1].split(f"\n{level} ", 1)[0]


def test_testing_section_examples_pass(hello_plugin: Path):
    (code,) = python_blocks(section("## 6. Testing a plugin"))
    namespace: dict = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    tests = [fn for name, fn in namespace.items() if name.startswith("test_")]
    assert len(tests) == 3
    for test in tests:
        test()


def test_the_sample_plugins_line_lists_the_hooks_the_sample_defines():
    (line,) = re.findall(r"aigc plugins +# hello [^:]+: (.*)", GUIDE.read_text())
    sample = python_blocks(section("## 2. The generator"))[0]
    defined = re.findall(r"@hookimpl\ndef (\w+)", sample)
    assert line.split(", ") == sorted(defined)


def test_the_hooks_section_says_what_context_holds():
    text = section("## 4. Other hooks")
    fields = [field.name for field in dataclasses.fields(JobContext)]
    missing = [name for name in [*fields, "plugin_settings(name)"]
               if f"`context.{name}`" not in text]
    assert not missing


def test_dry_run_prints_the_prompt_without_a_model(plugin_env: dict[str, str]):
    shown = subprocess.run(
        [sys.executable, "-m", "aigc_core.cli", "generate", "hello.greeting", "-p", "name=Ada",
         "--dry-run"], env={**plugin_env, "AIGC_MODELS__DEFAULT__BACKEND": "no-such-backend"},
        capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "Write a one-line friendly greeting in English for Ada." in shown.stdout


def test_generator_example_matches_the_fixture_plugin():
    section = GUIDE.read_text().split("## 2. The generator", 1)[1]
    example = python_blocks(section)[0]
    fixture = (ROOT / "tests/fixtures/aigc-hello/aigc_hello/__init__.py").read_text()
    for line in example.splitlines():
        code = line.split("#")[0].strip()
        if code and not code.startswith("from aigc_core import"):
            assert code in fixture, f"docs/plugins.md shows a line the real plugin lacks: {code}"
