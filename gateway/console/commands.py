"""``aigc users``: the review console's people, kept in the ledger."""

from __future__ import annotations

import re
import sys
from typing import get_args

import click

from aigc_core.cli.common import Ctx, handle_errors
from aigc_core.cli.logs import opened
from aigc_core.ledger.records import USER_NAME, Role

from . import passwords


@click.group()
def users() -> None:
    """People who log in to the review console (aigc serve, /ui/) and their roles: viewer
    (reads), reviewer (also decides), admin (also decides; for operators)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(get_args(Role)), default="reviewer", show_default=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (scripts); "
                   "otherwise it is asked for, twice, without echo.")
@click.pass_obj
@handle_errors
def add(obj: Ctx, name: str, role: Role, password_stdin: bool) -> None:
    """Create a user, or set an existing one's role and password."""
    if not re.match(USER_NAME, name):
        raise click.BadParameter("1-64 letters, digits, '.', '_' or '-', starting with a "
                                 "letter or digit", param_hint="NAME")
    password = (sys.stdin.readline().rstrip("\r\n") if password_stdin
                else click.prompt("Password", hide_input=True, confirmation_prompt=True))
    try:
        hashed = passwords.hash_password(password)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="password") from None
    with opened(obj) as ledger:
        new = ledger.save_user(name, role, hashed)
    click.echo(f"{'added' if new else 'updated'} {name} ({role})")


@users.command("list")
@click.pass_obj
@handle_errors
def list_users(obj: Ctx) -> None:
    """Every user, with role and creation date."""
    with opened(obj) as ledger:
        found = ledger.users()
    for user in found:
        click.echo(f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d}")
    if not found:
        click.echo("no users yet: aigc users add NAME --role reviewer", err=True)


@users.command("remove")
@click.argument("name")
@click.pass_obj
@handle_errors
def remove(obj: Ctx, name: str) -> None:
    """Delete a user; their decisions stay in the ledger under their name."""
    with opened(obj) as ledger:
        if not ledger.remove_user(name):
            raise click.ClickException(f"no user {name!r}")
    click.echo(f"removed {name}")
