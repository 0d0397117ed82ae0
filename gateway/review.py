"""What the review routes do: the review queue and decisions, for keys with ``reviewer``.

Decisions go through ``ReviewDesk`` (aigc_core/review/desk.py) on the ledger that
``History`` opens; the job store hears of approvals and rejections (``Store.review``), so
``GET /v1/jobs/{id}`` and its waiters see them, and a regenerated job is queued as the
first job's submitter's (their service reads it).
"""

from __future__ import annotations

from collections.abc import Callable

from aigc_core import Job
from aigc_core.ledger import Filters, Ledger, LedgerEntry
from aigc_core.review.desk import ReviewDesk
from aigc_core.review.errors import (
    DecisionRefused,
    EditRejected,
    NotReviewable,
    ReviewConflict,
)
from aigc_core.review.models import Decision, Review
from aigc_workers.client import Client

from .auth import Caller
from .errors import ApiError
from .history import History

Resubmit = Callable[[str, Job], str]


class Reviews:
    def __init__(self, history: History, client: Client, resubmit: Resubmit):
        self.history = history
        self.client = client
        #: Queues a regenerated job for a key, as a submit over HTTP does (its owner).
        self.resubmit = resubmit

    @staticmethod
    def _require_reviewer(caller: Caller) -> None:
        if not caller.config.reviewer:
            raise ApiError(403, "forbidden", f"key {caller.name!r} may not review: set "
                                             f"reviewer = true on [gateway.api_keys."
                                             f"{caller.name}]")

    def queue(self, caller: Caller, filters: Filters) -> tuple[list[LedgerEntry], str | None]:
        """Jobs whose review is in ``filters.review``, any key's, newest first."""
        self._require_reviewer(caller)
        return self.history.page(caller, filters, every_key=True)

    def decide(self, caller: Caller, job_id: str, decision: Decision) -> Review:
        self._require_reviewer(caller)
        self.history.record(caller, job_id, every_key=True)  # 404, or 409 not_recorded
        return self.decide_by(caller.name, job_id, decision)

    def decide_by(self, reviewer: str, job_id: str, decision: Decision) -> Review:
        """Apply ``decision`` in ``reviewer``'s name (a key's, or a console user's, whose
        right to decide the caller has checked)."""
        def decide(ledger: Ledger) -> Review:
            # A regenerated job belongs to whoever submitted the first: their service reads it.
            desk = ReviewDesk(ledger, self.client.engine, announce=self.client.store.review,
                              resubmit=lambda job, first: self.resubmit(first or reviewer, job))
            return desk.decide(job_id, decision, reviewer)

        try:
            return self.history.read(decide)
        except NotReviewable as exc:
            raise ApiError(409, "not_under_review", str(exc)) from None
        except ReviewConflict as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except DecisionRefused as exc:
            raise ApiError(409, "decision_refused", str(exc)) from None
        except EditRejected as exc:
            raise ApiError(422, "invalid_edit", str(exc), exc.problems) from None
