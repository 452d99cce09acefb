"""identification proofs: step 1's proof is single use (docs/security.md, "Step 2 and letters")

Revision ID: 0003
Revises: 0002

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "identification_proofs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("spent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["personal_accounts.id"],
            name=op.f("fk_identification_proofs_account_id_personal_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identification_proofs")),
        sa.UniqueConstraint("nonce", name=op.f("uq_identification_proofs_nonce")),
    )
    with op.batch_alter_table("identification_proofs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identification_proofs_account_id"), ["account_id"], unique=False)


def downgrade():
    with op.batch_alter_table("identification_proofs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identification_proofs_account_id"))
    op.drop_table("identification_proofs")
