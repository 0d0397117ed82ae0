"""Queueing jobs: what a submitter needs, and a worker continuing a chain, without the task.

A job is registered in the store and its Celery message pushed onto its model's queue in one
Redis script (``Store.register``); the message is the envelope that ``send_task`` would queue
(envelope.py). Jobs of a workflow (fan-out, chain) have ids derived from their parent's
(``protocol.child_id``), so the whole workflow is known, and can be watched, at submit time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aigc_core import Job

from .app import AigcCelery
from .envelope import envelope
from .protocol import Step, child_id, message_kwargs
from .store import Store


@dataclass(frozen=True)
class Workflow:
    """The jobs of a fan-out or chain: each job id with its parent's id (``None``: a root).

    The ids are known at submit time (children derive theirs from their parent's), so the
    whole workflow can be watched before its later steps exist.
    """

    id: str
    parents: dict[str, str | None] = field(default_factory=dict)

    @property
    def job_ids(self) -> list[str]:
        return list(self.parents)

    @property
    def leaves(self) -> list[str]:
        """The last step's jobs: the results a chain was run for."""
        have_children = {parent for parent in self.parents.values() if parent}
        return [job_id for job_id in self.parents if job_id not in have_children]


def enqueue(app: AigcCelery, store: Store, jobs: list[Job],
            then: list[Step] | None = None, submitter: str | None = None) -> list[str]:
    """Register and queue jobs (already validated), each in one atomic step and all in one
    Redis round trip; returns, per job, the id that owns it: with an idempotency key that an
    earlier job holds, that job's id, and nothing is queued. A job id queued already is not
    queued again. ``submitter`` (an API key's name) is recorded in the ledger."""
    entries = []
    for job in jobs:
        queue = app.queue_settings.queue_name(job.model)
        entries.append((job, queue, envelope(app, job.id, message_kwargs(job, then), queue)))
    return store.register(entries, submitter, app.aigc_settings.review)


def chain_tree(root: str, steps: list[Step]) -> dict[str, str | None]:
    """Every job id of a chain from ``root`` through ``steps``, with its parent's id."""
    parents: dict[str, str | None] = {root: None}
    level = [root]
    for step in steps:
        children = {child_id(parent, index): parent for parent in level
                    for index in range(max(1, len(step.fan_out)))}
        parents.update(children)
        level = list(children)
    return parents
