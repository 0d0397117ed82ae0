"""The ``aigc`` command. Each group of subcommands lives in its own module; those of other
packages and of plugins arrive through the ``register_commands`` hook (``commands.py``)."""

from __future__ import annotations

import click

from . import eval as eval_cli
from . import generate, inspect, ledger, logs, plugin_new
from .commands import CommandGroup
from .common import session


@click.group(cls=CommandGroup)
# Eager, so that `aigc -c FILE --help` lists the plugin commands of FILE's settings.
@click.option("--config", "-c", type=click.Path(dir_okay=False), envvar="AIGC_CONFIG",
              is_eager=True,
              help="Config file (TOML). Default: $AIGC_CONFIG, else ./aigc.toml if present.")
@click.option("--verbose", "-v", is_flag=True, is_eager=True, help="Log what the engine does.")
@click.version_option(package_name="aigc")
@click.pass_context
def cli(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """AI content automation: generators from plugins, run inline or on worker fleets."""
    session(ctx)  # reads --config and --verbose; made already if a plugin's command ran


# The core's own commands; each module lists its commands in COMMANDS.
for command in (*inspect.COMMANDS, *generate.COMMANDS, *plugin_new.COMMANDS,
                *eval_cli.COMMANDS, *logs.COMMANDS, *ledger.COMMANDS):
    cli.add_command(command)
