"""The console benchmark runs in a tiny size and reports what its table shows (not a timed
test): a seeded ledger served by a real ``aigc serve``, a login through the form, every page
asked and answered as expected, queue pages listing what the seeded reviews select, and the
ledger calls behind them timed with their plans."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from aigc_core.ledger import Filters, Ledger, LedgerSettings
from benchmarks import console
from benchmarks.context import Context
from benchmarks.fleet import Fleet

pytestmark = pytest.mark.timeout(240)

TINY = console.Plan(jobs=2_000, repetitions=4, dashboard_repetitions=2, concurrent_requests=2,
                    ledger_repetitions=1, page_budget_s=60.0)


def test_the_seeded_ledger_holds_the_reviews_it_reports(tmp_path: Path):
    seeded = console.seed_ledger(tmp_path / "ledger.db", 1_000, lambda _line: None)
    assert sum(len(ids) for ids in seeded.by_review.values()) == 1_000
    awaiting = seeded.by_review["awaiting_review"]
    assert 50 <= len(awaiting) <= 150  # a fifth under review, half of them awaiting
    with Ledger.open(LedgerSettings(url=seeded.url)) as ledger:
        year = datetime.now(timezone.utc) - timedelta(days=365)
        assert ledger.stats(year).reviews == {
            state: len(ids) for state, ids in seeded.by_review.items() if state and ids}
        newest = ledger.list(Filters(review="awaiting_review", limit=1_000))
        assert {entry.job_id for entry in newest} == set(awaiting)
        record = ledger.show(seeded.by_review["rejected"][0])
        assert record is not None and record.review is not None
        assert record.review.state == "rejected" and record.review.version == 1
        assert record.events[-1].kind == "rejected"
        assert ledger.user(console.USER) is not None


def test_a_tiny_run_serves_every_page_and_reports_it(fleet: Fleet, tmp_path: Path):
    report = console.run(Context(fleet), plan=TINY)
    rows = {row["what"]: row for row in report.rows}
    pages = [row for what, row in rows.items() if what.split(":")[0] in (
        "baseline", "queue", "job page", "dashboard")]
    assert len(pages) == 16
    for row in pages:
        planned = (TINY.dashboard_repetitions if row["what"].startswith("dashboard") else
                   TINY.repetitions // 2 if "none left" in row["what"] else TINY.repetitions)
        assert row["requests"] == planned, row
        assert 0 < row["p50 ms"] <= row["p95 ms"] <= row["max ms"], row
        assert row["p95 / healthz p50"] > 0 and row["p95 / API job p50"] > 0, row
        if row["what"].startswith("queue:") and "/ui/next" not in row["what"]:
            # what the page lists is what the seeded reviews select, a page at most
            assert row["rows"] == min(console.PAGE, row["matching"]), row
    assert rows["queue: awaiting review (the default)"]["rows"] == console.PAGE
    assert rows["queue: unreviewed (none are: reads every job)"]["rows"] == 0
    # then every open review was decided: the default queue lists nothing
    assert report.params["caught_up"] == rows["queue: awaiting review (the default)"][
        "matching"]
    assert rows["queue: awaiting review, none left (all decided)"]["rows"] == 0
    together = [row for what, row in rows.items() if what.startswith("4 clients")]
    assert len(together) == 4 and all(row["req/s"] > 0 for row in together)
    calls = report.params["ledger_calls"]
    assert len(calls) == 14
    assert all(call["plan"] and call["seconds"] for call in calls.values())
    assert [t.name.split(":")[0] for t in report.targets] == [
        "queue pages (and /ui/next)", "job pages", "dashboard"]
    assert all("2,000 jobs" in t.name for t in report.targets)
    assert not list(tmp_path.glob("console-bench.db*"))  # the ledger is removed afterwards
