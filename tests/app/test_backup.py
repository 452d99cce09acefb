"""docs/security.md 46: backup and restore keep every row and every kopiyka."""

import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import ON_POSTGRES
from vez.demo import create_demo_data
from vez.models import Charge, Payment, PersonalAccount, User


def figures(conn):
    return {
        "accounts": conn.scalar(select(func.count()).select_from(PersonalAccount)),
        "charges": conn.scalar(select(func.count()).select_from(Charge)),
        "payments": conn.scalar(select(func.count()).select_from(Payment)),
        "users": conn.scalar(select(func.count()).select_from(User)),
        "charged": conn.scalar(select(func.sum(Charge.amount))),
        "paid": conn.scalar(select(func.sum(Payment.amount))),
        "balances": conn.scalar(select(func.sum(PersonalAccount.balance))),
    }


def test_46_backup_and_restore_keep_row_counts_and_ledger_sums(app, db, runner, tmp_path):
    create_demo_data(accounts=30)
    db.session.commit()
    with db.engine.connect() as conn:
        before = figures(conn)
    target = tmp_path / "backup.dump"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if ON_POSTGRES:
        if not shutil.which("pg_restore"):
            pytest.skip("pg_restore missing")
        restored = url.set(database=f"{url.database}_restore")
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored.database}"'))
            conn.execute(text(f'CREATE DATABASE "{restored.database}"'))
        plain = restored.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", "-d", plain, str(target)], check=True)
        engine = create_engine(restored)
    else:
        engine = create_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        after = figures(conn)
    engine.dispose()
    if ON_POSTGRES:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored.database}"'))
        admin.dispose()
    assert after == before
    assert before["accounts"] == 30 and before["charged"] > 0
