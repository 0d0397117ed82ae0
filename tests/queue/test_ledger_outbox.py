"""Queued jobs reach the ledger through the outbox: real Redis, real workers, a real SQLite
file and a real PostgreSQL server that is killed and restarted while jobs run."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import create_engine, func, select

from aigc_core import Job
from aigc_core.ledger import Filters, Ledger, LedgerSettings, database, schema
from aigc_workers.client import Client
from aigc_workers.ledger_sync import GROUP, OutboxWriter
from aigc_workers.settings import queue_settings as queue_of
from aigc_workers.store import Store
from tests.support.ports import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]


def work(text: str, **fields: Any) -> Job:
    return Job(generator="qtest.work", model="qtest", input={"text": text, **fields})


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: connection.execute(select(func.count()).select_from(table))
                    .scalar_one() for table in (schema.jobs, schema.results, schema.events)}
    finally:
        engine.dispose()


def test_queued_and_cancelled_jobs_are_recorded_with_their_events(
        client: Client, worker, queue_settings, tmp_path):
    worker(pool="threads", concurrency=2)
    ids = [client.submit(work(text)) for text in ("alpha", "beta", "gamma")]
    results = client.wait(ids, timeout=60)
    never_run = client.submit(Job(generator="qtest.work", model="qtest2",
                                  input={"text": "delta"}))  # no worker serves qtest2
    assert client.cancel(never_run)

    url = f"sqlite:///{tmp_path}/fleet.db"
    settings = queue_settings().model_copy(update={"ledger": LedgerSettings(url=url)})
    from aigc_workers.ledger_sync import sync

    assert sync(settings, "test-writer", once=True) == 3 * 3 + 2
    assert sync(settings, "test-writer", once=True) == 0  # drained: nothing twice
    with Ledger.open(settings.ledger) as ledger:
        for job_id in ids:
            record = ledger.show(job_id)
            assert record.source == "queue"
            assert record.result == results[job_id]
            assert [e.kind for e in record.events] == ["queued", "started", "succeeded"]
            assert record.events[1].detail["attempt"] == 1
            assert record.events[1].detail["worker"].startswith("w1@")
        cancelled = ledger.show(never_run)
        assert cancelled.job.input == {"text": "delta"} and cancelled.result is None
        assert [e.kind for e in cancelled.events] == ["queued", "cancelled"]
        assert [e.job_id for e in ledger.list(Filters(state="cancelled"))] == [never_run]
    assert client.redis.xlen(Store.outbox_key("aigc")) == 0  # recorded entries are deleted


def test_a_writer_that_died_mid_batch_is_taken_over(client: Client, worker, queue_settings,
                                                    tmp_path):
    worker(pool="threads", concurrency=2)
    ids = [client.submit(work(f"job {i}")) for i in range(4)]
    client.wait(ids, timeout=60)
    settings = queue_settings()
    queue = queue_of(settings)
    with Ledger.open(LedgerSettings(url=f"sqlite:///{tmp_path}/l.db")) as ledger:
        dead = OutboxWriter(client.redis, queue, ledger, "dead", batch=5)
        dead.ensure_group()
        # It read a batch and died before recording it: the entries stay pending on it.
        assert len(dead._read(block=False)) == 5
        heir = OutboxWriter(client.redis, queue, ledger, "heir", claim_idle=0.0)
        heir.drain()
        assert heir.written == 4 * 3
        assert all(len(ledger.show(job_id).events) == 3 for job_id in ids)
    pending = client.redis.xpending(Store.outbox_key("aigc"), GROUP)
    assert pending["pending"] == 0


def test_outbox_off_writes_no_stream(client: Client, worker, queue_config, queue_settings):
    queue_config["ledger_outbox"] = False
    with Client(queue_settings()) as quiet:
        worker(pool="threads", concurrency=1)
        quiet.wait([quiet.submit(work("quiet"))], timeout=60)
        assert not quiet.redis.exists(Store.outbox_key("aigc"))


def test_postgresql_killed_and_restarted_mid_run_loses_and_doubles_nothing(
        client: Client, worker, queue_settings, postgres_server, postgres_url, redis_server):
    settings = queue_settings().model_copy(update={"ledger": LedgerSettings(url=postgres_url)})
    database.upgrade(database.connect(settings.ledger))  # `aigc ledger upgrade`
    ledger = Ledger.open(settings.ledger)
    writer = OutboxWriter(Redis.from_url(redis_server.url), queue_of(settings), ledger,
                          "pg-writer", batch=4, block=0.2, retry_cap=0.5)
    stop = threading.Event()
    thread = threading.Thread(target=writer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        worker(pool="threads", concurrency=4)
        first = [client.submit(work(f"before {i}")) for i in range(10)]
        client.wait(first, timeout=60)
        wait_until(lambda: counts(postgres_url)["results"] == 10, 30, "the first ten recorded")
        postgres_server.kill()  # a crash: no clean shutdown
        second = [client.submit(work(f"during {i}", sleep=0.05)) for i in range(20)]
        results = client.wait(second, timeout=60)  # workers never wait on the database
        assert all(r is not None and r.ok for r in results.values())
        postgres_server.start()
        wait_until(lambda: counts(postgres_url)["results"] == 30, 60, "the ledger catching up")
    finally:
        stop.set()
        thread.join(10)
        ledger.close()
    assert counts(postgres_url) == {"jobs": 30, "results": 30, "events": 90}
    with Ledger.open(settings.ledger) as reopened:
        assert {e.job_id for e in reopened.list(Filters(limit=100))} == {*first, *second}



def test_workers_answer_a_repeated_job_from_the_cache(client: Client, worker, queue_settings,
                                                      tmp_path):
    url = f"sqlite:///{tmp_path}/cache.db"
    worker(pool="threads", concurrency=1,
           env={"AIGC_LEDGER__URL": url, "AIGC_LEDGER__CACHE": '["qtest.*@qtest"]'})
    first = client.submit(work("same words"))
    assert client.result(first, timeout=60).ok
    settings = queue_settings().model_copy(update={"ledger": LedgerSettings(url=url)})
    from aigc_workers.ledger_sync import sync

    sync(settings, "test-writer", once=True)  # the first result reaches the ledger
    again = client.result(client.submit(work("same words")), timeout=60)
    assert again.ok and again.provenance.cached_from == first
    other = client.result(client.submit(work("other words")), timeout=60)
    assert other.provenance.cached_from is None


def test_the_writer_prunes_what_retention_no_longer_keeps(client: Client, queue_settings,
                                                          tmp_path):
    from datetime import timedelta

    from aigc_core.jobs import utcnow
    from aigc_core.ledger import LedgerEvent, LedgerRecord

    settings = LedgerSettings(url=f"sqlite:///{tmp_path}/old.db", retention_days=30)
    old = Job(generator="qtest.work", model="qtest", input={"text": "last year"})
    with Ledger.open(settings) as ledger:
        ledger.record([LedgerRecord(job_id=old.id, job=old, events=[LedgerEvent(
            key=f"{old.id}:queued", kind="queued", at=utcnow() - timedelta(days=31))])])
        writer = OutboxWriter(client.redis, queue_of(queue_settings()), ledger, "pruner",
                              block=0.1)
        stop = threading.Event()
        thread = threading.Thread(target=writer.run, args=(stop,), daemon=True)
        thread.start()
        try:
            wait_until(lambda: ledger.show(old.id) is None, 10, "the old job pruned")
        finally:
            stop.set()
            thread.join(10)
