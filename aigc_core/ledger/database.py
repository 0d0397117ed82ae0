"""Connecting to the ledger and keeping its schema current (Alembic, run from code).

Every failure to reach or write the database becomes a ``LedgerUnavailable`` that names the
setting (``ledger.url``) and says what to do; the URL is shown without its password.

    engine = connect(LedgerSettings(url="sqlite:///ledger.db"))
    upgrade(engine)                   # what `aigc ledger upgrade` does
    require_current(engine)           # LedgerOutdated unless upgraded
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from ..errors import AigcError, ConfigError
from .settings import LedgerSettings


class LedgerUnavailable(AigcError):
    """The ledger's database cannot be reached or written."""


class LedgerOutdated(AigcError):
    """The database's schema is older (or newer) than this aigc's."""


def connect(settings: LedgerSettings) -> Engine:
    """An engine for ``ledger.url``; a SQLite file's folder is created if missing."""
    try:
        url = make_url(settings.resolved_url())
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(f"ledger.url: {exc}; expected sqlite:///path/ledger.db or "
                          "postgresql://user@host/database") from None
    except OSError as exc:
        raise LedgerUnavailable(f"ledger.url: cannot create the folder of {url.database}: "
                                f"{exc.strerror}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers (aigc logs) never block the writer; a busy timeout instead of "database is
    # locked" when two processes write at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def describe(engine: Engine) -> str:
    """The ledger's URL for messages: never its password."""
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def explained(engine: Engine, doing: str) -> Iterator[None]:
    """Turn a database failure while ``doing`` something into one line that names the
    setting and the fix."""
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise LedgerUnavailable(
            f"ledger ({describe(engine)}, setting ledger.url): cannot {doing}: {reason}"
        ) from None


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location",
                           str(resources.files("aigc_core.ledger") / "migrations"))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The schema revision this aigc writes."""
    return _scripts().get_current_head()


def current(engine: Engine) -> str | None:
    """The database's schema revision (None: no ledger there yet)."""
    with explained(engine, "read the schema version"), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Apply every migration the database lacks; returns (from, to) revisions."""
    before = current(engine)
    with explained(engine, "upgrade the schema"), engine.begin() as connection:
        command.upgrade(_config(connection), "head")
    return before, head()


def require_current(engine: Engine, create: bool = False) -> None:
    """Refuse a database whose schema is not this aigc's; with ``create``, a database with no
    ledger yet gets one (SQLite's zero-configuration default)."""
    found = current(engine)
    if found == head():
        return
    if found is None and create:
        upgrade(engine)
        return
    state = "has no ledger tables" if found is None else f"has schema {found}"
    raise LedgerOutdated(
        f"the ledger at {describe(engine)} {state}; this aigc needs schema {head()}: run "
        "`aigc ledger upgrade` (with the same config) first")
