"""``aigc serve`` (the HTTP gateway), ``aigc api-key`` (a new key for it) and ``aigc users``
(the review console's people)."""

from __future__ import annotations

import json

import click
from pydantic import ValidationError

from aigc_core.cli.common import handle_errors
from aigc_core.config import load_settings
from aigc_core.errors import ConfigError
from aigc_core.hookspecs import hookimpl
from aigc_core.problems import from_validation_error

from .console.commands import users
from .keys import hash_key, new_key
from .settings import GatewaySettings, gateway_settings

_EXTRA = "the gateway needs its extra: pip install 'aigc[gateway]'"


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: gateway.host).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (default: gateway.port).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
@click.pass_obj
@handle_errors
def serve(obj, host: str | None, port: int | None, log_level: str) -> None:
    """Serve the HTTP API for queued jobs (docs/http-api.md).

    One process serves many clients (it is asynchronous); run more behind a load balancer
    for more. Rate limits are counted in Redis, so they hold across all of them.
    """
    try:  # imported here: every `aigc` command registers this one
        import uvicorn

        from .app import create_app
    except ImportError as exc:
        raise click.ClickException(f"{_EXTRA} ({exc})") from None
    settings = load_settings(obj.config)
    config = gateway_settings(settings)
    if not config.api_keys:
        raise ConfigError("gateway.api_keys is empty, so every request would be refused; "
                          "make a key with `aigc api-key NAME` (docs/http-api.md)")
    uvicorn.run(create_app(settings), host=host or config.host, port=port or config.port,
                log_level=log_level, server_header=False,
                timeout_graceful_shutdown=config.shutdown_timeout)


@click.command("api-key")
@click.argument("name")
@click.option("--generator", "-g", "generators", multiple=True,
              help="A generator the key may use; shell patterns work ('news.*'). "
                   "Repeatable. Default: all.")
@click.option("--rate-limit", type=click.IntRange(min=1), default=None,
              help="Requests per gateway.rate_window (default 600).")
@click.option("--reviewer", is_flag=True,
              help="The key may read every job and decide on reviews (docs/review.md).")
def api_key(name: str, generators: tuple[str, ...], rate_limit: int | None,
            reviewer: bool) -> None:
    """Make a new API key for the gateway.

    Prints the [gateway.api_keys.NAME] table with the key's hash on standard output (append
    it to aigc.toml) and the key itself on standard error, once: give it to the service, it
    is not stored anywhere.
    """
    key = new_key()
    table: dict[str, object] = {"sha256": hash_key(key)}
    if generators:
        table["generators"] = list(generators)
    if rate_limit is not None:
        table["rate_limit"] = rate_limit
    if reviewer:
        table["reviewer"] = True
    try:  # checked as the config file will be, so that a bad name fails now, not at start-up
        GatewaySettings.model_validate({"api_keys": {name: table}})
    except ValidationError as exc:
        problems = from_validation_error(exc.errors(), prefix="gateway")
        raise click.UsageError("; ".join(map(str, problems))) from None
    click.echo(f"API key {name!r} (shown once; give it to the service): {key}", err=True)
    click.echo(f"\n[gateway.api_keys.{name}]")
    for field, value in table.items():
        click.echo(f"{field} = {json.dumps(value)}")


@hookimpl
def register_commands(cli: click.Group) -> None:
    for command in (serve, api_key, users):
        cli.add_command(command)
