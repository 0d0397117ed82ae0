"""Editorial review: jobs that wait for a person, and the decisions people make on them.

- ``settings.py``: ``[review]``, which jobs are reviewed (``ReviewSettings.mode_for``);
- ``models.py``: a job's ``Review``, a ``Decision``, an edit's ``Revision``;
- ``errors.py``: why a decision was not applied;
- ``desk.py``: ``ReviewDesk``, where decisions are checked, recorded in the ledger and
  announced (the gateway's review routes and ``aigc review`` use it).

The ledger keeps reviews (``ledger/reviews.py``); docs/review.md has the states.
"""
