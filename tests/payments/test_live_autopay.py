"""Autopay exactly once per bill with two real job runners: two processes run `flask --app vez payments autopay
--date <day>` at the same moment against one database (a SQLite file, and PostgreSQL when VEZ_TEST_DATABASE_URL
is set), over twenty autopay accounts with bills (docs/payments.md, "Autopay", "Exactly once per bill")."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import postgres_app
from vez import create_app
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.models import (
    Autopay,
    AutopayAttempt,
    Bill,
    BranchKind,
    Letter,
    Payment,
    PaymentChannel,
    PaymentEntry,
    PaymentStatus,
    PersonalAccount,
    SandboxCard,
    SandboxPayment,
    Service,
    Subdivision,
    User,
    UserAccount,
    utcnow,
)

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 20
DAY = "2026-11-02"  # AUTOPAY_DAY of the month after the billed October, before the due date
# Each runner imports the app, says it is ready, waits for the word to go, then is the CLI itself.
RUNNER = (
    "import pathlib, sys, time; import vez; from flask.cli import main; "
    "folder = pathlib.Path(sys.argv[1]); (folder / f'ready-{sys.argv[3]}').touch(); "
    "[time.sleep(0.005) for _ in iter(lambda: (folder / 'go').exists(), True)]; "
    "sys.argv = ['flask', '--app', 'vez', 'payments', 'autopay', '--date', sys.argv[2]]; main()"
)


@contextmanager
def sqlite_app(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite3'}"})
    with app.app_context():
        db.create_all()
        yield app


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path, worker_id):
    if request.param == "sqlite":
        with sqlite_app(tmp_path) as app:
            yield app
    else:
        with postgres_app(f"live_autopay_{worker_id}", "prove autopay once per bill across processes") as app:
            yield app


def expected_charge(i: int) -> tuple[int, int, int]:
    """Account i's (balance, cap, charge): amounts that differ, and every fifth one capped below its bill."""
    balance = 40_000 + 137 * i
    cap = 30_000 if i % 5 == 0 else 100_000
    return balance, cap, min(balance, cap)


def twenty_autopay_accounts() -> dict[str, tuple[int, int]]:
    """Twenty logins, each with an account owing on its October bill and autopay on a passing sandbox card;
    the account number → (balance before, what autopay should take)."""
    sub = Subdivision(
        code="108", service=Service.gas, name_uk="Любешівська", name_en="Liubeshiv", kind=BranchKind.district
    )
    db.session.add(sub)
    password = hash_password("x" * 20)
    expected = {}
    for i in range(ACCOUNTS):
        number = f"93{i:07d}"
        balance, cap, charge = expected_charge(i)
        account = PersonalAccount(
            number=number,
            service=Service.gas,
            subdivision=sub,
            holder_name="Ковальчук Олена",
            address="Любешів",
            balance=balance,
        )
        user = User(
            login=f"payer{i}",
            login_key=f"payer{i}",
            email=f"payer{i}@example.com",
            email_key=f"payer{i}@example.com",
            phone="+380501234567",
            password_hash=password,
            activated_at=utcnow(),
        )
        card = SandboxCard(token=f"tok-live-{i}", mask="424242******4242", declines=False)
        db.session.add_all([account, user, card])
        db.session.flush()
        db.session.add_all(
            [
                UserAccount(user_id=user.id, account_id=account.id),
                Autopay(
                    account_id=account.id,
                    user_id=user.id,
                    max_amount=cap,
                    consent_version="2026-1",
                    card_token=card.token,
                    card_mask=card.mask,
                ),
                Bill(
                    account_id=account.id,
                    month=date(2026, 10, 1),
                    number=f"{number}-202610",
                    issued_on=date(2026, 11, 1),
                    opening_balance=0,
                    charged=balance,
                    paid=0,
                    closing_balance=balance,
                    due_date=date(2026, 11, 20),
                ),
            ]
        )
        expected[number] = (balance, charge)
    db.session.commit()
    return expected


def run_together(url: str, folder: Path, runners: int = 2) -> tuple[list[str], float]:
    """The runners' outputs, and the seconds from the word to go until the last one finished."""
    folder.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VEZ_")},
        "VEZ_SQLALCHEMY_DATABASE_URI": url,
        "VEZ_SECRET_KEY": "live-test-secret-key-0123456789abcdef",
        "VEZ_EXTERNAL_URL": "http://127.0.0.1",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(folder), DAY, str(n)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(runners)
    ]
    deadline = time.monotonic() + 30
    while len(list(folder.glob("ready-*"))) < runners:
        assert time.monotonic() < deadline and all(p.poll() is None for p in processes), "a runner did not start"
        time.sleep(0.01)
    (folder / "go").touch()
    started = time.monotonic()
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err[-3000:]
        outputs.append(out.strip())
    return outputs, time.monotonic() - started


def count(model, *where) -> int:
    return db.session.scalar(select(func.count(model.id)).where(*where))


def test_two_processes_running_the_autopay_job_at_once_charge_each_bill_once(database, tmp_path):
    expected = twenty_autopay_accounts()
    url = database.config["SQLALCHEMY_DATABASE_URI"]
    if not isinstance(url, str):
        url = url.render_as_string(hide_password=False)
    outputs, took = run_together(url, tmp_path / "first")
    paid = [int(o.split("paid ")[1].split(",")[0].rstrip(".")) if "paid " in o else 0 for o in outputs]
    assert sum(paid) == ACCOUNTS, outputs  # between them, every account once
    assert took < 20, f"the two runs took {took:.1f} s: {outputs}"

    db.session.expire_all()
    orders = db.session.execute(
        select(Bill.id, Payment.id, Payment.status, Payment.amount, PersonalAccount.number, PersonalAccount.balance)
        .join(Payment, Payment.bill_id == Bill.id)
        .join(PersonalAccount, PersonalAccount.id == Bill.account_id)
        .where(Payment.channel == PaymentChannel.autopay)
    ).all()
    assert sorted(row.number for row in orders) == sorted(expected)  # exactly one autopay order per bill
    for row in orders:
        before, charge = expected[row.number]
        assert (row.status, row.amount) == (PaymentStatus.paid, charge), row.number
        assert row.balance == before - charge, row.number  # moved by exactly the charge
        entries = db.session.scalars(select(PaymentEntry).where(PaymentEntry.payment_id == row.id)).all()
        assert [(e.kind.value, e.balance_change) for e in entries] == [("credit", -charge)], row.number  # one credit
    assert count(Payment) == ACCOUNTS  # nothing else was made
    assert count(SandboxPayment, SandboxPayment.action == "paytoken") == ACCOUNTS  # the bank charged each card once
    assert sorted(a.outcome for a in db.session.scalars(select(AutopayAttempt))) == ["paid"] * ACCOUNTS
    receipts = db.session.scalars(select(Letter.recipient).where(Letter.kind == "payment_receipt")).all()
    assert sorted(receipts) == sorted(f"payer{i}@example.com" for i in range(ACCOUNTS))  # one receipt per charge

    again, _ = run_together(url, tmp_path / "again")  # a second pair the same day finds every bill done
    assert all("paid" not in o for o in again), again
    db.session.expire_all()
    assert count(Payment) == ACCOUNTS and count(Letter, Letter.kind == "payment_receipt") == ACCOUNTS
