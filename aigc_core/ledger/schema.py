"""The ledger's tables (SQLAlchemy Core). Migrations (``migrations/versions``) create them;
this module is what queries are written against, and must match the newest migration.

- ``jobs``: one row per job, as submitted: input, options, metadata, who submitted it, and
  one column that changes, ``state``: where the job stands (the events say how it got there).
- ``events``: append-only state changes (queued, started, retrying, succeeded, ...).
- ``results``: one row per finished job: output, text, problems, provenance, AI label, and
  ``search_text``, what full-text search reads (``search.py`` indexes it per database).
- ``reviews``: one row per job under review, its state as it stands (revision 0003). The one
  row that changes: each decision moves it on, guarded by ``version`` (one decision wins),
  in the same transaction as the decision's event, which stays append-only like the rest.
- ``revisions``: each edit of a result; the model's own result stays in ``results``.
- ``users``: the review console's people (revision 0004): a name, a role, and a password
  hash made by the console (never the password).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

_ID = 128  # Job.id's limit

jobs = Table(
    "jobs", metadata,
    Column("job_id", String(_ID), primary_key=True),
    Column("generator", String(200), nullable=False),
    Column("model", String(200), nullable=False),
    Column("input", JSON, nullable=False),
    Column("options", JSON, nullable=False),
    Column("idempotency_key", String(256)),
    Column("metadata", JSON, nullable=False),
    Column("submitter", String(200)),
    Column("source", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("review", String(16)),  # revision 0003: the job's review mode, if not off
    # Revision 0005: the job's state as it stands (unfinished, cancelled, or its result's
    # status), kept by the writer, so that listing one state reads ``ix_jobs_state`` alone.
    Column("state", String(16), nullable=False, server_default="unfinished"),
    Index("ix_jobs_created_at", "created_at"),
    Index("ix_jobs_state", "state", "created_at", "job_id"),
    Index("ix_jobs_generator", "generator", "created_at"),
    Index("ix_jobs_model", "model", "created_at"),
    Index("ix_jobs_idempotency_key", "idempotency_key"),
)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("job_id", String(_ID), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("detail", JSON, nullable=False),
    Index("ix_events_job_id", "job_id", "at"),
)

results = Table(
    "results", metadata,
    Column("job_id", String(_ID), ForeignKey("jobs.job_id", ondelete="CASCADE"),
           primary_key=True),
    Column("status", String(16), nullable=False),
    # None is SQL NULL, not JSON null: "has no label" is then one IS NULL test.
    Column("output", JSON(none_as_null=True)),
    Column("text", Text),
    Column("problems", JSON, nullable=False),
    Column("error", JSON(none_as_null=True)),
    Column("provenance", JSON, nullable=False),
    Column("label", JSON(none_as_null=True)),
    Column("plugin", String(200), nullable=False),
    Column("plugin_version", String(64), nullable=False),
    Column("model_id", String(200), nullable=False),
    Column("search_text", Text, nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("cache_key", String(64)),  # revision 0002
    Index("ix_results_status", "status", "finished_at"),
    Index("ix_results_cache_key", "cache_key", "finished_at"),
    Index("ix_results_plugin", "plugin", "finished_at"),
    Index("ix_results_finished_at", "finished_at"),
)

reviews = Table(
    "reviews", metadata,
    Column("job_id", String(_ID), ForeignKey("jobs.job_id", ondelete="CASCADE"),
           primary_key=True),
    Column("mode", String(16), nullable=False),
    Column("state", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("decided_by", String(200)),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", Text),
    Column("regenerated_as", String(_ID)),
    # The job's creation time again: the review queue lists one state newest first from this
    # index alone, however few or many jobs are in that state.
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_reviews_state", "state", "created_at", "job_id"),
)

revisions = Table(
    "revisions", metadata,
    Column("job_id", String(_ID), ForeignKey("jobs.job_id", ondelete="CASCADE"),
           primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("output", JSON(none_as_null=True)),
    Column("text", Text),
    Column("editor", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users", metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
