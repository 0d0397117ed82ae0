"""What the history routes read: the ledger (docs/ledger.md), opened on first use, with
each key seeing only the jobs it submitted (unless ``see_all_jobs``; a ``reviewer`` key reads
every job's record, as it decides on any key's).

A page's cursor is opaque to clients: the last job's creation time and id, base64url-encoded.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from aigc_core.config import Settings
from aigc_core.errors import ConfigError
from aigc_core.ledger import (
    Filters,
    JobRecord,
    Ledger,
    LedgerEntry,
    LedgerOutdated,
    LedgerUnavailable,
)

from .auth import Caller
from .errors import ApiError, not_found

T = TypeVar("T")

#: Seconds a client should wait before asking again when the ledger is down.
_RETRY = 5
#: What a ledger that cannot be used raises (its url, its server, its schema).
_UNAVAILABLE = (ConfigError, LedgerUnavailable, LedgerOutdated)


def encode_cursor(entry: LedgerEntry) -> str:
    raw = json.dumps([entry.created_at.isoformat(), entry.job_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, job_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(at), str(job_id)
    except (ValueError, TypeError) as exc:
        raise ApiError(422, "invalid_request", "cursor is not one this API gave; pass the "
                                               "next_cursor of the previous page") from exc


class History:
    """The ledger as the gateway reads it. ``in_store(caller, job_id)`` raises 404 unless the
    job store holds a job of the caller's: a job it holds that the ledger has not recorded
    yet is answered 409, not 404."""

    def __init__(self, settings: Settings, in_store: Callable[[Caller, str], object]):
        self.settings = settings.ledger
        self._in_store = in_store
        self._ledger: Ledger | None = None
        self._lock = threading.Lock()

    def _open(self) -> Ledger:
        with self._lock:
            if self._ledger is None:
                self._ledger = Ledger.open(self.settings)
            return self._ledger

    def read(self, read: Callable[[Ledger], T]) -> T:
        """``read(ledger)``; 503 when the ledger cannot be opened or read."""
        try:
            return read(self._open())
        except _UNAVAILABLE as exc:
            # The detail names the database and the setting: the operator's, not the client's.
            raise ApiError(503, "unavailable", f"the ledger cannot be read: {exc}",
                           headers={"Retry-After": str(_RETRY)}) from None

    def page(self, caller: Caller, filters: Filters,
             every_key: bool = False) -> tuple[list[LedgerEntry], str | None]:
        """Jobs matching ``filters`` that ``caller`` may see (every key's with
        ``every_key``: a reviewer's queue), and the next page's cursor."""
        if not (every_key or caller.config.see_all_jobs):
            filters = filters.model_copy(update={"submitter": caller.name})
        entries = self.read(lambda ledger: ledger.list(filters))
        more = len(entries) == filters.limit
        return entries, encode_cursor(entries[-1]) if entries and more else None

    def record(self, caller: Caller, job_id: str, every_key: bool = False) -> JobRecord:
        """One job's whole record; 404 for an unknown job or another key's (unless
        ``every_key``), 409 for one the ledger has not recorded yet."""
        record = self.read(lambda ledger: ledger.show(job_id))
        if record is None:
            self._in_store(caller, job_id)
            # The outbox is eventually consistent: the job exists, its record comes soon.
            raise ApiError(409, "not_recorded", f"job {job_id!r} is not in the ledger yet: the "
                           "ledger's writer (aigc ledger-sync) records it shortly; retry",
                           headers={"Retry-After": "1"})
        reads_all = every_key or caller.config.see_all_jobs or caller.config.reviewer
        if not (reads_all or record.submitter == caller.name):
            raise not_found(job_id)
        return record

    def close(self) -> None:
        with self._lock:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
