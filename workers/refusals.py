"""Messages a worker refuses before they reach the task: compressed, pickled, undecodable.

Kombu decompresses a message body as soon as it is received, before anything checks its
content type or size: an 894-byte bz2 body that expands to 300 MB would take that memory in
the worker. aigc's clients never compress (a job is a few kilobytes of JSON), so workers
refuse compression outright, without decompressing anything.

Celery drops a message it cannot decode, or of a content type it does not accept (pickle), with
a log line holding its body, and the job would read ``unknown`` forever. Here the job is
answered instead: a failed result with ``error.kind = "invalid_input"`` under the message's
task id, one warning line (no body, no input text), and the message is acknowledged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import kombu.compression
from celery import bootsteps

from aigc_core import Problem

log = logging.getLogger(__name__)

#: ``answer(task_id, problems)`` stores the failed result of a refused message.
Answer = Callable[[str, list[Problem]], None]


class CompressionRefused(ValueError):
    """A message arrived compressed."""


def _refuse_compressed(body: bytes) -> bytes:
    raise CompressionRefused(
        "compressed message bodies are refused: send the job as plain JSON (docs/jobs.md)")


def refuse_compression() -> None:
    """Make every compression kombu knows fail at once, before it decompresses anything."""
    for content_type in list(kombu.compression.encoders()):
        kombu.compression.register(
            kombu.compression.get_encoder(content_type), _refuse_compressed, content_type)


def refusing_step(answer: Answer) -> type[bootsteps.StartStopStep]:
    """A consumer bootstep that answers undecodable messages through ``answer``."""

    class RefuseUndecodable(bootsteps.StartStopStep):
        def __init__(self, parent: Any, **kwargs: Any):
            super().__init__(parent, **kwargs)
            refuse_compression()
            parent.on_decode_error = self.refuse
            parent.on_invalid_task = lambda body, message, exc: self.refuse(message, exc)

        @staticmethod
        def refuse(message: Any, exc: Exception) -> None:
            task_id = (message.headers or {}).get("id")
            log.warning("refused an undecodable message (task id %r, content type %r, "
                        "compression %r): %s: %s", task_id, message.content_type,
                        (message.headers or {}).get("compression"), type(exc).__name__, exc)
            try:
                if isinstance(task_id, str) and 0 < len(task_id) <= 128:
                    answer(task_id, [Problem(field="body", code="undecodable",
                                             message=f"the message body was refused: {exc}")])
            except Exception:  # e.g. Redis down: the refusal is logged, never redelivered
                log.exception("could not store the refusal of message %r", task_id)
            finally:
                message.ack()

    return RefuseUndecodable
