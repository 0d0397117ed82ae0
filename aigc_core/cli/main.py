"""The ``aigc`` command. Each group of subcommands lives in its own module."""

from __future__ import annotations

import logging

import click

from ..errors import AigcError
from .common import Ctx


@click.group()
@click.option("--config", "-c", type=click.Path(dir_okay=False), envvar="AIGC_CONFIG",
              help="Config file (TOML). Default: $AIGC_CONFIG, else ./aigc.toml if present.")
@click.option("--verbose", "-v", is_flag=True, help="Log what the engine does.")
@click.version_option(package_name="aigc")
@click.pass_context
def cli(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """AI content automation: generators from plugins, run inline or on worker fleets."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Ctx(config)


def _register_commands() -> None:
    from aigc_gateway import cli as gateway
    from aigc_workers import cli as queue

    from . import generate, inspect

    for module in (inspect, generate, queue, gateway):
        for command in module.COMMANDS:
            cli.add_command(command)
    _plugin_commands()


def _plugin_commands() -> None:
    # Plugins add commands before the engine exists; a broken plugin or config must not take
    # the whole command line down with it (the engine reports them when it is built).
    from ..config import load_settings
    from ..plugins import load_plugins

    try:
        settings = load_settings()
        host = load_plugins(settings.enable_plugins, settings.disable_plugins)
    except AigcError:
        return
    for impl in host.pm.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli=cli)
        except Exception as exc:
            logging.getLogger(__name__).error(
                "plugin %r: register_commands failed: %s", impl.plugin_name, exc)


_register_commands()
