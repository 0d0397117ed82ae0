"""``aigc plugin new NAME``: a package that installs and passes its own tests at once."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from aigc_core.cli.main import cli
from aigc_core.cli.plugin_new import FILES, write_skeleton


def test_a_new_plugin_installs_and_passes_its_own_tests(tmp_path: Path):
    package = tmp_path / "aigc-recipe-cards"
    written = CliRunner().invoke(cli, ["plugin", "new", "recipe_cards", "-d", str(package)])
    assert written.exit_code == 0, written.output
    site = tmp_path / "site"  # installed as pip installs it, not imported from the source
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(package)], check=True)
    assert (site / "aigc_recipe_cards/templates/recipe_cards/ideas.j2").is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIGC_")}
    env["PYTHONPATH"] = str(site)
    # Run from tmp_path, where the source package is not importable, with the skeleton's own
    # pytest settings (its pyproject.toml).
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "5 passed" in tests.stdout, tests.stdout


def test_names_that_cannot_name_a_plugin_and_used_folders_are_refused(tmp_path: Path):
    runner = CliRunner()
    bad = runner.invoke(cli, ["plugin", "new", "Recipe-Cards", "-d", str(tmp_path / "new")])
    assert bad.exit_code == 2 and "'Recipe-Cards' is not a plugin name" in bad.output
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    used = runner.invoke(cli, ["plugin", "new", "recipes", "-d", str(tmp_path / "used")])
    assert used.exit_code == 2 and "already exists and is not empty" in used.output
    assert sorted(p.name for p in (tmp_path / "used").iterdir()) == ["notes.txt"]


def test_the_default_folder_is_named_after_the_distribution(tmp_path: Path):
    result = CliRunner().invoke(cli, ["plugin", "new", "recipe_cards"])  # cwd: tmp_path
    assert result.exit_code == 0, result.output
    assert (tmp_path / "aigc-recipe-cards" / "aigc_recipe_cards" / "__init__.py").is_file()


def test_the_new_code_passes_our_lint(tmp_path: Path):
    """Authors copy the skeleton's style: it passes this repo's ruff rules, with the new
    package as first-party code and aigc as third-party."""
    pytest.importorskip("ruff")
    package = tmp_path / "aigc-recipes"
    write_skeleton("recipes", package)
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--line-length", "100",
         "--target-version", "py310", "--select", "E,F,W,I,B,UP,SIM,RUF", "."],
        cwd=package, capture_output=True, text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_every_skeleton_file_is_written():
    skeleton = resources.files("aigc_core.cli") / "skeleton"
    assert sorted(FILES) == sorted(entry.name for entry in skeleton.iterdir()
                                   if entry.name.endswith(".tmpl"))
