"""The ledger benchmark runs in a tiny size and reports what its table shows (not a timed
test): its records are valid, its fast fill writes exactly what ``Ledger.record`` writes, and
its queries find what it counted, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from aigc_core.jobs import utcnow
from aigc_core.ledger import LedgerRecord
from benchmarks import ledger
from tests.queue.conftest import running_redis
from tests.support.postgres import PostgresServer

#: One measured batch at each end and one bulk batch between them.
TINY = ledger.Plan(results=3_000, outbox_jobs=100, repetitions=1, fill_budget_s=120.0)


def _postgres_urls(server: PostgresServer, count: int) -> Iterator[list[str]]:
    if not server.running:
        server.start()
    names = [f"bench_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    try:
        yield [server.create_database(name) for name in names]
    finally:
        for name in names:
            server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """Two empty databases of each kind."""
    if request.param == "sqlite":
        yield "sqlite", [f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"]
        return
    yield from (("postgresql", made) for made in _postgres_urls(
        request.getfixturevalue("postgres_server"), 2))


def test_bulk_insert_writes_exactly_what_ledger_record_writes(urls):
    kind, (first, second) = urls
    batch = ledger.Records(1_000, end=utcnow(), seed=7).batch(40)
    for record in batch[:5]:  # built without validation: they must be valid all the same
        assert LedgerRecord.model_validate(record.model_dump()) == record
    recorded, bulk = ledger.Database.open(kind, first), ledger.Database.open(kind, second)
    try:
        recorded.ledger.record(batch)
        ledger.bulk_insert(bulk, batch)
        for table, key in (("jobs", "job_id"), ("results", "job_id"), ("events", "key")):
            query = f"SELECT * FROM {table} ORDER BY {key}"
            with recorded.ledger.engine.connect() as a, bulk.ledger.engine.connect() as b:
                assert a.exec_driver_sql(query).all() == b.exec_driver_sql(query).all(), table
    finally:
        recorded.ledger.close()
        bulk.ledger.close()


def test_a_tiny_run_fills_queries_and_drains_the_outbox(urls, tmp_path: Path):
    kind, (url, _) = urls
    report = ledger.new_report(TINY)
    (tmp_path / "redis").mkdir()
    with running_redis(tmp_path / "redis") as redis:
        ledger.measure(kind, url, redis.url, TINY, report, progress=lambda _line: None)
    rows = {row["what"]: row for row in report.rows}
    assert rows["Ledger.list -n 20, no filter"]["rows"] == 20
    listings = [row for what, row in rows.items() if what.startswith("Ledger.list")]
    assert len(listings) == 8
    for row in listings:  # what the records counted is what the database finds
        assert row["rows"] == min(20, row["matching"]), row
        assert row["p50 ms"] > 0
    assert all(plan["plan"] for plan in report.params["plans"][kind].values())
    writer = [row for what, row in rows.items() if what.startswith("Ledger.record")]
    assert len(writer) == 2 and all(row["records/s"] > 0 for row in writer)
    outbox = report.params["outbox"][kind]
    assert outbox["entries"] == outbox["written"] == 3 * TINY.outbox_jobs
    assert [t.name.split(":")[0] for t in report.targets] == [kind] * 3
    assert not report.params["fill"][kind]["stopped_early"]
    fill = report.params["fill"][kind]
    assert fill["recorded"] == TINY.results and fill["bulk_records"] == 1_000
    # PostgreSQL's full-text index was dropped for the bulk fill and built again after it.
    assert (fill["index_build_seconds"] > 0) == (kind == "postgresql")
