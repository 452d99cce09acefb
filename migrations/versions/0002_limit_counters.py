"""limit counters: every attempt limit decided and counted in the database (docs/security.md, "Race-free limits")

Revision ID: 0002
Revises: 0001

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "limit_counters",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("hits", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_limit_counters")),
    )
    with op.batch_alter_table("limit_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_limit_counters_expires_at"), ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("limit_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_limit_counters_expires_at"))
    op.drop_table("limit_counters")
