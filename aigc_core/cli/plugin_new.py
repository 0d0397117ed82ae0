"""``aigc plugin new NAME``: write a plugin package that installs and passes its tests at once.

The files come from ``skeleton/`` next to this module, with ``$name``, ``$package`` and
``$dist`` filled in (``string.Template``: the Jinja prompt template and the Python code in
them need no escaping).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

import click

#: Skeleton file -> its path in the new package (``{name}``, ``{package}`` filled in).
FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "gitignore.tmpl": ".gitignore",
    "plugin.py.tmpl": "{package}/__init__.py",
    "ideas.j2.tmpl": "{package}/templates/{name}/ideas.j2",
    "test_plugin.py.tmpl": "tests/test_{name}.py",
}

#: A plugin name is an entry-point name, a module name's tail and the first part of its
#: generators' names, which allow only these characters.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def write_skeleton(name: str, directory: Path | None = None) -> list[Path]:
    """Write the package of plugin ``name`` (distribution ``aigc-NAME``, module ``aigc_NAME``)
    into ``directory`` (default ``./aigc-NAME``), which must be new or empty; returns the
    files written.

    >>> write_skeleton("recipes")
    [PosixPath('aigc-recipes/pyproject.toml'), ...]
    """
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a plugin name: lower-case letters, digits and _, "
                         "starting with a letter (e.g. 'recipes')")
    names = {"name": name, "package": f"aigc_{name}", "dist": f"aigc-{name.replace('_', '-')}"}
    directory = directory or Path(names["dist"])
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} already exists and is not empty")
    skeleton = resources.files(__package__) / "skeleton"
    written = []
    for source, target in FILES.items():
        path = directory / target.format(**names)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(skeleton.joinpath(source).read_text(encoding="utf-8"))
                        .substitute(names), encoding="utf-8")
        written.append(path)
    return written


@click.group()
def plugin() -> None:
    """Write generator plugins."""


@plugin.command("new")
@click.argument("name")
@click.option("--directory", "-d", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the package. Default: ./aigc-NAME.")
def new(name: str, directory: Path | None) -> None:
    """Write a plugin package NAME: pyproject, one generator, its template and its tests.

    \b
        aigc plugin new recipes
        cd aigc-recipes && pip install -e '.[test]' && pytest
    """
    try:
        written = write_skeleton(name, directory)
    except (ValueError, FileExistsError) as exc:
        raise click.UsageError(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {written[0].parent} && pip install -e '.[test]' && pytest")


COMMANDS = [plugin]
