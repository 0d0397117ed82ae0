"""Review over HTTP: jobs under required review end ``awaiting_review``, reviewers approve,
reject, edit or regenerate them, racing reviewers get one winner and a conflict, and the job
store, the ledger and the event history agree. Jobs are submitted over HTTP, "run" by the
store as a worker would, and recorded by the real outbox writer in a real SQLite ledger."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aigc_core.config import Settings
from aigc_core.labelling import ExplicitLabel, attach, embed
from aigc_core.ledger import LedgerSettings
from aigc_core.review.settings import ReviewSettings
from aigc_workers.ledger_sync import sync
from aigc_workers.store import Store

from .conftest import auth, succeed

pytestmark = pytest.mark.timeout(60)

TEXT = "The harbour reopens on Monday."
WORK = {"generator": "qtest.work", "model": "qtest", "input": {"text": TEXT}}


@pytest.fixture
def review() -> ReviewSettings:
    return ReviewSettings(generators={"qtest.*": "required"}, failed=True)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path, review: ReviewSettings) -> Settings:
    return settings.model_copy(update={
        "ledger": LedgerSettings(url=f"sqlite:///{tmp_path}/review.db"), "review": review})


def run(api: TestClient, store: Store, settings: Settings, text: str = "done",
        **finish: Any) -> str:
    """A job submitted by alice, finished by the store as a worker would, then recorded."""
    response = api.post("/v1/jobs", json=WORK, headers=auth("alice"))
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    succeed(store, job_id, text, **finish)
    sync(settings, "test", once=True)
    return job_id


def decide(api: TestClient, job_id: str, who: str = "rita", **decision: Any) -> Any:
    return api.post(f"/v1/jobs/{job_id}/review", json=decision, headers=auth(who))


def state(api: TestClient, job_id: str) -> str:
    return api.get(f"/v1/jobs/{job_id}", headers=auth("alice")).json()["state"]


def review_of(api: TestClient, job_id: str) -> dict[str, Any]:
    record = api.get(f"/v1/jobs/{job_id}/history", headers=auth("alice")).json()
    return record["review"]


def test_a_job_under_required_review_waits_for_an_approval(api: TestClient, store: Store,
                                                          settings: Settings):
    job_id = run(api, store, settings)
    assert state(api, job_id) == "awaiting_review"
    queue = api.get("/v1/review", headers=auth("rita"))
    assert queue.status_code == 200, queue.text
    assert [(j["job_id"], j["review"]) for j in queue.json()["jobs"]] == [
        (job_id, "awaiting_review")]
    assert review_of(api, job_id) | {"decided_at": None} == {
        "job_id": job_id, "mode": "required", "state": "awaiting_review", "version": 0,
        "revision": 0, "decided_by": None, "decided_at": None, "reason": None,
        "regenerated_as": None, "revisions": []}

    approved = decide(api, job_id, decision="approve", version=0)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["state"], approved.json()["version"],
            approved.json()["decided_by"]) == ("approved", 1, "rita")
    assert state(api, job_id) == "approved"
    assert api.get("/v1/review", headers=auth("rita")).json()["jobs"] == []
    record = api.get(f"/v1/jobs/{job_id}/history", headers=auth("alice")).json()
    assert [e["kind"] for e in record["events"]] == [
        "queued", "started", "awaiting_review", "approved"]
    assert record["events"][-1]["detail"] == {"by": "rita", "version": 1}

    again = decide(api, job_id, "ravi", decision="reject", version=1, reason="too late")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert "approved by rita" in again.json()["error"]["message"]


def test_two_reviewers_racing_on_one_job_get_one_decision_and_one_conflict(
        api: TestClient, store: Store, settings: Settings):
    job_id = run(api, store, settings)
    start = threading.Barrier(6)
    answers: list[Any] = []

    def reviewer(who: str, decision: dict[str, Any]) -> None:
        start.wait()
        answers.append(decide(api, job_id, who, version=0, **decision))

    threads = [threading.Thread(target=reviewer, args=pair) for pair in [
        ("rita", {"decision": "approve"}), ("ravi", {"decision": "reject", "reason": "no"}),
    ] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200, 409, 409, 409, 409, 409], [a.text for a in answers]
    winner = next(answer.json() for answer in answers if answer.status_code == 200)
    assert all(a.json()["error"]["code"] == "conflict" for a in answers if a.status_code == 409)
    review = review_of(api, job_id)
    assert (review["state"], review["version"], review["decided_by"]) == (
        winner["state"], 1, winner["decided_by"])
    assert state(api, job_id) == winner["state"]
    record = api.get(f"/v1/jobs/{job_id}/history", headers=auth("alice")).json()
    assert [e["kind"] for e in record["events"]].count(winner["state"]) == 1


def test_an_edit_is_checked_kept_as_a_revision_and_published_with_its_label(
        api: TestClient, store: Store, settings: Settings):
    label = ExplicitLabel(text="[AI-generated]", position="start", embedded=True)
    labelled = SimpleNamespace(metadata={})
    attach(labelled, label, {"producer": "aigc"})
    job_id = run(api, store, settings, embed("A wrong echo.", label), metadata=labelled.metadata)

    wrong = decide(api, job_id, decision="edit", version=0, output="Still not the text.")
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["error"]["code"] == "invalid_edit"
    assert [(p["field"], p["message"]) for p in wrong.json()["error"]["problems"]] == [
        ("text", f"must be exactly {TEXT!r}")]
    structured = decide(api, job_id, decision="edit", version=0, output={"text": TEXT})
    assert structured.status_code == 422
    assert [(p["field"], p["message"]) for p in structured.json()["error"]["problems"]] == [
        ("output", "this generator's results are text: send the new text as a string")]

    edited = decide(api, job_id, decision="edit", version=0, output=TEXT)
    assert edited.status_code == 200, edited.text
    review = edited.json()
    assert (review["state"], review["version"], review["revision"]) == ("awaiting_review", 1, 1)
    assert review["revisions"][0]["text"] == embed(TEXT, label)  # the label survives
    assert review["revisions"][0]["editor"] == "rita"
    # Until it is approved, clients read the model's result.
    assert api.get(f"/v1/jobs/{job_id}", headers=auth("alice")).json()["result"]["text"] == (
        embed("A wrong echo.", label))

    approved = decide(api, job_id, "ravi", decision="approve", version=1)
    assert approved.status_code == 200, approved.text
    job = api.get(f"/v1/jobs/{job_id}", headers=auth("alice")).json()
    assert job["state"] == "approved"
    assert job["result"]["text"] == embed(TEXT, label)
    ai_label = job["result"]["metadata"]["ai_label"]
    assert ai_label["explicit"]["text"] == "[AI-generated]"
    assert ai_label["edited"] | {"at": None} == {"by": "rita", "at": None, "revision": 1}
    # The model's own result stays in the ledger.
    record = api.get(f"/v1/jobs/{job_id}/history", headers=auth("alice")).json()
    assert record["result"]["text"] == embed("A wrong echo.", label)
    assert [e["kind"] for e in record["events"]][-2:] == ["edited", "approved"]


def test_a_failed_run_can_be_fixed_by_an_edit_but_not_approved_as_it_is(
        api: TestClient, store: Store, settings: Settings):
    job_id = run(api, store, settings, "not an echo", status="failed")
    assert state(api, job_id) == "awaiting_review"  # review.failed = true
    refused = decide(api, job_id, decision="approve", version=0)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "decision_refused"
    assert decide(api, job_id, decision="edit", version=0, output=TEXT).status_code == 200
    assert decide(api, job_id, decision="approve", version=1).status_code == 200
    job = api.get(f"/v1/jobs/{job_id}", headers=auth("alice")).json()
    assert (job["state"], job["result"]["status"], job["result"]["text"]) == (
        "approved", "succeeded", TEXT)


def test_a_rejection_needs_a_reason_and_only_reviewers_decide(api: TestClient, store: Store,
                                                              settings: Settings):
    job_id = run(api, store, settings)
    no_reason = decide(api, job_id, decision="reject", version=0)
    assert no_reason.status_code == 422
    assert [(p["field"], p["message"]) for p in no_reason.json()["error"]["problems"]] == [
        ("reject.reason", "is required but missing")]
    for who in ("alice", "ops"):
        refused = decide(api, job_id, who, decision="approve", version=0)
        assert refused.status_code == 403, refused.text
        assert "reviewer = true" in refused.json()["error"]["message"]
        assert api.get("/v1/review", headers=auth(who)).status_code == 403
    rejected = decide(api, job_id, decision="reject", version=0, reason="the date is wrong")
    assert rejected.status_code == 200
    assert (rejected.json()["state"], rejected.json()["reason"]) == (
        "rejected", "the date is wrong")
    assert state(api, job_id) == "rejected"


def test_regenerate_queues_a_linked_job_and_closes_the_review(api: TestClient, store: Store,
                                                              settings: Settings):
    job_id = run(api, store, settings)
    answer = decide(api, job_id, decision="regenerate", version=0, reason="try again")
    assert answer.status_code == 200, answer.text
    new_id = answer.json()["regenerated_as"]
    assert answer.json()["state"] == "rejected" and new_id and new_id != job_id
    # The new job is alice's, who submitted the first: her service reads it.
    fresh = api.get(f"/v1/jobs/{new_id}", headers=auth("alice")).json()
    assert fresh["state"] == "queued" and fresh["generator"] == "qtest.work"
    sync(settings, "test", once=True)
    record = api.get(f"/v1/jobs/{new_id}/history", headers=auth("alice")).json()
    assert record["job"]["input"] == {"text": TEXT}
    assert record["job"]["metadata"] == {"regenerated_from": job_id}
    assert record["submitter"] == "alice"
    # A new seed: the same one would give a deterministic model the same answer again.
    assert isinstance(record["job"]["options"]["seed"], int)
    events = api.get(f"/v1/jobs/{job_id}/history", headers=auth("alice")).json()["events"]
    assert events[-1]["kind"] == "regenerated"
    assert events[-1]["detail"] == {"by": "rita", "version": 1, "reason": "try again",
                                    "regenerated_as": new_id}


@pytest.mark.parametrize("review", [ReviewSettings(generators={"qtest.*": "optional"})])
def test_optional_review_publishes_at_once_and_a_reviewer_may_still_decide(
        api: TestClient, store: Store, settings: Settings):
    job_id = run(api, store, settings)
    assert state(api, job_id) == "succeeded"
    unreviewed = api.get("/v1/review", params={"state": "unreviewed"}, headers=auth("rita"))
    assert [j["job_id"] for j in unreviewed.json()["jobs"]] == [job_id]
    assert decide(api, job_id, decision="reject", version=0, reason="off-brand").json()[
        "state"] == "rejected"
    assert state(api, job_id) == "rejected"


@pytest.mark.parametrize("review", [ReviewSettings()])
def test_a_job_not_under_review_cannot_be_decided(api: TestClient, store: Store,
                                                 settings: Settings):
    job_id = run(api, store, settings)
    assert state(api, job_id) == "succeeded"
    answer = decide(api, job_id, decision="approve", version=0)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "not_under_review"


def test_a_long_poll_waits_through_review_for_the_decision(api: TestClient, store: Store,
                                                           settings: Settings):
    job_id = run(api, store, settings)
    approver = threading.Timer(0.5, lambda: decide(api, job_id, decision="approve", version=0))
    approver.start()
    try:
        began = time.monotonic()
        answer = api.get(f"/v1/jobs/{job_id}", params={"wait": 10}, headers=auth("alice"))
        took = time.monotonic() - began
    finally:
        approver.join()
    assert answer.json()["state"] == "approved"
    assert 0.4 < took < 5


def test_a_reviewer_reads_any_job_but_cancels_only_its_own(api: TestClient, store: Store,
                                                           settings: Settings):
    job_id = run(api, store, settings)
    assert api.get(f"/v1/jobs/{job_id}", headers=auth("rita")).json()["state"] == (
        "awaiting_review")
    assert api.get(f"/v1/jobs/{job_id}/history", headers=auth("rita")).status_code == 200
    queued = api.post("/v1/jobs", json=WORK, headers=auth("alice")).json()["id"]
    assert api.delete(f"/v1/jobs/{queued}", headers=auth("rita")).status_code == 404
    assert api.get(f"/v1/jobs/{queued}", headers=auth("alice")).json()["state"] == "queued"


def test_rejecting_an_edited_job_keeps_the_models_result(api: TestClient, store: Store,
                                                         settings: Settings):
    job_id = run(api, store, settings, "model text")
    assert decide(api, job_id, decision="edit", version=0, output=TEXT).status_code == 200
    assert decide(api, job_id, decision="reject", version=1,
                  reason="not this either").status_code == 200
    job = api.get(f"/v1/jobs/{job_id}", headers=auth("alice")).json()
    assert (job["state"], job["result"]["text"]) == ("rejected", "model text")
