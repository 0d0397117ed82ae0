"""Reviews in the ledger, on a real SQLite file and a real PostgreSQL server: inline runs
under review, decisions through ``ReviewDesk`` (a structured edit checked by the generator's
validators and gates), one winner among racing reviewers, and retention that keeps what is
still under review."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from aigc_core.jobs import utcnow
from aigc_core.ledger import Filters, Ledger, LedgerSettings, database
from aigc_core.ledger.reviews import Change
from aigc_core.review.desk import ReviewDesk
from aigc_core.review.errors import DecisionRefused, EditRejected, ReviewConflict
from aigc_core.review.models import Approve, Edit, Regenerate
from aigc_core.testing import scripted
from tests.support.demo import TAGLINE

from .test_ledger import taglines


@pytest.fixture
def engine(make_engine, ledger_url: str):
    database.upgrade(database.connect(LedgerSettings(url=ledger_url)))
    return make_engine(TAGLINE, ledger={"url": ledger_url},
                       review={"generators": {"demo.*": "required"}})


@pytest.fixture
def ledger(engine, ledger_url: str):
    with Ledger.open(LedgerSettings(url=ledger_url)) as opened:
        yield opened


def run(engine, answer: str, product: str = "sourdough bread"):
    scripted([answer])
    return engine.run(engine.make_job("demo.tagline", {"product": product, "count": 2},
                                      options={"max_repairs": 0}))


def test_an_inline_run_under_required_review_waits_in_the_queue(engine, ledger):
    good = run(engine, taglines("Crust that crackles", "Baked before sunrise"))
    bad = run(engine, taglines("Too few"))
    assert [e.job_id for e in ledger.list(Filters(review="awaiting_review"))] == [good.job_id]
    assert ledger.list(Filters(review="awaiting_review"))[0].review == "awaiting_review"
    # The queue reads from the reviews table: search, other filters and pages work there too.
    assert [e.job_id for e in ledger.list(Filters(review="awaiting_review", search="crust",
                                                  generator="demo.tagline"))] == [good.job_id]
    assert ledger.list(Filters(review="awaiting_review", search="nowhere")) == []
    assert ledger.list(Filters(review="awaiting_review",
                               before=(record_time(ledger, good.job_id), good.job_id))) == []
    record = ledger.show(good.job_id)
    assert [e.kind for e in record.events] == ["started", "awaiting_review"]
    assert (record.review.mode, record.review.state, record.review.version) == (
        "required", "awaiting_review", 0)
    assert ledger.show(bad.job_id).review is None  # failed, and review.failed is off


def record_time(ledger: Ledger, job_id: str):
    return ledger.show(job_id).created_at


def test_a_structured_edit_is_checked_then_published_on_approval(engine, ledger):
    result = run(engine, taglines("Crust that crackles", "Baked before sunrise"))
    desk = ReviewDesk(ledger, engine)
    with pytest.raises(EditRejected) as refused:
        desk.decide(result.job_id, Edit(decision="edit", version=0,
                                        output={"taglines": ["Only one"]}), "ana")
    assert "taglines" in str(refused.value)
    with pytest.raises(EditRejected, match="structured"):
        desk.decide(result.job_id, Edit(decision="edit", version=0, output="plain"), "ana")
    with pytest.raises(DecisionRefused, match="regenerate needs a queue"):
        desk.decide(result.job_id, Regenerate(decision="regenerate", version=0), "ana")

    edited = desk.decide(result.job_id, Edit(decision="edit", version=0, output={
        "taglines": ["Crust that crackles", "Warm from the oven by seven"],
        "injected": "<b>not in the schema</b>"}), "ana")
    assert (edited.state, edited.version, edited.revision) == ("awaiting_review", 1, 1)
    with pytest.raises(ReviewConflict, match="version 1, not 0"):
        desk.decide(result.job_id, Approve(decision="approve", version=0), "ben")
    approved = desk.decide(result.job_id, Approve(decision="approve", version=1), "ben")
    assert (approved.state, approved.decided_by, approved.revision) == ("approved", "ben", 1)
    record = ledger.show(result.job_id)
    assert record.result.output == result.output  # the model's own result is kept
    # Stored as parsed into the output model: the unknown field is gone.
    assert record.review.revisions[0].output == {
        "taglines": ["Crust that crackles", "Warm from the oven by seven"]}
    assert [e.kind for e in record.events][-2:] == ["edited", "approved"]


def test_racing_decisions_on_one_review_have_exactly_one_winner(engine, ledger):
    result = run(engine, taglines("Crust that crackles", "Baked before sunrise"))
    start = threading.Barrier(8)
    outcomes: list[object] = []

    def decide(index: int) -> None:
        start.wait()
        outcomes.append(ledger.decide(Change(
            job_id=result.job_id, read_version=0, event="approved", by=f"reviewer-{index}",
            at=utcnow(), state="approved")))

    threads = [threading.Thread(target=decide, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for outcome in outcomes if outcome is not None]
    assert len(outcomes) == 8 and len(winners) == 1
    record = ledger.show(result.job_id)
    assert (record.review.version, record.review.decided_by) == (1, winners[0].decided_by)
    assert [e.kind for e in record.events].count("approved") == 1


def test_prune_keeps_jobs_still_under_review(engine, ledger):
    waiting = run(engine, taglines("Crust that crackles", "Baked before sunrise"))
    decided = run(engine, taglines("Steep it slowly", "Sip it hot"), product="tea")
    ReviewDesk(ledger, engine).decide(decided.job_id, Approve(decision="approve", version=0),
                                      "ana")
    assert ledger.prune(now=utcnow() + timedelta(days=181)) == 1
    assert ledger.show(waiting.job_id) is not None
    assert ledger.show(decided.job_id) is None
