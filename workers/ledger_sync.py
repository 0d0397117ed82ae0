"""The ledger writer: drains the fleet's outbox stream (``P:ledger``, store.py) into the
ledger's database, in batches, idempotently.

Workers never wait on the database: the scripts that change a job's state append to the
outbox in the same atomic step, and this writer (``aigc ledger-sync``, one or more per
fleet) reads the stream as the consumer group ``ledger``. A batch is written in one
transaction, then acknowledged and deleted from the stream: a writer killed in between
leaves its entries pending, and the next read (its own, or another writer's claim after
``claim_idle`` seconds) writes them again, which adds nothing (records are keyed). While the
database is down the writer retries the same batch with backoff and the outbox holds the
rest; workers go on finishing jobs.

    writer = OutboxWriter(redis, queue_settings, ledger, consumer="sync@host")
    writer.run(stop=threading.Event())      # until stop is set
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from redis import Redis
from redis.exceptions import RedisError, ResponseError

from aigc_core import Job, Result
from aigc_core.config import Settings
from aigc_core.errors import AigcError
from aigc_core.ledger import Ledger, LedgerEvent, LedgerRecord

from .settings import QueueSettings, queue_settings
from .store import Store, connect

log = logging.getLogger("aigc.ledger.sync")

GROUP = "ledger"

Entry = tuple[bytes, dict[bytes, bytes]]


def _event(entry_id: str, fields: dict[str, str], **detail: Any) -> LedgerEvent:
    return LedgerEvent(key=f"{fields['job_id']}:{entry_id}", kind=fields["kind"],
                       at=datetime.fromisoformat(fields["at"]), detail=detail)


def _queued(entry_id: str, fields: dict[str, str]) -> LedgerRecord:
    return LedgerRecord(job_id=fields["job_id"], job=Job.model_validate_json(fields["job"]),
                        source="queue", submitter=fields.get("submitter") or None,
                        review=fields.get("review") or "off",
                        events=[_event(entry_id, fields)])


def _delivery(entry_id: str, fields: dict[str, str]) -> LedgerRecord:
    return LedgerRecord(job_id=fields["job_id"], source="queue", events=[_event(
        entry_id, fields, worker=fields["worker"], attempt=int(fields["attempt"]))])


def _finished(entry_id: str, fields: dict[str, str]) -> LedgerRecord:
    detail: dict[str, Any] = {"dead_letter": True} if fields.get("dead_letter") else {}
    if fields.get("review"):
        detail["review"] = fields["review"]
    return LedgerRecord(job_id=fields["job_id"], source="queue",
                        result=Result.model_validate_json(fields["result"]),
                        events=[_event(entry_id, fields, **detail)])


def _cancelled(entry_id: str, fields: dict[str, str]) -> LedgerRecord:
    return LedgerRecord(job_id=fields["job_id"], source="queue",
                        events=[_event(entry_id, fields)])


#: How each kind of outbox entry (ledger_outbox.lua) becomes a record.
_RECORD: dict[str, Callable[[str, dict[str, str]], LedgerRecord]] = {
    "queued": _queued, "started": _delivery, "retrying": _delivery,
    "succeeded": _finished, "failed": _finished, "awaiting_review": _finished,
    "cancelled": _cancelled,
}


def record_of(entry: Entry) -> LedgerRecord | None:
    """The record of one outbox entry; None (logged) for one that cannot be read, which is
    acknowledged and dropped: an entry that can never be written must not stop the rest."""
    entry_id = entry[0].decode()
    fields = {key.decode(): value.decode("utf-8", "replace") for key, value in entry[1].items()}
    try:
        return _RECORD[fields["kind"]](entry_id, fields)
    except (KeyError, ValueError, ValidationError, json.JSONDecodeError) as exc:
        log.error("ledger outbox entry %s cannot be recorded (%s: %s); dropped: %r",
                  entry_id, type(exc).__name__, exc, fields)
        return None


class OutboxWriter:
    """One consumer of the outbox, writing to one ledger."""

    def __init__(self, redis: Redis, settings: QueueSettings, ledger: Ledger, consumer: str,
                 batch: int = 1000, block: float = 1.0, claim_idle: float = 60.0,
                 retry_cap: float = 30.0, prune_every: float = 6 * 3600.0):
        self.redis = redis
        self.stream = Store.outbox_key(settings.prefix)
        self.ledger = ledger
        self.consumer = consumer
        self.batch = batch
        self.block_ms = int(block * 1000)
        self.claim_idle_ms = int(claim_idle * 1000)
        self.retry_cap = retry_cap
        self._pending_first = True  # after a start or a failure: our own unacknowledged
        self.written = 0
        self.prune_every = prune_every
        self._pruned_at: float | None = None  # monotonic; None: prune on the first round

    def ensure_group(self) -> None:
        """The consumer group, reading from the stream's first entry (entries added before
        the first writer started are recorded too)."""
        try:
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _read(self, block: bool) -> list[Entry]:
        if self._pending_first:
            # Ours first: entries read before a crash or a failed write, not yet recorded.
            entries = self._xread("0", block=False)
            if entries:
                return entries
            self._pending_first = False
        # Then entries another writer read and never acknowledged (it died).
        claimed = self.redis.xautoclaim(self.stream, GROUP, self.consumer,
                                        self.claim_idle_ms, "0-0", count=self.batch)[1]
        if claimed:
            return claimed
        return self._xread(">", block=block)

    def _xread(self, start: str, block: bool) -> list[Entry]:
        found = self.redis.xreadgroup(GROUP, self.consumer, {self.stream: start},
                                      count=self.batch, block=self.block_ms if block else None)
        return found[0][1] if found else []

    def drain_once(self, block: bool = True) -> int:
        """Read one batch, record it, acknowledge it; returns how many entries. Raises
        ``AigcError`` (LedgerUnavailable) if the database refused the batch: the entries stay
        pending, to be written again."""
        self.ensure_group()
        entries = self._read(block)
        if not entries:
            return 0
        trimmed = [entry[0].decode() for entry in entries if not entry[1]]
        if trimmed:
            log.error("%d ledger outbox entries were trimmed before they were recorded (the "
                      "stream reached queue.ledger_outbox_max while the ledger was down or "
                      "no writer ran); first: %s", len(trimmed), trimmed[0])
        records = [record for record in map(record_of, (e for e in entries if e[1]))
                   if record is not None]
        try:
            self.ledger.record(records)
        except AigcError:
            self._pending_first = True
            raise
        ids = [entry[0] for entry in entries]
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
            pipe.execute()
        self.written += len(records)
        return len(entries)

    def drain(self) -> int:
        """Record everything in the outbox now, then return how many entries."""
        total = 0
        while count := self.drain_once(block=False):
            total += count
        return total

    def _prune_when_due(self) -> None:
        """Retention (``ledger.retention_days``) every ``prune_every`` seconds, so that a
        fleet needs no cron job for it."""
        now = time.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < self.prune_every:
            return
        self._pruned_at = now
        gone = self.ledger.prune()
        if gone:
            log.info("pruned %d job(s) older than %d days", gone,
                     self.ledger.settings.retention_days)

    def run(self, stop: threading.Event) -> None:
        """Record entries as they come until ``stop`` is set, pruning old records every
        ``prune_every`` seconds; a database that is down is retried with backoff
        (``retry_cap`` seconds at most between tries)."""
        wait = 0.5
        while not stop.is_set():
            try:
                self.drain_once(block=True)
                self._prune_when_due()
                wait = 0.5
            except (AigcError, RedisError) as exc:
                log.warning("%s; the outbox keeps the jobs, retrying in %.1f s", exc, wait)
                stop.wait(wait)
                wait = min(wait * 2, self.retry_cap)


def sync(settings: Settings, consumer: str, once: bool = False,
         stop: threading.Event | None = None) -> int:
    """What ``aigc ledger-sync`` does: open the ledger (refusing an outdated schema), then
    record the outbox until ``stop`` is set, or with ``once`` until it is empty. Returns the
    records written."""
    queue = queue_settings(settings)
    ledger = Ledger.open(settings.ledger)
    redis = connect(queue)
    try:
        writer = OutboxWriter(redis, queue, ledger, consumer)
        if once:
            writer.drain()
        else:
            writer.run(stop or threading.Event())
        return writer.written
    finally:
        redis.close()
        ledger.close()
