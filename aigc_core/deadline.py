"""The time a job has left, carried through rendering, model calls, retries and repairs.

A caller that must bound a job (a worker with a soft time limit) gives ``Engine.run`` a
``Deadline``; the engine makes it current for the job's thread, and each stage asks it:

- the template sandbox checks it on every call, filter and operator it intercepts;
- each model call gets ``timeout`` = the time left (HTTP backends pass it to the request,
  the embedded model stops generating);
- the retry loop does not sleep past it, and the repair loop starts no attempt after it.

So a job stops itself at its deadline wherever it is in Python, and fails with
``error.kind = "timeout"``. What cannot stop itself (C code that ignores timeouts) is the
worker's to interrupt or abandon (``aigc_workers.watchdog``).

>>> deadline = Deadline(600, label="soft time limit")
>>> engine.run(job, deadline=deadline)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import DeadlineExceeded


class Deadline:
    """A point on the monotonic clock that a job must finish by."""

    def __init__(self, seconds: float, *, label: str = "time limit", at: float | None = None):
        self.seconds = seconds
        self.label = label
        self.at = time.monotonic() + seconds if at is None else at

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def error(self) -> DeadlineExceeded:
        return DeadlineExceeded(f"stopped at the {self.label} of {self.seconds:g}s")

    def check(self) -> None:
        """Raise ``DeadlineExceeded`` once the deadline has passed."""
        if self.expired():
            raise self.error()


_current: ContextVar[Deadline | None] = ContextVar("aigc_deadline", default=None)


@contextmanager
def active(deadline: Deadline | None) -> Iterator[None]:
    """Make ``deadline`` the current one in this thread (context) for the ``with`` block."""
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Deadline | None:
    return _current.get()


def check() -> None:
    """Raise ``DeadlineExceeded`` if the current job's deadline has passed."""
    deadline = _current.get()
    if deadline is not None:
        deadline.check()


def remaining() -> float | None:
    """Seconds the current job has left (``None``: no deadline)."""
    deadline = _current.get()
    return None if deadline is None else deadline.remaining()
