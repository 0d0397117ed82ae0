"""A job's Celery message as kombu's Redis transport keeps it in the queue's list.

Submitters build it here and queue it themselves, in the same Redis script that registers the
job in the store (``Store.register``), instead of sending it with ``app.send_task``: a
submitter that dies halfway then leaves neither a registered job that was never queued nor a
queued job that is not registered, and a submit is one Redis round trip instead of three.

Celery still builds the task message (``app.amqp.create_task_message``, protocol 2: headers,
properties, body); this only wraps it the way kombu's Redis transport does, which is the
envelope docs/jobs.md documents for services that have no Celery library. Workers cannot tell
it from a message that ``send_task`` queued.

    queued = envelope(app, job_id, message_kwargs(job), "aigc.default")   # JSON text
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from celery import Celery

from .protocol import TASK_NAME


def kwargs_repr(job_id: str, kwargs: dict[str, Any]) -> str:
    """What Flower and Celery's logs show as the task's arguments: the job's identity only.
    Celery would otherwise repr the whole input into every message."""
    job = kwargs.get("job", {})
    return f"{{job: {job_id} {job.get('generator')} on {job.get('model', 'default')}}}"


def envelope(app: Celery, job_id: str, kwargs: dict[str, Any], queue: str) -> str:
    """The JSON text to push onto the Redis list ``queue`` (LPUSH; workers pop the other end)."""
    message = app.amqp.create_task_message(
        job_id, TASK_NAME, (), kwargs, argsrepr="()", kwargsrepr=kwargs_repr(job_id, kwargs),
        # As ``send_task`` sends it: no opinion, so the task's own setting holds (tasks.py).
        ignore_result=None)
    body = json.dumps(message.body, ensure_ascii=False).encode("utf-8")
    return json.dumps({
        "body": base64.b64encode(body).decode("ascii"),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": message.headers,
        "properties": {
            **message.properties,
            "delivery_mode": 2,  # persistent
            "delivery_info": {"exchange": "", "routing_key": queue},
            "priority": 0,  # kombu keeps priority 0 in the list named like the queue
            "body_encoding": "base64",
            # kombu files a fetched, unacknowledged message under this tag (visibility timeout).
            "delivery_tag": str(uuid.uuid4()),
        },
    })
