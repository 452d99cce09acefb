"""Several accounts in one payment under duplicate callbacks at the same moment: each account is credited
its amount exactly once, on SQLite and on PostgreSQL (docs/payments.md, "Several accounts in one payment")."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import https_client, postgres_app
from tests.payments.conftest import audit_actions, balances, batch_callback, credits, start_batch, statuses
from tests.payments.test_concurrency import hammer
from vez.extensions import db as _db
from vez.models import (
    BranchKind,
    Payment,
    PaymentBatch,
    PaymentChannel,
    PaymentEntry,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    Service,
    Subdivision,
)


def test_eight_identical_batch_callbacks_at_once_credit_each_account_once(app, client, two_debts):
    """On the suite's database: a SQLite file by default, PostgreSQL with VEZ_TEST_BACKEND=postgres."""
    _, power, gas = two_debts
    batch = start_batch(client)
    assert hammer(app, batch_callback(app, batch)) == [200] * 8
    assert statuses(batch) == (PaymentStatus.paid, [PaymentStatus.paid, PaymentStatus.paid])
    assert balances(power, gas) == [0, 0]
    assert credits() == 2 and audit_actions().count("payment.batch_paid") == 1


def test_a_success_and_a_decline_at_once_leave_all_accounts_paid_or_all_unpaid(app, client, two_debts):
    _, power, gas = two_debts
    batch = start_batch(client)
    success, failure = batch_callback(app, batch), batch_callback(app, batch, "failure")
    barrier = threading.Barrier(8)

    def deliver(form):
        barrier.wait(timeout=10)
        https_client(app).post("/payments/callback/sandbox", data=form)

    workers = [threading.Thread(target=deliver, args=(f,)) for f in [success, failure] * 4]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    batch_status, member_statuses = statuses(batch)
    # A success after a decline still credits (the money did arrive), so the end is paid; never half of it.
    assert batch_status is PaymentStatus.paid and member_statuses == [PaymentStatus.paid] * 2
    assert balances(power, gas) == [0, 0] and credits() == 2


@pytest.fixture
def pg_app(worker_id):
    with postgres_app(f"batches_{worker_id}", "prove a batch credits once") as app:
        yield app


@pytest.mark.postgres
def test_eight_identical_batch_callbacks_at_once_credit_each_account_once_on_postgresql(pg_app):
    assert _db.engine.dialect.name == "postgresql"
    sub = Subdivision(
        code="108",
        service=Service.electricity,
        name_uk="Любешівська філія",
        name_en="Liubeshiv",
        kind=BranchKind.district,
    )
    accounts = [
        PersonalAccount(
            number=f"52947124{i}",
            service=Service.electricity,
            subdivision=sub,
            holder_name="Петренко Степан",
            address="Любешів",
            balance=50_000,
        )
        for i in range(3)
    ]
    _db.session.add_all([sub, *accounts])
    _db.session.flush()
    made = []
    for round_ in range(3):  # three rounds: a race that is lost once in a while would show
        batch = PaymentBatch(reference=f"vez-b-pg-{round_}", provider="sandbox", amount=3 * 10_000)
        _db.session.add(batch)
        _db.session.flush()
        _db.session.add_all(
            Payment(
                account=account,
                amount=10_000,
                source=PaymentSource.online,
                status=PaymentStatus.created,
                reference=f"vez-pg-{round_}-{account.number}",
                provider="sandbox",
                channel=PaymentChannel.batch,
                batch_id=batch.id,
            )
            for account in accounts
        )
        made.append(batch)
    _db.session.commit()
    for batch in made:
        assert hammer(pg_app, batch_callback(pg_app, batch)) == [200] * 8
    _db.session.expire_all()
    assert [_db.session.get(PersonalAccount, a.id).balance for a in accounts] == [20_000] * 3
    assert _db.session.scalar(select(func.count(PaymentEntry.id))) == 9
    assert {b.status for b in _db.session.scalars(select(PaymentBatch))} == {PaymentStatus.paid}


def test_two_reconcile_runners_at_once_ask_about_a_batch_once_and_credit_it_once(app, client, two_debts, monkeypatch):
    """Two schedulers' jobs at the same moment (threads, each with its own session): the batch's claim on
    `checked_at` lets one ask; the gateway (slow, as over the network) says paid; each account is credited once."""
    import time
    from datetime import timedelta

    from vez.models import utcnow
    from vez.payments.providers import GatewayOutcome, GatewayResult
    from vez.payments.providers.sandbox import SandboxProvider
    from vez.payments.settle import reconcile

    _, power, gas = two_debts
    batch = start_batch(client)
    reference, amount = batch.reference, batch.amount
    asked = []

    def slow(self, order_id):
        asked.append(order_id)
        time.sleep(0.5)  # the network: the other runner gets there meanwhile
        return GatewayResult(reference, GatewayOutcome.success, "success", amount=amount, currency="UAH")

    monkeypatch.setattr(SandboxProvider, "query_status", slow)
    later = utcnow() + timedelta(seconds=app.config["PAYMENT_PENDING_TTL_SECONDS"] + 1)
    barrier = threading.Barrier(2)
    results = []

    def run():
        with app.app_context():
            barrier.wait(timeout=10)
            results.append(reconcile(now=later))
            _db.session.remove()

    workers = [threading.Thread(target=run) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert asked == [reference] and sum(r["credited"] for r in results) == 1
    assert balances(power, gas) == [0, 0] and credits() == 2
