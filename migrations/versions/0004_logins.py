"""logins: NFKC keys and a unique confusable skeleton (docs/security.md, "Logins and look-alikes")

Revision ID: 0004
Revises: 0003

Existing rows: `login_key` becomes the NFKC + casefold key and `login_skeleton` is filled from the login.
Rows registered before the rule may already look alike: the first holder of a skeleton (activated first, then
the oldest) keeps it, every other one gets `#<id>` (no login's skeleton holds `#`), and a row whose new key
another row holds keeps its old key. Both are logged as warnings so staff can ask those consumers to rename.
"""

import logging

import sqlalchemy as sa
from alembic import op

from vez.identity.logins import SKELETON_MAX_LENGTH, login_key, login_skeleton

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("login_skeleton", sa.String(length=80), nullable=True))
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("login", sa.String),
        sa.column("login_key", sa.String),
        sa.column("login_skeleton", sa.String),
        sa.column("activated_at", sa.DateTime),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(users.c.id, users.c.login, users.c.login_key).order_by(
            users.c.activated_at.is_(None), users.c.activated_at, users.c.id
        )
    ).all()
    keys = {row.login_key for row in rows}
    skeletons: set[str] = set()
    for row in rows:
        key = login_key(row.login)[:40]
        if key != row.login_key and key in keys:
            log.warning("login id %s keeps its old key: its NFKC form is another login's", row.id)
            key = row.login_key
        keys.discard(row.login_key)
        keys.add(key)
        skeleton = login_skeleton(row.login)[:SKELETON_MAX_LENGTH]
        if skeleton in skeletons:
            log.warning("login id %s looks like an older login: asked to rename", row.id)
            skeleton = f"#{row.id}"
        skeletons.add(skeleton)
        conn.execute(sa.update(users).where(users.c.id == row.id).values(login_key=key, login_skeleton=skeleton))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("login_skeleton", existing_type=sa.String(length=80), nullable=False)
        batch.create_unique_constraint(batch.f("uq_users_login_skeleton"), ["login_skeleton"])


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_login_skeleton"), type_="unique")
        batch.drop_column("login_skeleton")
