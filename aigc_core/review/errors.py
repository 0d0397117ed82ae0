"""Why a decision was not applied."""

from __future__ import annotations

from ..errors import AigcError
from ..problems import Problem


class NotReviewable(AigcError):
    """The job is not under review (its mode is off, or the ledger has not recorded its
    result yet)."""


class ReviewConflict(AigcError):
    """Someone decided first, or the job is decided already: read it again, then decide."""


class EditRejected(AigcError):
    """An edited output that fails the generator's validators or the content gates."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("the edited result has problems: " + "; ".join(map(str, problems)))


class DecisionRefused(AigcError):
    """A decision the review's state does not allow (approving a failed result nobody has
    edited; regenerating where nothing can submit)."""
