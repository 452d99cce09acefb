"""Autopay exactly once per bill when job runners race (docs/payments.md, "Autopay"): threads running the job
at the same moment against one database, on the suite's database (SQLite) and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import func, select

from tests.parallel import any_app, one_login_with_one_account  # noqa: F401 (the fixture)
from vez import jobs
from vez.extensions import db as _db
from vez.models import (
    Autopay,
    AutopayAttempt,
    Bill,
    Letter,
    Payment,
    PaymentChannel,
    PaymentEntry,
    PersonalAccount,
    SandboxCard,
    SandboxPayment,
    User,
)

RUNNERS = 6


def accounts_with_autopay(app, *, declines: bool = False) -> None:
    one_login_with_one_account(app, balance=50_000)
    with app.app_context():
        account = _db.session.scalar(select(PersonalAccount))
        user = _db.session.scalar(select(User))
        card = SandboxCard(token="tok-race", mask="424242******4242", declines=declines)
        _db.session.add_all(
            [
                card,
                Autopay(
                    account_id=account.id,
                    user_id=user.id,
                    max_amount=100_000,
                    consent_version="2026-1",
                    card_token=card.token,
                    card_mask=card.mask,
                ),
                Bill(
                    account_id=account.id,
                    month=date(2026, 10, 1),
                    number="529471247-202610",
                    issued_on=date(2026, 11, 1),
                    opening_balance=0,
                    charged=50_000,
                    paid=0,
                    closing_balance=50_000,
                    due_date=date(2026, 11, 20),
                ),
            ]
        )
        _db.session.commit()


def race(app, day: str) -> list[str]:
    """RUNNERS job runs released together, each through vez.jobs.perform (its own app context and session)."""
    barrier = threading.Barrier(RUNNERS)
    results: list[str] = []
    lock = threading.Lock()

    def run():
        with app.app_context():
            barrier.wait(timeout=10)
            outcome = jobs.perform("vez.payments.autopay.autopay_job", day)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(RUNNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == RUNNERS, "a runner did not finish"
    return results


def count(model) -> int:
    return _db.session.scalar(select(func.count(model.id)))


def test_concurrent_job_runs_charge_each_bill_exactly_once(any_app):  # noqa: F811
    accounts_with_autopay(any_app)
    for _ in range(2):  # two rounds: a second wave finds the bill charged
        results = race(any_app, "2026-11-02")
        assert sum("paid 1" in r for r in results) <= 1, results
    with any_app.app_context():
        assert [a.outcome for a in _db.session.scalars(select(AutopayAttempt))] == ["paid"]
        assert _db.session.scalar(select(func.count(Payment.id)).where(Payment.channel == PaymentChannel.autopay)) == 1
        assert count(PaymentEntry) == 1 and count(SandboxPayment) == 1
        assert _db.session.scalar(select(PersonalAccount.balance)) == 0
        assert _db.session.scalar(select(func.count(Letter.id)).where(Letter.kind == "payment_receipt")) == 1


def test_concurrent_runs_after_a_decline_retry_once_and_tell_once_a_day(any_app):  # noqa: F811
    accounts_with_autopay(any_app, declines=True)
    race(any_app, "2026-11-02")
    race(any_app, "2026-11-03")
    race(any_app, "2026-11-04")
    with any_app.app_context():
        outcomes = _db.session.execute(select(AutopayAttempt.attempt, AutopayAttempt.outcome)).all()
        assert sorted(outcomes) == [(1, "declined"), (2, "declined")]
        assert count(SandboxPayment) == 2
        assert _db.session.scalar(select(func.count(Letter.id)).where(Letter.kind == "autopay_declined")) == 2
        assert _db.session.scalar(select(PersonalAccount.balance)) == 50_000
