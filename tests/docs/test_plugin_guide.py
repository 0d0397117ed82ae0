"""The code in docs/plugins.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "plugins.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_testing_section_example_passes(hello_plugin: Path):
    section = GUIDE.read_text().split("## 6. Testing a plugin", 1)[1]
    (code,) = python_blocks(section)
    namespace: dict = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    namespace["test_greeting"]()


def test_generator_example_matches_the_fixture_plugin():
    section = GUIDE.read_text().split("## 2. The generator", 1)[1]
    example = python_blocks(section)[0]
    fixture = (ROOT / "tests/fixtures/aigc-hello/aigc_hello/__init__.py").read_text()
    for line in example.splitlines():
        code = line.split("#")[0].strip()
        if code and not code.startswith("from aigc_core import"):
            assert code in fixture, f"docs/plugins.md shows a line the real plugin lacks: {code}"
