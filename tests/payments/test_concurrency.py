"""docs/security.md H40 and H42: identical callbacks at the same moment credit once; a crash leaves
nothing half-done."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import ON_POSTGRES, https_client, postgres_app
from tests.payments.conftest import audit_actions, credits, place_order, post_callback, sandbox_callback, state
from vez.extensions import db as _db
from vez.models import (
    BranchKind,
    Payment,
    PaymentEntry,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    Service,
    Subdivision,
)


def hammer(app, form: dict, threads: int = 8) -> list[int]:
    """Post the same callback from `threads` threads released together; their HTTP statuses."""
    clients = [https_client(app) for _ in range(threads)]
    barrier = threading.Barrier(threads)
    statuses: list[int] = []
    lock = threading.Lock()

    def deliver(client):
        barrier.wait(timeout=10)
        status = client.post("/payments/callback/sandbox", data=form).status_code
        with lock:
            statuses.append(status)

    workers = [threading.Thread(target=deliver, args=(c,)) for c in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return statuses


def test_h40_eight_identical_callbacks_at_once_credit_once(app, client, payer):
    """On the suite's database: a SQLite file by default, PostgreSQL with VEZ_TEST_BACKEND=postgres."""
    _, account = payer
    payment = place_order(client, amount="100.00")
    statuses = hammer(app, sandbox_callback(app, payment))
    assert statuses == [200] * 8
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert credits(payment.id) == 1
    assert audit_actions().count("payment.received") == 1


@pytest.fixture
def pg_app(worker_id):
    """An app on PostgreSQL whatever backend the suite runs on: the row lock is proven where it exists."""
    with postgres_app(f"payments_{worker_id}", "prove H40") as app:
        yield app


@pytest.mark.postgres
def test_h40_eight_identical_callbacks_at_once_credit_once_on_postgresql(pg_app):
    assert _db.engine.dialect.name == "postgresql"
    sub = Subdivision(
        code="108",
        service=Service.electricity,
        name_uk="Любешівська філія",
        name_en="Liubeshiv branch",
        kind=BranchKind.district,
    )
    account = PersonalAccount(
        number="529471247",
        service=Service.electricity,
        subdivision=sub,
        holder_name="Петренко Степан",
        address="Любешів",
        balance=50_000,
    )
    payments = [
        Payment(
            account=account,
            amount=10_000,
            source=PaymentSource.online,
            status=PaymentStatus.pending,
            reference=f"vez-pg-{i}",
            provider="sandbox",
        )
        for i in range(3)
    ]
    _db.session.add_all([sub, account, *payments])
    _db.session.commit()
    for payment in payments:  # three rounds: a race that is lost once in a while would show
        assert hammer(pg_app, sandbox_callback(pg_app, payment)) == [200] * 8
    _db.session.expire_all()
    assert _db.session.get(PersonalAccount, account.id).balance == 20_000
    assert _db.session.scalar(select(func.count(PaymentEntry.id))) == 3
    assert {p.status for p in _db.session.scalars(select(Payment))} == {PaymentStatus.paid}


@pytest.mark.parametrize("crash_at", ["ledger_entry", "_receipt_letter"])
def test_h42_a_crash_mid_credit_leaves_nothing_and_the_redelivery_credits_once(
    app, client, payer, monkeypatch, crash_at
):
    from vez.payments import settle

    _, account = payer
    payment = place_order(client, amount="100.00")
    form = sandbox_callback(app, payment)

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(settle, crash_at, crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 answer, as in production
    assert post_callback(https_client(app), "sandbox", form).status_code == 500  # the gateway will redeliver
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    assert credits() == 0 and "payment.received" not in audit_actions()

    monkeypatch.undo()
    assert post_callback(https_client(app), "sandbox", form).status_code == 200
    assert post_callback(https_client(app), "sandbox", form).status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert credits(payment.id) == 1


def test_the_ledger_refuses_a_second_credit_row(app, client, payer, db):
    """The unique ledger row is the second lock: even a status written by hand cannot credit twice."""
    from sqlalchemy.exc import IntegrityError

    from vez.models import EntryKind, utcnow

    payment = place_order(client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment))
    db.session.add(
        PaymentEntry(
            payment_id=payment.id,
            account_id=payment.account_id,
            kind=EntryKind.credit,
            balance_change=-payment.amount,
            at=utcnow(),
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite variant")
def test_h40_sqlite_file_database_is_what_the_threads_share(app):
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
        and ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]
    )


def test_the_same_pay_form_sent_from_eight_threads_at_once_makes_one_order(app, client, payer):
    """The form key is a unique row: parallel double submits find one order and none is rolled back."""
    from tests.conftest import csrf_token
    from tests.payments.conftest import KEY

    pay = "/cabinet/accounts/529471247/pay"
    key = KEY.search(client.get(pay).get_data(as_text=True)).group(1)
    token = csrf_token(client, pay)
    clients = [https_client(app) for _ in range(8)]
    for other in clients:  # the same browser session in eight connections
        for cookie in client._cookies.values():
            other.set_cookie(
                cookie.key,
                cookie.value,
                domain=cookie.domain,
                path=cookie.path,
                secure=cookie.secure,
                httponly=cookie.http_only,
            )
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, str | None]] = []
    lock = threading.Lock()

    def send(other):
        barrier.wait(timeout=10)
        response = other.post(
            pay, data={"amount": "100.00", "key": key, "csrf_token": token}, headers={"HX-Request": "true"}
        )
        with lock:
            answers.append((response.status_code, response.headers.get("HX-Redirect")))

    workers = [threading.Thread(target=send, args=(c,)) for c in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert len(answers) == 8 and {status for status, _ in answers} == {204}
    assert len({target for _, target in answers}) == 1  # every answer sends the browser to the same checkout
    assert _db.session.scalar(select(func.count(Payment.id)).where(Payment.idempotency_key == key)) == 1
    assert audit_actions().count("payment.created") == 1
