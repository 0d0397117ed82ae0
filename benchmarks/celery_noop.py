"""Plain Celery with a no-op task: the floor that aigc's per-job overhead is compared with.

``BENCH_CELERY_FLAVOUR`` picks the configuration (the worker is started by ``fleet``):

- ``plain``: Celery's defaults, JSON and a Redis result backend (where a team would start);
- ``aigc``: the exact configuration of aigc workers (``aigc_workers.app.celery_config``: late
  acks, task events, ...), so that plain -> aigc is what that configuration costs, and
  aigc -> an aigc job is what aigc's task (job store, engine, model call) costs;
- ``aigc-quiet``: the same with ``queue.task_events = false``, which tells how much of that
  difference the worker's task events are.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from celery import Celery

from aigc_workers.app import celery_config
from aigc_workers.settings import QueueSettings

QUEUE = "noop"
TASK = "bench.noop"


def _plain(redis_url: str) -> dict[str, Any]:
    return {"task_serializer": "json", "result_serializer": "json",
            "accept_content": ["json"]}


def _aigc(redis_url: str, **queue: Any) -> dict[str, Any]:
    config = celery_config(QueueSettings(redis_url=redis_url, **queue))
    del config["task_routes"]  # aigc routes its own task by model; this one has a fixed queue
    return config


def _aigc_quiet(redis_url: str) -> dict[str, Any]:
    return _aigc(redis_url, task_events=False)


FLAVOURS: dict[str, Callable[[str], dict[str, Any]]] = {
    "plain": _plain, "aigc": _aigc, "aigc-quiet": _aigc_quiet,
}


def make_app(redis_url: str, flavour: str) -> Celery:
    app = Celery("bench-noop", broker=redis_url, backend=redis_url, set_as_current=False)
    app.conf.update(FLAVOURS[flavour](redis_url))
    app.conf.task_default_queue = QUEUE

    @app.task(name=TASK)
    def noop() -> None:
        return None

    return app


app = make_app(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
               os.environ.get("BENCH_CELERY_FLAVOUR", "plain"))
