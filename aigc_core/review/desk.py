"""Where review decisions are made: checked against the review as it stands, an edit
against the generator's validators and gates, then recorded in the ledger in one guarded
transaction (ledger/reviews.py) and announced to whoever reads the job's state.

    desk = ReviewDesk(ledger, engine, announce=client.store.review,
                      resubmit=lambda job, submitter: client.submit(job))
    review = desk.decide("job-1", Decision(decision="approve", version=0), reviewer="ana")

``announce(job_id, state, result)`` tells the job store (the gateway and queue clients read
it) that a job was approved or rejected, with the result to publish when an approved edit
replaced the model's; ``resubmit(job, submitter)`` queues a regenerated job as the first
job's submitter's (None for an inline run). Both are optional:
without them decisions are recorded in the ledger only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from ..engine import Engine
from ..jobs import Job, Result, new_job_id, utcnow
from ..labelling import embed, explicit_label, record_edit, unembed
from ..ledger import JobRecord, Ledger
from ..ledger.reviews import Change
from ..problems import Problem
from .errors import DecisionRefused, EditRejected, NotReviewable, ReviewConflict
from .models import EVENT, OPEN_STATES, OUTCOME, Decision, Review, ReviewState, Revision

Announce = Callable[[str, ReviewState, Result | None], None]
Resubmit = Callable[[Job, str | None], str]


class ReviewDesk:
    def __init__(self, ledger: Ledger, engine: Engine, announce: Announce | None = None,
                 resubmit: Resubmit | None = None):
        self.ledger = ledger
        self.engine = engine
        self.announce = announce
        self.resubmit = resubmit

    def decide(self, job_id: str, decision: Decision, reviewer: str) -> Review:
        """Apply ``decision`` by ``reviewer``; the review as it then stands. Raises
        ``NotReviewable``, ``ReviewConflict`` (someone decided first), ``EditRejected`` or
        ``DecisionRefused``; nothing is written then."""
        record = self.ledger.show(job_id)
        review = _open_review(job_id, record, decision.version)
        assert record is not None and record.result is not None
        revision = None
        if decision.decision == "edit":
            revision = self._revision(record, review, decision, reviewer)
        elif decision.decision == "approve" and published(record.result, review) is None:
            raise DecisionRefused(f"job {job_id} failed and nobody has edited it: there is "
                                  "nothing to approve; edit it first, or reject it")
        regenerated = None
        if decision.decision == "regenerate":
            if self.resubmit is None:
                raise DecisionRefused("regenerate needs a queue to submit the new job to; "
                                      "use the gateway or a machine with [queue] set")
            regenerated = _regenerated(record.job)
        decided = self.ledger.decide(Change(
            job_id=job_id, read_version=decision.version, event=EVENT[decision.decision],
            by=reviewer, at=revision.at if revision else utcnow(),
            state=OUTCOME[decision.decision], reason=decision.reason, revision=revision,
            regenerated_as=regenerated.id if regenerated else None))
        if decided is None:
            raise ReviewConflict(f"job {job_id} was decided by someone else meanwhile; read "
                                 "it again, then decide")
        if regenerated is not None and self.resubmit is not None:
            self.resubmit(regenerated, record.submitter)
        if self.announce is not None and decided.state in ("approved", "rejected"):
            # Only an approval publishes an edit: a rejected job keeps the model's result.
            edit = decided.state == "approved" and decided.revision > 0
            self.announce(job_id, decided.state,
                          published(record.result, decided) if edit else None)
        return decided

    def _revision(self, record: JobRecord, review: Review, decision: Decision,
                  editor: str) -> Revision:
        """The edit as a new revision, checked as a model's answer would be."""
        assert record.result is not None
        structured = self.engine.generator(record.job.generator).generator.output_model
        if structured is not None and not isinstance(decision.output, dict):
            raise EditRejected([Problem(field="output", code="edit", message=(
                "this generator's results are structured: send the whole new output as an "
                "object"))])
        if structured is None and not isinstance(decision.output, str):
            raise EditRejected([Problem(field="output", code="edit", message=(
                "this generator's results are text: send the new text as a string"))])
        label = explicit_label(record.result)
        output = decision.output
        if isinstance(output, str) and label is not None and label.embedded:
            output = unembed(output, label)  # checked as the model's text was: unlabelled
        checked, problems = self.engine.check_output(record.job, output)
        if problems:
            raise EditRejected(problems)
        number = len(review.revisions) + 1
        if isinstance(checked, str):  # the label survives the edit
            text = embed(checked, label) if label is not None and label.embedded else checked
            return Revision(number=number, text=text, editor=editor, at=utcnow())
        # As parsed and finalized: unknown fields dropped, derived fields made again.
        return Revision(number=number, output=checked, editor=editor, at=utcnow())


def _open_review(job_id: str, record: JobRecord | None, version: int) -> Review:
    if record is None or record.review is None or record.result is None:
        raise NotReviewable(f"job {job_id} is not under review: the ledger has no review of "
                            "it (its review mode is off, it has not finished, or aigc "
                            "ledger-sync has not recorded it yet)")
    review = record.review
    if review.state not in OPEN_STATES:
        raise ReviewConflict(f"job {job_id} was {review.state} by {review.decided_by} at "
                             f"{review.decided_at:%Y-%m-%d %H:%M:%S} UTC; it is decided")
    if version != review.version:
        raise ReviewConflict(f"job {job_id}'s review is at version {review.version}, not "
                             f"{version}: someone decided meanwhile; read it again, then "
                             "decide")
    return review


def published(result: Result, review: Review) -> Result | None:
    """The result an approval publishes: the model's (revision 0, if it succeeded) or the
    latest edit's, with its labels noting the edit; None when there is nothing to publish."""
    if review.revision == 0:
        return result if result.status == "succeeded" else None
    revision = review.revisions[review.revision - 1]
    edited = result.model_copy(deep=True, update={
        "status": "succeeded", "output": revision.output, "text": revision.text,
        "problems": [], "error": None})
    record_edit(edited, revision.editor, revision.at.isoformat(), revision.number)
    return edited


def _regenerated(job: Job) -> Job:
    """The job again, as a new job linked to it, with a new seed: the same seed would give
    a deterministic model the same answer (and the result cache would return it)."""
    options = job.options.model_copy(update={"seed": secrets.randbelow(2**31)})
    return job.model_copy(update={"id": new_job_id(), "idempotency_key": None,
                                  "options": options,
                                  "metadata": {**job.metadata, "regenerated_from": job.id}})
