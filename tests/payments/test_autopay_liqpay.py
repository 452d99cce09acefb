"""Autopay on LiqPay's protocol (docs/payments.md, "Autopay"): `recurringbytoken` in the signed checkout, the card
token from a signed callback, and `paytoken` sent to /api/request and read like a status; no network."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from tests.payments.autopay_helpers import NUMBER, add_bill, attempts, card_order, hidden, switch_on
from tests.payments.conftest import liqpay_envelope, post_callback
from vez.models import Autopay, Payment, PaymentChannel, PaymentStatus
from vez.payments import autopay

PUBLIC, PRIVATE = "i00000000001", "sandbox_private_key_0123456789abcdef"


@pytest.fixture
def liqpay(app):
    app.config.update(PAYMENT_PROVIDER="liqpay", LIQPAY_PUBLIC_KEY=PUBLIC, LIQPAY_PRIVATE_KEY=PRIVATE)
    return app


def documented_signature(data: str) -> str:
    """base64(sha1(private_key + data + private_key)), API version 3."""
    return base64.b64encode(hashlib.sha1((PRIVATE + data + PRIVATE).encode()).digest()).decode()


class Gateway:
    """LiqPay's /api/request as the tests play it: records each request, answers what the test sets."""

    def __init__(self, answer: dict):
        self.answer, self.requests = answer, []

    def __call__(self, url: str, body: bytes, timeout: float) -> bytes:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        self.requests.append((url, form, json.loads(base64.b64decode(form["data"]))))
        answer = self.answer(self.requests[-1][2]) if callable(self.answer) else self.answer
        return json.dumps(answer).encode()


def test_the_card_saving_checkout_asks_for_a_token_in_the_signed_data(liqpay, client, payer):
    switch_on(client)
    html = client.get(f"/payments/{card_order().id}/checkout").get_data(as_text=True)
    data = hidden(html, "data")
    assert hidden(html, "signature") == documented_signature(data)
    params = json.loads(base64.b64decode(data))
    assert params["recurringbytoken"] == "1" and params["action"] == "pay" and params["amount"] == "500.00"


def test_an_ordinary_checkout_asks_for_no_token(liqpay, client, payer):
    from tests.payments.conftest import place_order

    html = client.get(f"/payments/{place_order(client).id}/checkout").get_data(as_text=True)
    assert "recurringbytoken" not in json.loads(base64.b64decode(hidden(html, "data")))


def success(payment, **extra) -> dict:
    params = {
        "version": 3,
        "public_key": PUBLIC,
        "action": "pay",
        "status": "success",
        "order_id": payment.reference,
        "amount": Decimal(payment.amount) / 100,
        "currency": "UAH",
        "payment_id": 1234567890,
        "info": NUMBER,
        **extra,
    }
    return liqpay_envelope(PRIVATE, json.loads(json.dumps(params, default=float)))


def test_the_signed_success_callback_carries_the_card_token_and_mask(liqpay, client, payer, db):
    switch_on(client)
    order = card_order()
    form = success(order, card_token="B5BB0D00B88B00ED00A00D0D", sender_card_mask2="473118*34")
    assert post_callback(client, "liqpay", form).status_code == 200
    db.session.expire_all()
    row = db.session.scalar(select(Autopay))
    assert (row.card_token, row.card_mask) == ("B5BB0D00B88B00ED00A00D0D", "473118*34")


def test_a_forged_token_callback_saves_nothing(liqpay, client, payer, db):
    switch_on(client)
    form = success(card_order(), card_token="forged")
    form["signature"] = "x" + form["signature"][1:]
    assert post_callback(client, "liqpay", form).status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(Autopay)).card_token is None


def on_with_token(db, user, account, max_amount=100_000):
    db.session.add(
        Autopay(
            account_id=account.id,
            user_id=user.id,
            max_amount=max_amount,
            consent_version="2026-1",
            card_token="B5BB0D00B88B00ED00A00D0D",
            card_mask="473118*34",
        )
    )
    db.session.commit()


def test_paytoken_is_sent_as_documented_and_its_success_credits_the_bill(liqpay, app, payer, db):
    user, account = payer
    on_with_token(db, user, account)
    bill = add_bill(account)

    def answer(params):
        return {
            "result": "ok",
            "action": "paytoken",
            "status": "success",
            "order_id": params["order_id"],
            "amount": 500.0,
            "currency": "UAH",
            "payment_id": 42,
            "public_key": PUBLIC,
        }

    gateway = Gateway(answer)
    app.extensions["vez.payment_transport"] = gateway
    assert autopay.autopay_job("2026-11-02").endswith("paid 1")
    [(url, form, params)] = gateway.requests
    payment = db.session.scalar(select(Payment).where(Payment.channel == PaymentChannel.autopay))
    assert url == "https://www.liqpay.ua/api/request"
    assert form["signature"] == documented_signature(form["data"])
    assert params == {
        "action": "paytoken",
        "version": 3,
        "public_key": PUBLIC,
        "amount": "500.00",
        "currency": "UAH",
        "description": "Оплата за електроенергію, особовий рахунок № 529471247",
        "order_id": payment.reference,
        "card_token": "B5BB0D00B88B00ED00A00D0D",
        "server_url": "https://cabinet.test/payments/callback/liqpay",
        "info": NUMBER,
        "phone": "380501234567",
    }
    assert (payment.status, payment.gateway_payment_id, payment.bill_id) == (PaymentStatus.paid, "42", bill.id)
    # LiqPay also calls server_url with the same result: it changes nothing more.
    assert attempts() == [(1, "paid", 50_000)]


@pytest.mark.parametrize(
    "answer",
    [
        {"result": "error", "status": "error", "err_code": "card_token_invalid", "err_description": "invalid token"},
        {"result": "error", "err_code": "limit"},
        {"status": "failure", "amount": 500, "currency": "UAH", "err_code": "9859", "public_key": PUBLIC},
    ],
)
def test_a_paytoken_refusal_is_a_decline_retried_once(liqpay, app, payer, db, answer):
    user, account = payer
    on_with_token(db, user, account)
    add_bill(account)
    app.extensions["vez.payment_transport"] = Gateway(answer)
    assert autopay.autopay_job("2026-11-02").endswith("declined 1")
    assert autopay.autopay_job("2026-11-03").endswith("declined 1")
    assert autopay.autopay_job("2026-11-04").endswith("done 1")
    assert [a[1] for a in attempts()] == ["declined", "declined"]


def test_a_paytoken_answer_for_another_order_changes_nothing(liqpay, app, payer, db):
    user, account = payer
    on_with_token(db, user, account)
    add_bill(account)
    app.extensions["vez.payment_transport"] = Gateway(
        {"status": "success", "order_id": "vez-someone-else", "amount": 500, "currency": "UAH", "public_key": PUBLIC}
    )
    assert autopay.autopay_job("2026-11-02").endswith("rejected 1")
    assert attempts() == [(1, None, 50_000)]
    assert db.session.scalar(select(Payment.status).where(Payment.channel == PaymentChannel.autopay)) is (
        PaymentStatus.pending
    )
