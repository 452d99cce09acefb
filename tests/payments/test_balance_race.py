"""docs/security.md, "Balance recomputation and credits": a recomputation from the ledger (imports, staff actions)
that runs while a callback's credit is in flight must not write a balance computed before the credit committed.

PostgreSQL only: SQLite has one writer at a time, so the two can never interleave there.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from tests.conftest import postgres_app
from vez.extensions import db as _db
from vez.ledger import recompute_balances
from vez.models import (
    BranchKind,
    Charge,
    Payment,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    Service,
    Subdivision,
)
from vez.payments import settle
from vez.payments.providers import GatewayOutcome, GatewayResult


@pytest.fixture
def pg_app(worker_id):
    with postgres_app(f"balance_{worker_id}", "run the balance race") as app:
        yield app


def _account_with_a_pending_order() -> tuple[int, int]:
    sub = Subdivision(
        code="108", service=Service.electricity, name_uk="Любешівська", name_en="Liubeshiv", kind=BranchKind.district
    )
    account = PersonalAccount(
        number="529471247",
        service=Service.electricity,
        subdivision=sub,
        holder_name="Петренко Степан",
        address="Любешів",
        balance=50_000,
    )
    charge = Charge(
        account=account, month=date(2026, 10, 1), volume=Decimal("100"), unit="kWh", tariff=Decimal("5"), amount=50_000
    )
    payment = Payment(
        account=account,
        amount=10_000,
        source=PaymentSource.online,
        status=PaymentStatus.pending,
        reference="vez-race-1",
        provider="sandbox",
    )
    _db.session.add_all([sub, account, charge, payment])
    _db.session.commit()
    return account.id, payment.id


def _waiting_on_a_lock(timeout: float = 10.0) -> bool:
    """True once another backend of this database waits for a lock (the recomputation behind the credit)."""
    deadline = time.monotonic() + timeout
    with _db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            )
            conn.commit()
            if waiting:
                return True
            time.sleep(0.05)
    return False


@pytest.mark.postgres
def test_review17e_a_recomputation_during_a_credit_keeps_the_credit_on_postgresql(pg_app):
    """The credit holds the account row when the recomputation starts; the credit commits while the
    recomputation waits. The balance must be the ledger's: charges 500.00 less the received 100.00."""
    assert _db.engine.dialect.name == "postgresql"
    account_id, payment_id = _account_with_a_pending_order()
    credited, commit_now = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def credit():
        try:
            with pg_app.app_context():
                payment = _db.session.get(Payment, payment_id)
                result = GatewayResult(
                    order_id="vez-race-1", outcome=GatewayOutcome.success, status="success", amount=10_000
                )
                assert settle.credit(payment, result, ip=None, via="test") is settle.Settled.credited
                credited.set()  # the account row is locked by the credit's UPDATE, not yet committed
                assert commit_now.wait(timeout=20)
                _db.session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the test body
            errors.append(error)
            credited.set()

    def recompute():
        try:
            with pg_app.app_context():
                recompute_balances([account_id])
                _db.session.commit()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    crediting = threading.Thread(target=credit)
    crediting.start()
    assert credited.wait(timeout=20)
    recomputing = threading.Thread(target=recompute)
    recomputing.start()
    blocked = _waiting_on_a_lock()
    commit_now.set()
    crediting.join(timeout=30)
    recomputing.join(timeout=30)
    assert errors == []
    assert blocked, "the recomputation did not wait for the credit's row lock"
    _db.session.expire_all()
    assert _db.session.get(Payment, payment_id).status is PaymentStatus.paid
    assert _db.session.scalar(select(PersonalAccount.balance).where(PersonalAccount.id == account_id)) == 40_000


@pytest.mark.postgres
def test_review17e_a_credit_during_a_recomputation_keeps_the_credit_on_postgresql(pg_app):
    """The other order: the recomputation holds the rows first, the credit waits, then applies on top."""
    account_id, payment_id = _account_with_a_pending_order()
    recomputed, commit_now = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def recompute():
        try:
            with pg_app.app_context():
                recompute_balances([account_id])
                recomputed.set()
                assert commit_now.wait(timeout=20)
                _db.session.commit()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
            recomputed.set()

    def credit():
        try:
            with pg_app.app_context():
                payment = _db.session.get(Payment, payment_id)
                result = GatewayResult(
                    order_id="vez-race-1", outcome=GatewayOutcome.success, status="success", amount=10_000
                )
                assert settle.credit(payment, result, ip=None, via="test") is settle.Settled.credited
                _db.session.commit()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    recomputing = threading.Thread(target=recompute)
    recomputing.start()
    assert recomputed.wait(timeout=20)
    crediting = threading.Thread(target=credit)
    crediting.start()
    blocked = _waiting_on_a_lock()
    commit_now.set()
    recomputing.join(timeout=30)
    crediting.join(timeout=30)
    assert errors == []
    assert blocked
    _db.session.expire_all()
    assert _db.session.scalar(select(PersonalAccount.balance).where(PersonalAccount.id == account_id)) == 40_000
