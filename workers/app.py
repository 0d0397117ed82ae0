"""The Celery application, configured from ``QueueSettings``; each setting says why it is set.

``create_app`` builds what submitters need (routing, serialisation, the broker): the
``aigc.run_job`` task is registered only in workers, by ``tasks.worker_app``, so that
submitting never imports the task module. ``celery -A aigc_workers.app flower`` (or
``events``/``inspect``) finds the app of the current configuration here; workers are started
with ``aigc worker``.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from aigc_core.config import Settings, load_settings

from .protocol import TASK_NAME
from .settings import QueueSettings, queue_settings


class AigcCelery(Celery):
    """A Celery app carrying the aigc settings it was built from (workers need both)."""

    def __init__(self, settings: Settings, queue: QueueSettings):
        super().__init__("aigc", set_as_current=False)
        self.aigc_settings = settings
        self.queue_settings = queue


def celery_config(queue: QueueSettings) -> dict[str, Any]:
    url = queue.connection_url()
    transport = {
        # Redis has no acks: kombu parks fetched messages and puts them back after this long.
        "visibility_timeout": queue.visibility_timeout,
        # Sweep for parked messages of dead workers every restore_interval seconds (kombu
        # otherwise scans only every 10th tick of 10 s).
        "unacked_restore_interval": queue.restore_interval,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
    }
    return {
        "broker_url": url,
        "result_backend": url,
        "broker_use_ssl": queue.ssl_options(),
        "redis_backend_use_ssl": queue.ssl_options(),
        # JSON only: a pickled message would run arbitrary code in the worker.
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        # Ack after the job ran, and requeue when the process running it dies: a lost worker
        # never loses a job (execution is idempotent by job id, see tasks.py).
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # One job per process at a time: long jobs must not wait behind each other in one
        # worker's prefetch while another worker idles.
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": queue.soft_time_limit,
        "task_time_limit": queue.hard_time_limit,
        "result_expires": queue.result_expires,
        "broker_transport_options": transport,
        "result_backend_transport_options": {"visibility_timeout": queue.visibility_timeout},
        # SIGTERM (remapped to a cold shutdown by `aigc worker`) lets running jobs finish for
        # this long, then requeues what is left at once instead of after visibility_timeout.
        "worker_soft_shutdown_timeout": queue.soft_shutdown_timeout,
        "worker_enable_soft_shutdown_on_idle": True,
        # A late-ack job whose broker connection broke cannot be acked any more: the
        # worker's connection_loss step stops it where the pool can (prefork) and logs one
        # line per loss, rather than Celery's traceback or RETRY write per job.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "result_backend_always_retry": True,
        "result_backend_max_retries": 20,
        # Worker events are what Flower and `celery events` show. Not the client's task-sent
        # event nor the STARTED state in the result backend: each costs a Redis round trip
        # per job, Flower lists a task from its task-received event on, and the job store
        # already records when and where a job started.
        "worker_send_task_events": queue.task_events,
        "task_send_sent_event": False,
        "task_track_started": False,
        "task_default_queue": queue.queue_name("default"),
        "task_routes": (_router(queue),),
    }


def _router(queue: QueueSettings):
    """Send each job to the queue of the model it names."""

    def route(name: str, args: Any, kwargs: dict[str, Any], options: Any, task: Any = None,
              **rest: Any) -> dict[str, str] | None:
        if name != TASK_NAME:
            return None
        # Malformed kwargs still route (to the default queue), to be answered by a worker.
        job = kwargs.get("job") if isinstance(kwargs, dict) else None
        model = job.get("model") if isinstance(job, dict) else None
        return {"queue": queue.queue_name(model if isinstance(model, str) else "default")}

    return route


def create_app(settings: Settings) -> AigcCelery:
    """The app for these settings, as submitters use it (no task registered)."""
    queue = queue_settings(settings)
    app = AigcCelery(settings, queue)
    app.conf.update(celery_config(queue))
    return app


def __getattr__(name: str) -> Any:
    # ``celery -A aigc_workers.app`` looks up ``app``: build it from the current config.
    if name == "app":
        return create_app(load_settings())
    raise AttributeError(name)
