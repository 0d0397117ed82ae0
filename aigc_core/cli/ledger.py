"""``aigc ledger``: the ledger's schema and retention (``upgrade``, ``status``, ``prune``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from ..config import load_settings
from .common import Ctx, handle_errors
from .logs import opened

if TYPE_CHECKING:
    from sqlalchemy import Engine


@click.group()
def ledger() -> None:
    """The ledger's database: schema upgrades, status, retention."""


@contextmanager
def _database(obj: Ctx) -> Iterator[Engine]:
    """The ledger's database, whatever its schema (these commands are how it changes)."""
    from ..ledger import database

    engine = database.connect(load_settings(obj.config).ledger)
    try:
        yield engine
    finally:
        engine.dispose()


@ledger.command()
@click.pass_obj
@handle_errors
def upgrade(obj) -> None:
    """Create the ledger's tables, or bring them to this aigc's schema."""
    from ..ledger.database import describe, upgrade

    with _database(obj) as engine:
        before, after = upgrade(engine)
        where = describe(engine)
    click.echo(f"ledger {where}: schema {after} (already current)" if before == after
               else f"ledger {where}: schema {before or 'none'} -> {after}")


@ledger.command()
@click.pass_obj
@handle_errors
def status(obj) -> None:
    """Where the ledger is and whether its schema is current; exits 1 if it is not."""
    from ..ledger.database import current, describe, head

    with _database(obj) as engine:
        found, wanted, where = current(engine), head(), describe(engine)
    click.echo(f"ledger {where}: schema {found or 'none'}, this aigc writes {wanted}")
    if found != wanted:
        click.echo("run `aigc ledger upgrade` to bring it up to date", err=True)
        raise SystemExit(1)


@ledger.command()
@click.pass_obj
@handle_errors
def prune(obj) -> None:
    """Delete records older than ledger.retention_days (default 180)."""
    with opened(obj) as store:
        gone = store.prune()
        click.echo(f"pruned {gone} job(s) older than {store.settings.retention_days} days")


COMMANDS = [ledger]
