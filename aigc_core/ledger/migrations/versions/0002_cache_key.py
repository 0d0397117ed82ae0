"""The result cache: each succeeded result's cache key, indexed.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on SQLite too: a batch (copy-and-move) would give results new rowids,
    # which the full-text index refers to.
    op.add_column("results", sa.Column("cache_key", sa.String(64)))
    op.create_index("ix_results_cache_key", "results", ["cache_key", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_results_cache_key", "results")
    op.drop_column("results", "cache_key")
