"""The ledger's first tables: jobs, events, results, and full-text search over results.

A migration is a snapshot: it spells out the tables as they were at its revision (schema.py
holds them as they are now), so that a later change never rewrites history.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from aigc_core.ledger import search

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(128), primary_key=True),
        sa.Column("generator", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("input", sa.JSON, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("idempotency_key", sa.String(256)),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("submitter", sa.String(200)),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"])
    op.create_index("ix_jobs_generator", "jobs", ["generator", "created_at"])
    op.create_index("ix_jobs_model", "jobs", ["model", "created_at"])
    op.create_index("ix_jobs_idempotency_key", "jobs", ["idempotency_key"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("job_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_events_job_id", "events", ["job_id", "at"])
    op.create_table(
        "results",
        sa.Column("job_id", sa.String(128), sa.ForeignKey("jobs.job_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("output", sa.JSON),
        sa.Column("text", sa.Text),
        sa.Column("problems", sa.JSON, nullable=False),
        sa.Column("error", sa.JSON),
        sa.Column("provenance", sa.JSON, nullable=False),
        sa.Column("label", sa.JSON),
        sa.Column("plugin", sa.String(200), nullable=False),
        sa.Column("plugin_version", sa.String(64), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("finished_at", _WHEN, nullable=False),
    )
    op.create_index("ix_results_status", "results", ["status", "finished_at"])
    op.create_index("ix_results_plugin", "results", ["plugin", "finished_at"])
    op.create_index("ix_results_finished_at", "results", ["finished_at"])
    for statement in search.DDL[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for table in ("results_fts", "results", "events", "jobs"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
