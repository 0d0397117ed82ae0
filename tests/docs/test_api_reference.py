"""scripts/api-docs.sh builds the API reference from the docstrings, and it documents what a
plugin author uses: every hook, what ``context`` holds, the kit, schemas and backends."""

from __future__ import annotations

import dataclasses
import html
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aigc_core import context, hookspecs, testing
from tests.conftest import ROOT

#: Page -> names each must document (classes, functions, fields).
PAGES = {
    "aigc_core/generator.html": ["Generator", "output_schema", "validators", "finalize"],
    "aigc_core/problems.html": ["Problem"],
    "aigc_core/checks.html": ["distinct", "max_length", "not_blank"],
    "aigc_core/schemas.html": ["obj", "array", "line", "choice", "integer", "number",
                               "integer_field", "number_field"],
    "aigc_core/testing.html": testing.__all__,
    "aigc_core/backends/base.html": ["Backend", "CompletionRequest", "timeout", "Completion",
                                     "ModelConfig", "parse_settings"],
    "aigc_core/context.html": ["JobContext", "plugin_settings"],
    "aigc_core/lexicon.html": ["available", "known", "zipf"],
    "aigc_core/numbers.html": ["Number", "numbers", "values", "same"],
    "aigc_core/relevance.html": ["shares_a_word", "terms", "written_in"],
}


def page_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pdoc")
    out = tmp_path_factory.mktemp("api")
    subprocess.run(["bash", str(ROOT / "scripts" / "api-docs.sh"), str(out)], check=True,
                   env={**os.environ, "PYTHON": sys.executable}, capture_output=True)
    return out


@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_page_documents_its_names(reference: Path, page: str):
    text = (reference / page).read_text(encoding="utf-8")
    missing = [name for name in PAGES[page] if f'id="{name}"' not in text
               and not re.search(rf'id="[\w.]+\.{name}"', text)]
    assert not missing, f"{page} lacks {missing}"


def test_every_hook_is_documented_with_what_context_holds(reference: Path):
    hooks = [name for name, fn in vars(hookspecs).items() if hasattr(fn, "aigc_spec")]
    text = (reference / "aigc_core/hookspecs.html").read_text(encoding="utf-8")
    assert hooks and all(f'id="{hook}"' in text for hook in hooks)
    words = page_text(reference / "aigc_core/hookspecs.html")
    attributes = [field.name for field in dataclasses.fields(context.JobContext)]
    missing = [name for name in [*attributes, "plugin_settings(name)"]
               if f"context.{name}" not in words]
    assert not missing, f"the hooks' reference does not say what context.{missing} holds"
    for hook in hooks:  # each job hook says which parts of context it may use or change
        doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
        if "context" in inspect.signature(getattr(hookspecs, hook)).parameters:
            assert "context." in doc, f"{hook}'s docstring does not mention context"


def test_the_landing_page_links_every_page(reference: Path):
    landing = (reference / "aigc_core.html").read_text(encoding="utf-8")
    assert (reference / "index.html").is_file()
    assert not [page for page in PAGES if f'href="{page}"' not in landing]
