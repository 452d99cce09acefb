"""Helpers for the payment tests: a paying login, orders placed through the pay form, signed callbacks."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from vez.extensions import db as _db
from vez.models import AuditEvent, Payment, PaymentBatch, PaymentEntry, PaymentStatus, PersonalAccount
from vez.payments import batches
from vez.payments.providers.envelope import encode, hmac_signature, liqpay_signature

KEY = re.compile(r'name="key" type="hidden" value="([^"]+)"')
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def payer(make_account, make_user, auth):
    """The login `ivan` holding account 529471247 with a debt of 500.00, logged in."""
    account = make_account(balance=50_000)
    user = make_user("ivan", accounts=[account])
    auth.login()
    return user, account


def place_order(client, number: str = "529471247", amount: str = "100.00", **headers) -> Payment:
    """Fill and send the pay form as a browser does; returns the pending order."""
    html = client.get(f"/cabinet/accounts/{number}/pay").get_data(as_text=True)
    key = KEY.search(html).group(1)
    token = csrf_token(client, f"/cabinet/accounts/{number}/pay")
    response = client.post(
        f"/cabinet/accounts/{number}/pay", data={"amount": amount, "key": key, "csrf_token": token}, headers=headers
    )
    assert response.status_code in (303, 204), response.get_data(as_text=True)
    return _db.session.scalar(select(Payment).where(Payment.idempotency_key == key))


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def through_sandbox(client, payment, decision: str):
    """Checkout page → the sandbox bank's page → its button; returns the bank's answer."""
    checkout = client.get(f"/payments/{payment.id}/checkout").get_data(as_text=True)
    assert 'action="/payments/sandbox/checkout"' in checkout
    fields = {
        "data": hidden(checkout, "data"),
        "signature": hidden(checkout, "signature"),
        "csrf_token": hidden(checkout, "csrf_token"),
    }
    bank = client.post("/payments/sandbox/checkout", data=fields)
    assert bank.status_code == 200
    page = bank.get_data(as_text=True)
    assert "ТОВ «Волиньелектрозбут»" in page and payment.reference in page and "100,00" in page
    assert "Сплатити" in page and "Відхилити" in page
    return client.post("/payments/sandbox/decide", data={**fields, "decision": decision})


def sandbox_envelope(app, params: dict, key: str | None = None) -> dict[str, str]:
    data = encode(params)
    return {"data": data, "signature": hmac_signature(key or app.config["SANDBOX_PRIVATE_KEY"], data)}


def sandbox_callback(app, payment: Payment, status: str = "success", **override) -> dict[str, str]:
    params = {
        "version": 3,
        "public_key": app.config["SANDBOX_PUBLIC_KEY"],
        "action": "pay",
        "status": status,
        "order_id": payment.reference,
        "amount": f"{payment.amount // 100}.{payment.amount % 100:02d}",
        "currency": "UAH",
        "payment_id": 777,
        **override,
    }
    return sandbox_envelope(app, {k: v for k, v in params.items() if v is not None})


def liqpay_envelope(private_key: str, params: dict, version: int = 3) -> dict[str, str]:
    """Built by the documented rule, independently of the code under test."""
    import base64
    import hashlib
    import json

    data = base64.b64encode(json.dumps(params).encode()).decode()
    digest = hashlib.sha3_256 if version >= 7 else hashlib.sha1
    signature = base64.b64encode(digest((private_key + data + private_key).encode()).digest()).decode()
    assert signature == liqpay_signature(private_key, data, version)
    return {"data": data, "signature": signature}


def post_callback(client, provider: str, form: dict, content_type: str = FORM):
    if content_type == FORM:
        return client.post(f"/payments/callback/{provider}", data=form)
    return client.post(f"/payments/callback/{provider}", data=__import__("json").dumps(form), content_type=content_type)


def credits(payment_id: int | None = None) -> int:
    stmt = select(func.count(PaymentEntry.id)).where(PaymentEntry.kind == "credit")
    if payment_id is not None:
        stmt = stmt.where(PaymentEntry.payment_id == payment_id)
    return _db.session.scalar(stmt)


def audit_actions(prefix: str = "payment.") -> list[str]:
    return list(
        _db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
        )
    )


def state(payment: Payment, account) -> tuple[PaymentStatus, int]:
    _db.session.expire_all()
    return _db.session.get(Payment, payment.id).status, _db.session.get(type(account), account.id).balance


# ---- several accounts in one payment (tests/payments/test_batch*.py) ---------------------------------

NEW = "/payments/batches/new"
LINES = re.compile(r'name="lines" type="hidden" value="([^"]*)"')


@pytest.fixture
def two_debts(make_account, make_user, auth):
    """The login `ivan` holding an electricity account owing 500.00 and a gas one owing 123.45, logged in."""
    power = make_account("529471247", balance=50_000)
    gas = make_account("912345678", balance=12_345)
    user = make_user("ivan", accounts=[power, gas])
    auth.login()
    return user, power, gas


def confirmation(client) -> tuple[str, str, str]:
    html = client.get(NEW).get_data(as_text=True)
    return KEY.search(html).group(1), LINES.search(html).group(1), csrf_token(client, NEW)


def start_batch(client, **headers) -> PaymentBatch:
    """Open the confirmation and press "Pay" as a browser does; the batch it made."""
    key, lines, token = confirmation(client)
    response = client.post(NEW, data={"key": key, "lines": lines, "csrf_token": token}, headers=headers)
    assert response.status_code in (303, 204), response.get_data(as_text=True)
    return _db.session.scalar(select(PaymentBatch).where(PaymentBatch.idempotency_key == key))


def batch_callback(app, batch: PaymentBatch, status: str = "success", **override) -> dict[str, str]:
    numbers = [payment.account.number for payment in batches.members(batch.id)]
    params = {
        "version": 3,
        "public_key": app.config["SANDBOX_PUBLIC_KEY"],
        "action": "pay",
        "status": status,
        "order_id": batch.reference,
        "amount": f"{batch.amount // 100}.{batch.amount % 100:02d}",
        "currency": "UAH",
        "payment_id": 4242,
        "info": batches.info_of(numbers),
        **override,
    }
    return sandbox_envelope(app, {k: v for k, v in params.items() if v is not None})


def balances(*accounts) -> list[int]:
    _db.session.expire_all()
    return [_db.session.get(PersonalAccount, account.id).balance for account in accounts]


def statuses(batch: PaymentBatch) -> tuple[PaymentStatus, list[PaymentStatus]]:
    _db.session.expire_all()
    return _db.session.get(PaymentBatch, batch.id).status, [p.status for p in batches.members(batch.id)]
