"""Time limits where Celery enforces none: the ``threads`` and ``solo`` pools.

Under prefork, Celery's main process signals a pool process at the soft time limit and kills
it at the hard one. Its thread and solo pools ignore both, so a job stuck in a template loop or
a plugin's validator would run on, past ``visibility_timeout``, and Redis would hand it to a
second worker while the first still runs it. This watchdog gives every pool the same limits:

1. A job first stops itself: the engine's deadline is the soft time limit (``aigc_core.deadline``).
2. A job still inside the engine ``grace`` seconds later is interrupted: ``SoftTimeLimitExceeded``
   is raised in its thread, as prefork's signal would (Python code stops at its next bytecode).
3. A job still running at the hard time limit is stuck in C code that nothing can interrupt
   in a thread. ``on_hard`` records its failure (the first stored result wins, so the stuck
   thread's late answer is discarded), and the worker shuts down so that its supervisor starts
   a fresh one: its other jobs get ``soft_shutdown_timeout`` to finish and the rest is
   requeued, like prefork replacing a killed pool process. ``exit_after`` seconds later the
   process exits regardless (a stuck thread can block an orderly exit).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded

log = logging.getLogger(__name__)

#: Exit status of a worker that gave up on a job it could not interrupt (EX_SOFTWARE).
EXIT_STUCK = 70


@dataclass
class _Watched:
    job_id: str
    thread_id: int
    soft_at: float
    hard_at: float
    interrupted: bool = False
    abandoned: bool = False


def _raise_in_thread(thread_id: int, exc: type[BaseException] | None) -> None:
    """Raise ``exc`` in another thread at its next bytecode (``None``: cancel a pending one)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


class Watchdog:
    """Enforces soft and hard time limits on jobs running in threads of this process.

    >>> dog = Watchdog(on_hard=store_failure, exit_after=70.0)
    >>> with dog.watch(job.id, soft_at, hard_at):
    ...     result = engine.run(job, deadline=soft_deadline)
    """

    def __init__(self, on_hard: Callable[[str], None], exit_after: float,
                 grace: float = 0.5, poll: float = 0.1):
        self._on_hard = on_hard
        self._exit_after = exit_after
        self._grace = grace
        self._poll = poll
        self._lock = threading.Lock()
        self._watched: dict[int, _Watched] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def watch(self, job_id: str, soft_at: float, hard_at: float) -> Iterator[None]:
        """Watch the calling thread while it runs ``job_id`` (monotonic-clock limits)."""
        entry = _Watched(job_id, threading.get_ident(), soft_at, hard_at)
        with self._lock:
            self._watched[entry.thread_id] = entry
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="aigc-watchdog",
                                                daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                del self._watched[entry.thread_id]
                if entry.interrupted:
                    # The interrupt may still be pending: it must not fire after the job.
                    _raise_in_thread(entry.thread_id, None)

    def _run(self) -> None:
        while True:
            time.sleep(self._poll)
            now = time.monotonic()
            stuck: list[str] = []
            with self._lock:
                for entry in self._watched.values():
                    if not entry.interrupted and now >= entry.soft_at + self._grace:
                        entry.interrupted = True
                        _raise_in_thread(entry.thread_id, SoftTimeLimitExceeded)
                    if not entry.abandoned and now >= entry.hard_at:
                        entry.abandoned = True
                        stuck.append(entry.job_id)
            for job_id in stuck:
                self._abandon(job_id)

    def _abandon(self, job_id: str) -> None:
        try:
            self._on_hard(job_id)
        finally:
            log.error("job %s is still running at its hard time limit (stuck in code that "
                      "cannot be interrupted); this worker shuts down so that its supervisor "
                      "starts a fresh one, and exits with status %d", job_id, EXIT_STUCK)
            timer = threading.Timer(self._exit_after, os._exit, (EXIT_STUCK,))
            timer.daemon = True
            timer.start()
            os.kill(os.getpid(), signal.SIGTERM)
