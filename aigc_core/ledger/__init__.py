"""The content ledger: every job, state change and result, kept in SQLite or PostgreSQL.

- ``settings.py``: ``[ledger]`` (url, log, retention_days);
- ``records.py``: what is written (``LedgerRecord``: a job, its result, its events);
- ``schema.py``: the tables; ``migrations/``: Alembic revisions that create them;
- ``database.py``: connecting, errors that name ``ledger.url``, schema checks and upgrades;
- ``writer.py``: idempotent batch inserts; ``queries.py``: listing, one job, pruning;
  ``search.py``: full-text search per database;
- ``store.py``: ``Ledger``, what the command line, the engine and the queue's writer use;
- ``cache.py``: the result cache's key and who asks for it; ``recorder.py`` and ``handle.py``:
  the engine's use of the ledger (recording inline runs, cache lookups), never failing a job.

Inline runs are recorded by the engine (``Engine.run``); queued jobs reach the ledger through
the Redis outbox that the queue's writer drains (docs/ledger.md).
"""

import importlib
from typing import Any

# Where each public name lives. Imported on first use: the settings module is read with every
# configuration, and SQLAlchemy and Alembic take a while to import.
_PUBLIC = {
    "LedgerOutdated": "database", "LedgerUnavailable": "database",
    "Filters": "queries", "JobRecord": "queries", "LedgerEntry": "queries",
    "LedgerEvent": "records", "LedgerRecord": "records", "inline_record": "records",
    "LedgerSettings": "settings", "Ledger": "store",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
