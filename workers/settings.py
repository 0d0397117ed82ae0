"""The ``[queue]`` settings of workers and clients, validated once at start-up.

They come from the ``[queue]`` table of aigc.toml or ``AIGC_QUEUE__*`` variables::

    [queue]
    redis_url = "rediss://queue.internal:6380/0"
    password_env = "AIGC_REDIS_PASSWORD"     # the password itself never sits in a file
    ssl_ca_certs = "/etc/aigc/redis-ca.pem"
    hard_time_limit = 900
    visibility_timeout = 3600
    endpoint_limits = { vllm = 64 }

Kombu's Redis transport redelivers a message that was fetched but not acknowledged once
``visibility_timeout`` has passed since the fetch, *even if a worker is still running it*.
So the timeout must outlast the longest a job can run (the hard time limit) plus a margin;
``check_fleet`` refuses a configuration that would make Redis hand running jobs out twice.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aigc_core.config import Settings, validate_table
from aigc_core.errors import ConfigError

#: ``ssl_cert_reqs`` names, mapped to what redis-py and kombu take.
_CERT_REQS = {"required": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL, "none": ssl.CERT_NONE}


class QueueSettings(BaseModel):
    """Broker, reliability and fleet-protection settings shared by workers and clients."""

    model_config = ConfigDict(extra="forbid")

    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", pattern=r"^rediss?://",
        description="Broker and result store; rediss:// for TLS. No password here: password_env.",
    )
    password_env: str | None = Field(
        None, description="Environment variable holding the Redis AUTH password.")
    username: str | None = Field(None, description="Redis ACL user (with password_env).")
    ssl_cert_reqs: Literal["required", "optional", "none"] = Field(
        "required", description="rediss:// only: how strictly to check the server certificate.")
    ssl_ca_certs: Path | None = Field(None, description="rediss:// only: CA bundle (PEM).")
    ssl_certfile: Path | None = Field(None, description="rediss:// only: client certificate.")
    ssl_keyfile: Path | None = Field(None, description="rediss:// only: client key.")
    prefix: str = Field(
        "aigc", pattern=r"^[a-z][a-z0-9_-]*$",
        description="Prefix of queue names (PREFIX.MODEL) and of the job-state keys in Redis.")

    soft_time_limit: float = Field(
        600.0, gt=0, description="Seconds before a job is asked to stop (it fails cleanly).")
    hard_time_limit: float = Field(
        900.0, gt=0, description="Seconds before the process running a job is killed.")
    visibility_timeout: float = Field(
        3600.0, gt=0,
        description="Seconds after fetch before Redis redelivers an unacknowledged job.")
    visibility_margin: float = Field(
        60.0, ge=0, description="visibility_timeout must exceed hard_time_limit by this much.")
    restore_interval: float = Field(
        10.0, gt=0, description="Seconds between sweeps that redeliver jobs of lost workers.")
    soft_shutdown_timeout: float = Field(
        60.0, ge=0,
        description="On SIGTERM, seconds running jobs get to finish before they are requeued.")
    result_expires: int = Field(
        7 * 24 * 3600, ge=60, description="Seconds results and job states are kept.")
    max_attempts: int = Field(
        3, ge=1, le=100,
        description="Deliveries of one job before it is dead-lettered (a job that kills its "
                    "worker every time must not loop forever).")

    ledger_outbox: bool = Field(
        True, description="Append every job, state change and result to the Redis stream "
                          "PREFIX:ledger, which `aigc ledger-sync` writes to the ledger.")
    ledger_outbox_max: int = Field(
        1_000_000, ge=1000,
        description="Entries the outbox stream keeps at most (oldest trimmed first): room for "
                    "a ledger database that is down, or a writer not yet started.")

    endpoint_limits: dict[str, int] = Field(
        default_factory=dict,
        description="Fleet-wide cap on requests in flight, by model name; unlisted: no cap.")
    slot_wait: float = Field(
        60.0, gt=0, description="Seconds a model call waits for a fleet-wide slot.")
    slot_lease: float = Field(
        30.0, gt=0, description="Seconds a slot lease lasts unless renewed (crash recovery).")
    breaker_failures: int = Field(
        5, ge=1, description="Consecutive transport failures that open an endpoint's breaker.")
    breaker_reset: float = Field(
        30.0, gt=0, description="Seconds an open breaker waits before letting one probe call.")
    gpus: list[str] = Field(
        default_factory=list,
        description="For in-process GPU models (prefork): pool process N sees only GPU "
                    "gpus[N] (CUDA_VISIBLE_DEVICES), set before it loads its model.")
    metrics_port: int | None = Field(
        None, ge=1, le=65535, description="Serve Prometheus metrics from workers on this port.")
    task_events: bool = Field(
        True,
        description="Workers send Celery task events (received, started, succeeded), so that "
                    "Flower and `celery events` show live tasks. Off saves a little worker "
                    "CPU per job, 0.03 to 0.7 ms by machine (docs/performance.md).")
    event_flush_interval: float = Field(
        0.1, ge=0, le=10,
        description="Seconds: workers publish buffered task events at most this often, the "
                    "events of many jobs in one message; monitors see them that much later. "
                    "0: after every turn of the worker's event loop, as plain Celery does.")

    @model_validator(mode="after")
    def _check_limits(self) -> QueueSettings:
        if self.soft_time_limit >= self.hard_time_limit:
            raise ValueError(
                f"soft_time_limit ({self.soft_time_limit:g}s) must be below hard_time_limit "
                f"({self.hard_time_limit:g}s), or jobs are killed before they can stop cleanly")
        return self

    @property
    def tls(self) -> bool:
        return self.redis_url.startswith("rediss://")

    def password(self) -> str | None:
        if self.password_env is None:
            return None
        value = os.environ.get(self.password_env)
        if not value:
            raise ConfigError(
                f"queue.password_env names {self.password_env!r}, which is not set")
        return value

    def connection_url(self) -> str:
        """``redis_url`` with the credentials filled in. A secret: never log it."""
        password = self.password()
        if password is None:
            return self.redis_url
        parts = urlsplit(self.redis_url)
        host = parts.netloc.rpartition("@")[2]
        user = quote(self.username or "", safe="")
        return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))

    def ssl_options(self) -> dict[str, Any] | None:
        """TLS options in the form kombu, Celery's Redis backend and redis-py all accept."""
        if not self.tls:
            return None
        options: dict[str, Any] = {"ssl_cert_reqs": _CERT_REQS[self.ssl_cert_reqs]}
        for name in ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile"):
            value = getattr(self, name)
            if value is not None:
                options[name] = str(value)
        return options

    def queue_name(self, model: str) -> str:
        """The queue serving ``model``: the one place that maps models to queues."""
        return f"{self.prefix}.{model}"

    def check_fleet(self) -> None:
        """Refuse a configuration that would redeliver jobs that are still running."""
        needed = self.hard_time_limit + self.visibility_margin
        if self.visibility_timeout < needed:
            raise ConfigError(
                f"queue.visibility_timeout ({self.visibility_timeout:g}s) must be at least "
                f"hard_time_limit + visibility_margin ({needed:g}s): Redis redelivers a job "
                "that long after a worker fetched it, even while that worker still runs it")


def queue_settings(settings: Settings) -> QueueSettings:
    """Validate the ``[queue]`` table; errors name each bad key."""
    return validate_table(QueueSettings, settings.queue, "queue")
