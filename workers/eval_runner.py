"""``aigc eval --queue``: an eval's jobs through the worker fleet.

Registered in the ``aigc.eval_runners`` entry-point group as ``queue``; the core's eval
(``aigc_core.evaluation.runner``) finds it by that name and never imports this package. Every
job is validated and queued at once (one bad input queues nothing), so the fleet takes them in
parallel; progress is reported as they finish, through the client's completion wake-ups.

Template variants do not apply here: a worker renders with the template directories of its
own settings. Each model's jobs go to that model's queue (``aigc.<model>``), so every model
of the eval needs workers serving its queue.

>>> run = queued(load_settings())
>>> results = run([(variant, job), ...], progress=bar.update)
"""

from __future__ import annotations

from collections.abc import Sequence

from aigc_core.config import Settings
from aigc_core.evaluation.runner import Progress, Runner, Work
from aigc_core.jobs import Result


def queued(settings: Settings) -> Runner:
    """A runner that submits through ``Client`` and waits for every result."""

    def run(work: Sequence[Work], progress: Progress) -> list[Result | None]:
        # Imported here: Celery is slow to import, and `aigc eval` inline never needs it.
        from .client import Client
        from .credentials import explained

        jobs = [job for _, job in work]
        with Client(settings) as client, explained(client.app.queue_settings):
            ids = client.submit_batch(jobs)
            results = client.wait(ids, None, progress=progress)
        return [results[job_id] for job_id in ids]

    return run
