"""Editorial review: each job's review mode, its review as it stands, and its edits.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = 128


def upgrade() -> None:
    op.add_column("jobs", sa.Column("review", sa.String(16)))
    op.create_table(
        "reviews",
        sa.Column("job_id", sa.String(_ID), sa.ForeignKey("jobs.job_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.Text),
        sa.Column("regenerated_as", sa.String(_ID)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reviews_state", "reviews", ["state", "created_at", "job_id"])
    op.create_table(
        "revisions",
        sa.Column("job_id", sa.String(_ID), sa.ForeignKey("jobs.job_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("output", sa.JSON(none_as_null=True)),
        sa.Column("text", sa.Text),
        sa.Column("editor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("revisions")
    op.drop_index("ix_reviews_state", "reviews")
    op.drop_table("reviews")
    op.drop_column("jobs", "review")
