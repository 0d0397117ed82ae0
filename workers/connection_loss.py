"""What a worker does with its running jobs when its connection to Redis breaks, by pool.

A job is acknowledged after it ran (late acks), and a broken connection cannot acknowledge it.
Celery's answer (``worker_cancel_long_running_tasks_on_connection_loss``) is to stop each such
job, so that it does not run twice side by side once Redis hands its message out again. Done
by Celery, that logged a traceback per running job under every pool: under threads and solo,
which cannot stop a thread (``TaskPool does not implement kill_job``); under prefork, from
writing Celery's RETRY state for each job into a Redis that is down (twenty retries each, while
the worker's event loop waits). So app.py turns Celery's cancel off, and this consumer step
does it instead, with one line per loss:

- **prefork** kills the pool processes running them (no RETRY state: the job store records
  the lost attempt); their messages are handed out again (at once if Redis is back by then,
  else after ``visibility_timeout``) and the jobs run again from the start.
- **threads** and **solo** cannot stop a thread, so the jobs run on: each stores its result
  once Redis is back (the store's client retries for about 30 s) and its message is
  acknowledged then, so it never runs again. Only where Redis is still down when the job ends
  is its message handed out again, after ``visibility_timeout`` (more than the hard time
  limit, so never side by side with the first run), and that run stores the result.

The watchdog could interrupt those threads (watchdog.py), but an exception raised in a thread
that waits for a model's answer takes effect only when the answer arrives: it would throw away
an answer already paid for, and the job would run again from the start after
``visibility_timeout`` instead of storing its result a moment later.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from celery import bootsteps
from celery.concurrency.base import BasePool
from celery.exceptions import CPendingDeprecationWarning
from celery.worker.state import active_requests

log = logging.getLogger(__name__)

_LOST = "lost the connection to Redis with %d job(s) running: "
_STOPPED = ("they were stopped (their pool processes killed) and run again when Redis hands "
            "their messages out again (docs/operations.md, \"Redis restarts\")")
_RUN_ON = ("they run on (a thread cannot be stopped) and store their results once Redis is "
           "back (docs/operations.md, \"Redis restarts\")")


def can_stop_jobs(pool: Any) -> bool:
    """Whether the pool can stop a running job (prefork kills its process; threads cannot).
    A started prefork pool has its process pool's ``terminate_job``; the others keep
    ``BasePool``'s, which raises."""
    method = getattr(pool, "terminate_job", None)
    return method is not None and getattr(method, "__func__", None) is not BasePool.terminate_job


class StopOrRunOnAfterConnectionLoss(bootsteps.StartStopStep):
    """A consumer step: on a broken connection, stop the running jobs where the pool can,
    and say in one line what happened to them."""

    def __init__(self, parent: Any, **kwargs: Any):
        super().__init__(parent, **kwargs)
        # Celery's own cancel is off (app.py). Celery then warns on every connection loss
        # that Celery 6 turns it on by default: this step does it instead.
        warnings.filterwarnings("ignore", message=r"\s*In Celery 5\.1 we introduced",
                                category=CPendingDeprecationWarning)
        reconnect = parent.on_connection_error_after_connected

        def lost(exc: Exception) -> None:
            running = [request for request in tuple(active_requests)
                       if request.task.acks_late and not request.acknowledged]
            if running:
                stoppable = parent.pool is not None and can_stop_jobs(parent.pool)
                if stoppable:
                    for request in running:
                        _stop(request, parent.pool)
                log.warning(_LOST + (_STOPPED if stoppable else _RUN_ON), len(running))
            reconnect(exc)

        parent.on_connection_error_after_connected = lost


def _stop(request: Any, pool: Any) -> None:
    try:
        # No RETRY state in the result backend, which is the Redis that just went away.
        request.cancel(pool, emit_retry=False)
    except Exception:  # e.g. its process exited meanwhile; the job store decides on redelivery
        log.debug("could not stop job %s after the connection loss", request.id, exc_info=True)
