"""The ledger as its users see it: record, list, show, export, prune.

    ledger = Ledger.open(settings.ledger)          # LedgerOutdated unless upgraded
    ledger.record([inline_record(job, result)])
    for entry in ledger.list(Filters(state="failed", limit=10)):
        print(entry.job_id, entry.text)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import Engine

from ..jobs import Result, utcnow
from ..review.models import Review
from . import database, queries, reviews, stats, users, writer
from .queries import Filters, JobRecord, LedgerEntry
from .records import LedgerRecord
from .settings import LedgerSettings


class Ledger:
    """One ledger database. Its schema is checked when it is opened."""

    def __init__(self, engine: Engine, settings: LedgerSettings):
        self.engine = engine
        self.settings = settings

    @classmethod
    def open(cls, settings: LedgerSettings) -> Ledger:
        """Connect and check the schema. A SQLite ledger that does not exist yet is created
        (zero configuration); any other missing or older schema asks for ``aigc ledger
        upgrade``, which an operator runs once per release."""
        engine = database.connect(settings)
        database.require_current(engine, create=engine.dialect.name == "sqlite")
        return cls(engine, settings)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def record(self, records: Iterable[LedgerRecord]) -> None:
        """Write ``records`` in one transaction; what is recorded already is left as it is."""
        with database.explained(self.engine, "record jobs"), self.engine.begin() as connection:
            writer.write(connection, records)

    def list(self, filters: Filters) -> list[LedgerEntry]:
        with database.explained(self.engine, "read jobs"), self.engine.connect() as connection:
            return queries.listing(connection, filters)

    def show(self, job_id: str) -> JobRecord | None:
        """The job's whole record, its review included."""
        with database.explained(self.engine, "read a job"), self.engine.connect() as connection:
            record = queries.job_record(connection, job_id)
            if record is not None:
                record.review = reviews.review_of(connection, job_id)
            return record

    def review(self, job_id: str) -> Review | None:
        with database.explained(self.engine, "read a review"), \
                self.engine.connect() as connection:
            return reviews.review_of(connection, job_id)

    def decide(self, change: reviews.Change) -> Review | None:
        """Apply one review decision (reviews.py); the review as it now stands, or None when
        the review had moved on from the version read (nothing was written)."""
        with database.explained(self.engine, "record a review decision"), \
                self.engine.begin() as connection:
            if not reviews.apply(connection, change):  # it wrote nothing
                return None
            return reviews.review_of(connection, change.job_id)

    def stats(self, since: datetime) -> stats.Stats:
        """Jobs per day by generator, model and outcome since ``since``; reviews by state."""
        with database.explained(self.engine, "count jobs"), self.engine.connect() as connection:
            return stats.stats(connection, since)

    def user(self, name: str) -> users.User | None:
        with self.engine.connect() as connection:
            return users.get(connection, name)

    def users(self) -> list[users.User]:
        with self.engine.connect() as connection:
            return users.every(connection)

    def save_user(self, name: str, role: users.Role, password_hash: str) -> bool:
        """Create a console user or change one's role and password; whether it was new."""
        with self.engine.begin() as connection:
            return users.save(connection, name, role, password_hash)

    def remove_user(self, name: str) -> bool:
        with self.engine.begin() as connection:
            return users.remove(connection, name)

    def cached(self, key: str) -> Result | None:
        """The newest succeeded result recorded with this ``cache_key`` (cache.py)."""
        with database.explained(self.engine, "read the cache"), \
                self.engine.connect() as connection:
            return queries.cached(connection, key)

    def export(self, filters: Filters, page: int = 500) -> Iterator[JobRecord]:
        """Every record ``filters`` selects (``limit`` is their total), newest first, read a
        page at a time."""
        left = filters.limit
        cursor = filters.before
        while left > 0:
            entries = self.list(filters.model_copy(update={"limit": min(page, left),
                                                           "before": cursor}))
            for entry in entries:
                record = self.show(entry.job_id)
                if record is not None:
                    yield record
            if len(entries) < min(page, left):
                return
            left -= len(entries)
            cursor = (entries[-1].created_at, entries[-1].job_id)

    def prune(self, now: datetime | None = None) -> int:
        """Delete what is older than ``ledger.retention_days``; returns how many jobs."""
        cutoff = (now or utcnow()) - timedelta(days=self.settings.retention_days)
        with database.explained(self.engine, "prune"), self.engine.connect() as connection:
            return queries.prune(connection, cutoff)
