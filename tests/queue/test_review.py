"""Review through the fleet: a real worker finishes jobs under required review as
``awaiting_review``, the outbox brings them to a real SQLite ledger's review queue, and a
decision made there reaches the job store that clients (and Celery's AsyncResult) read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from aigc_core import Job
from aigc_core.config import Settings
from aigc_core.ledger import Filters, Ledger, LedgerSettings
from aigc_core.review.desk import ReviewDesk
from aigc_core.review.models import Approve, Reject
from aigc_core.review.settings import ReviewSettings
from aigc_workers.client import Client
from aigc_workers.ledger_sync import sync

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


@pytest.fixture
def settings(queue_settings: Callable[[], Settings], tmp_path: Path) -> Settings:
    return queue_settings().model_copy(update={
        "ledger": LedgerSettings(url=f"sqlite:///{tmp_path}/fleet.db"),
        "review": ReviewSettings(generators={"qtest.work": "required"})})


def test_a_fleet_holds_required_review_until_a_person_decides(worker, settings: Settings):
    worker(pool="threads", concurrency=2)
    with Client(settings) as client:
        jobs = {text: client.submit(Job(generator="qtest.work", model="qtest",
                                        input={"text": text, "fail": text == "broken"}))
                for text in ("first", "second", "broken")}
        results = client.wait(list(jobs.values()), timeout=60)
        assert [results[jobs[t]].status for t in jobs] == ["succeeded", "succeeded", "failed"]
        # The run is over and its result readable, but nothing is published yet; a failed
        # run fails as before (review.failed is off).
        assert [client.status(jobs[t]).state for t in jobs] == [
            "awaiting_review", "awaiting_review", "failed"]

        sync(settings, "test", once=True)
        with Ledger.open(settings.ledger) as ledger:
            waiting = ledger.list(Filters(review="awaiting_review"))
            assert sorted(e.job_id for e in waiting) == sorted([jobs["first"], jobs["second"]])
            assert ledger.review(jobs["broken"]) is None
            desk = ReviewDesk(ledger, client.engine, announce=client.store.review)
            desk.decide(jobs["first"], Approve(decision="approve", version=0), "ana")
            desk.decide(jobs["second"], Reject(decision="reject", version=0,
                                               reason="names the wrong mayor"), "ana")
            assert [e.kind for e in ledger.show(jobs["first"]).events] == [
                "queued", "started", "awaiting_review", "approved"]

        assert client.status(jobs["first"]).state == "approved"
        assert client.status(jobs["second"]).state == "rejected"
        # Celery-only clients read the stored result as before.
        assert client.app.AsyncResult(jobs["first"]).get(timeout=5)["text"] == "first"
