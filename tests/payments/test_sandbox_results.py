"""A correctly signed LiqPay result flagged `is_sandbox` is no money outside sandbox mode."""

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import https_client
from tests.payments.conftest import audit_actions, credits, place_order, post_callback, state
from tests.payments.test_liqpay import PUBLIC, callback
from vez.extensions import db
from vez.models import AuditEvent, PaymentStatus, utcnow
from vez.payments.settle import reconcile


@pytest.fixture
def liqpay_order(app, client, payer):
    app.config.update(
        PAYMENT_PROVIDER="liqpay", LIQPAY_PUBLIC_KEY=PUBLIC, LIQPAY_PRIVATE_KEY="sandbox_private_key_0123456789abcdef"
    )
    payment = place_order(client, amount="100.00")
    return payment, payer[1]


def last_rejection_reason() -> str:
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "payment.callback_rejected").order_by(AuditEvent.id.desc())
    ).first()
    return event.data["reason"]


@pytest.mark.parametrize("flag", [1, "1", True])
@pytest.mark.parametrize("liqpay_sandbox", [False, True])  # production ignores LIQPAY_SANDBOX
def test_a_signed_sandbox_success_credits_nothing_in_production(app, liqpay_order, flag, liqpay_sandbox):
    payment, account = liqpay_order
    app.config.update(ENV_MODE="production", LIQPAY_SANDBOX=liqpay_sandbox)
    response = post_callback(https_client(app), "liqpay", callback(payment, "success", is_sandbox=flag))
    assert response.status_code == 400
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    assert credits(payment.id) == 0
    assert audit_actions()[-1] == "payment.callback_rejected"
    assert last_rejection_reason() == "sandbox"


@pytest.mark.parametrize("status", ["failure", "reversed", "processing"])
def test_no_sandbox_result_moves_a_real_order(app, liqpay_order, status):
    payment, account = liqpay_order
    app.config["ENV_MODE"] = "production"
    assert post_callback(https_client(app), "liqpay", callback(payment, status, is_sandbox=1)).status_code == 400
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_outside_sandbox_mode_in_development_too(app, liqpay_order):
    payment, account = liqpay_order
    assert post_callback(https_client(app), "liqpay", callback(payment, "success", is_sandbox=1)).status_code == 400
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_a_sandbox_success_credits_in_sandbox_mode(app, liqpay_order):
    payment, account = liqpay_order
    app.config["LIQPAY_SANDBOX"] = True
    assert post_callback(https_client(app), "liqpay", callback(payment, "success", is_sandbox=1)).status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000)


@pytest.mark.parametrize("flag", [0, "0", None])
def test_a_real_success_still_credits_in_production(app, liqpay_order, flag):
    payment, account = liqpay_order
    app.config["ENV_MODE"] = "production"
    assert post_callback(https_client(app), "liqpay", callback(payment, "success", is_sandbox=flag)).status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000)


def test_a_sandbox_status_answer_credits_nothing_in_reconciliation(app, liqpay_order):
    payment, account = liqpay_order
    app.config["ENV_MODE"] = "production"
    app.extensions["vez.payment_transport"] = lambda url, body, timeout: json.dumps(
        {
            "result": "ok",
            "status": "success",
            "order_id": payment.reference,
            "amount": 100.0,
            "currency": "UAH",
            "public_key": PUBLIC,
            "payment_id": 5,
            "is_sandbox": 1,
        }
    ).encode()
    with time_machine.travel(utcnow() + timedelta(seconds=app.config["PAYMENT_PENDING_TTL_SECONDS"] + 1), tick=False):
        assert reconcile()["rejected"] == 1
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    assert last_rejection_reason() == "sandbox"
