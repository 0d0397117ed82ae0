"""Redis scripts a job can send later, together with its next script: one round trip for both.

After a successful model call the guard gives its fleet slot back and tells the breaker; nothing
the job does next waits for that answer. Inside a delivery (``deferring``), that script waits
in a list of the job's own and goes out in one pipeline with the job's next script: the
store's ``finish``, or the guard's script before a repair call. A job with one model call then
costs three script round trips (begin, before the call, after it with finish) instead of four.
Outside a delivery (tests, other callers) nothing is deferred.

The pipeline sends each script as ``EVAL`` with its source: Redis finds it in its script cache
by hash as ``EVALSHA`` would, but a restarted Redis that lost its cache cannot answer
``NOSCRIPT`` to half a pipeline, and no ``SCRIPT EXISTS`` round trip is needed first.

    with deferring(redis):
        ...
        later(script, keys, args, then=handle_reply)  # queued
        reply = run(redis, finish, keys, args)        # sends both, returns finish's reply
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.commands.core import Script

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deferred:
    script: Script
    keys: list[str]
    args: list[Any]
    #: Gets the script's reply once it ran (or the error it raised).
    then: Callable[[Any], None]


_pending: ContextVar[list[Deferred] | None] = ContextVar("aigc_deferred", default=None)


@contextmanager
def deferring(redis: Redis) -> Iterator[None]:
    """Within the block (one delivery, in its own thread), ``later`` defers; whatever is still
    deferred at the end is sent then."""
    token = _pending.set([])
    try:
        yield
    finally:
        try:
            flush(redis)
        finally:
            _pending.reset(token)


def later(script: Script, keys: list[str], args: list[Any],
          then: Callable[[Any], None]) -> bool:
    """Defer the script if inside ``deferring``; False if not (the caller runs it now)."""
    pending = _pending.get()
    if pending is None:
        return False
    pending.append(Deferred(script, keys, args, then))
    return True


def run(redis: Redis, script: Script, keys: list[str], args: list[Any]) -> Any:
    """Run ``script`` now, preceded by whatever this delivery deferred, in one round trip."""
    pending = _pending.get()
    if not pending:
        return script(keys=keys, args=args)
    queued, pending[:] = pending[:], []
    try:
        replies = _send(redis, [*queued, Deferred(script, keys, args, lambda reply: None)])
    except Exception as exc:
        _answer(queued, [exc] * len(queued))
        raise
    _answer(queued, replies)
    if isinstance(replies[-1], Exception):
        raise replies[-1]
    return replies[-1]


def flush(redis: Redis) -> None:
    pending = _pending.get()
    if pending:
        queued, pending[:] = pending[:], []
        try:
            replies = _send(redis, queued)
        except Exception as exc:  # e.g. Redis gone for longer than the client's retries
            replies = [exc] * len(queued)
        _answer(queued, replies)


def _send(redis: Redis, calls: list[Deferred]) -> list[Any]:
    with redis.pipeline(transaction=False) as pipe:
        for call in calls:
            pipe.eval(call.script.script, len(call.keys), *call.keys, *call.args)
        return pipe.execute(raise_on_error=False)


def _answer(calls: list[Deferred], replies: list[Any]) -> None:
    for call, reply in zip(calls, replies, strict=False):
        try:
            call.then(reply)
        except Exception:  # one reply's handler must not cost the job its result
            log.exception("handling the reply of a deferred Redis script failed")
