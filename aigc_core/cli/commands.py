"""Where the subcommands of ``aigc`` come from: looked up by name when a command line needs
one, from three sources; the first that has the name wins.

1. The core's own (``generate``, ``plugins``, ...), added to the group in ``main.py``.
2. Command packages: modules named in the ``aigc.cli`` entry-point group (``aigc_workers.cli``:
   ``aigc worker``, ``submit``, ...; ``aigc_gateway.cli``: ``aigc serve``, ``api-key``) that
   implement the ``register_commands`` hook. The core never imports them by name. They are
   loaded whatever ``enable_plugins`` says: they add commands, not generators, and a config
   that enables a few generator plugins must keep ``aigc worker``.
3. Plugins (the ``aigc`` group) that implement ``register_commands``: those that the engine of
   this command line loads, so ``-c FILE`` decides which, and their command runs with that
   same engine (``obj.engine``): plugins are loaded once per command line.

So ``aigc generate`` and ``aigc submit`` load plugins only for their jobs; ``aigc --help``
lists every command, which loads the plugins as well, but imports neither Celery nor FastAPI
(command modules import those inside the commands that use them). A package or plugin that
fails to import or to register its commands is left out with one line on standard error, and
the rest of the command line works.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Any

import click
import pluggy

from .. import hookspecs
from ..errors import AigcError
from .common import session

#: The entry-point group of command packages.
COMMAND_PACKAGES = "aigc.cli"

Commands = dict[str, click.Command]

_PLUGIN_COMMANDS = "aigc.plugin_commands"  # ctx.meta key: per command line, with its -c FILE


class CommandGroup(click.Group):
    """A click group whose commands beyond its own are found on demand (module docstring)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *package_commands(), *plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # Cheapest first: a command found early imports nothing of the later sources.
        sources: tuple[Callable[[], Commands], ...] = (
            lambda: self.commands, package_commands, lambda: plugin_commands(ctx))
        for source in sources:
            command = source().get(cmd_name)
            if command is not None:
                return command
        return None


@functools.cache
def command_packages() -> pluggy.PluginManager:
    """Every command package, registered (they depend on no setting: loaded once)."""
    pm = pluggy.PluginManager("aigc")
    pm.add_hookspecs(hookspecs)
    for entry_point in metadata.entry_points(group=COMMAND_PACKAGES):
        try:
            pm.register(entry_point.load(), name=entry_point.name)
        except Exception as exc:  # any failure of a third-party import: leave it out, alone
            _left_out(f"command package {entry_point.name!r} ({entry_point.value})", exc)
    return pm


@functools.cache
def package_commands() -> Commands:
    """The commands of every command package."""
    return registered(command_packages())


def plugin_commands(ctx: click.Context) -> Commands:
    """The commands of the plugins this command line's settings load."""
    meta = ctx.find_root().meta
    if _PLUGIN_COMMANDS not in meta:
        try:
            pm = session(ctx).engine.host.pm
        except AigcError as exc:  # a broken config or, with strict_plugins, a broken plugin
            click.echo(f"warning: commands of plugins are left out: {exc}", err=True)
            meta[_PLUGIN_COMMANDS] = {}
        else:
            meta[_PLUGIN_COMMANDS] = registered(pm)
    return meta[_PLUGIN_COMMANDS]


def registered(pm: pluggy.PluginManager) -> Commands:
    """What each plugin's ``register_commands`` adds. Each gets a group of its own to add to,
    so nothing a plugin does outlives this command line or reaches another plugin's
    commands."""
    found: Commands = {}
    for given in call_each(pm, "register_commands", lambda plugin: {"cli": click.Group(plugin)},
                           lost="its commands"):
        for name, command in given["cli"].commands.items():
            found.setdefault(name, command)
    return found


def call_each(pm: pluggy.PluginManager, hook: str,
              arguments: Callable[[str], dict[str, Any]], lost: str) -> Iterator[dict[str, Any]]:
    """Call each plugin's ``hook`` with ``arguments(plugin_name)``, one plugin at a time so
    that one that raises is left out alone (one warning saying what is ``lost``); yields the
    arguments of each call that returned.

    >>> [given["cli"] for given in call_each(pm, "register_commands",
    ...                                      lambda p: {"cli": click.Group(p)}, "its commands")]
    """
    for impl in getattr(pm.hook, hook).get_hookimpls():
        given = arguments(impl.plugin_name)
        try:
            impl.function(**given)
        except Exception as exc:
            _left_out(f"plugin {impl.plugin_name!r}: {hook}", exc, lost)
            continue
        yield given


def _left_out(what: str, exc: Exception, lost: str = "its commands") -> None:
    click.echo(f"warning: {what} failed ({type(exc).__name__}: {exc}); {lost} are left out",
               err=True)
