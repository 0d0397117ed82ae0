"""What a built wheel ships: every folder of prompt templates is a listed package, so that
setuptools installs it (an unlisted data folder is installed today with a warning that a
future release will ignore it, which would leave ``pip install .`` without its prompts), and
so are the workers' Redis scripts and the files of `aigc plugin new`."""

from __future__ import annotations

import sys
from fnmatch import fnmatch
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


def test_every_python_folder_is_a_listed_package():
    """A sub-package left out of the list is left out of the wheel: `pip install .` would
    import fine from a checkout and fail everywhere else."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"]
    folders = set()
    for package, folder in config["package-dir"].items():
        for module in (ROOT / folder).rglob("*.py"):
            relative = module.parent.relative_to(ROOT / folder)
            folders.add(".".join((package, *relative.parts)))
    missing = sorted(folders - set(config["packages"]))
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_the_redis_scripts_of_workers_ship():
    """Workers read their Lua scripts with importlib.resources: a wheel without them queues no
    job and runs none."""
    assert_ships("aigc_workers.lua", "*.lua")


def test_the_rate_limit_script_of_the_gateway_ships():
    assert_ships("aigc_gateway", "*.lua")


def test_the_plugin_skeleton_ships():
    """``aigc plugin new`` reads its files with importlib.resources."""
    assert_ships("aigc_core.cli.skeleton", "*.tmpl")


def assert_ships(package: str, pattern: str) -> None:
    """The files matching ``pattern`` in the folder of ``package`` are in a built wheel: the
    folder is a listed package and a package-data pattern names each file."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"]
    top, *rest = package.split(".")
    folder = ROOT.joinpath(config["package-dir"][top], *rest)
    files = sorted(path.name for path in folder.glob(pattern))
    assert files, f"no {pattern} in {folder}: the test looks in the wrong place"
    assert package in config["packages"], f"add {package!r} to [tool.setuptools] packages"
    shipped = config["package-data"].get(package, []) + config["package-data"]["*"]
    missing = [name for name in files if not any(fnmatch(name, p) for p in shipped)]
    assert not missing, f"add to [tool.setuptools.package-data] in pyproject.toml: {missing}"
