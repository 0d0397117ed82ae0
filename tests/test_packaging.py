"""What a built wheel ships: every folder of prompt templates is a listed package, so that
setuptools installs it (an unlisted data folder is installed today with a warning that a
future release will ignore it, which would leave ``pip install .`` without its prompts)."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_template_folder_is_a_listed_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"]
    folders = {}
    for package, folder in config["package-dir"].items():
        for template in (ROOT / folder).rglob("*.j2"):
            relative = template.parent.relative_to(ROOT / folder)
            folders[".".join((package, *relative.parts))] = template.parent
    assert folders, "no templates found: the test looks in the wrong place"
    missing = sorted(set(folders) - set(config["packages"]))
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
