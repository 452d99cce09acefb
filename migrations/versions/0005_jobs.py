"""jobs: the outbox sender's claim on a letter and the scheduler's claims (docs/architecture.md, "Background jobs")

Revision ID: 0005
Revises: 0004

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))
    op.create_table(
        "scheduled_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=False),
        sa.Column("job_id", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_runs")),
        sa.UniqueConstraint("job_id", name=op.f("uq_scheduled_runs_job_id")),
        sa.UniqueConstraint("name", "period", name=op.f("uq_scheduled_runs_name_period")),
    )
    with op.batch_alter_table("scheduled_runs") as batch:
        batch.create_index(batch.f("ix_scheduled_runs_claimed_at"), ["claimed_at"], unique=False)


def downgrade():
    with op.batch_alter_table("scheduled_runs") as batch:
        batch.drop_index(batch.f("ix_scheduled_runs_claimed_at"))
    op.drop_table("scheduled_runs")
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
