"""`flask --app vez payments reconcile`: orders unconfirmed too long are asked about and settled."""

import json
from datetime import timedelta

import pytest
import time_machine

from tests.payments.conftest import audit_actions, credits, place_order, state
from vez.models import PaymentStatus, utcnow
from vez.payments.settle import reconcile

PUBLIC, PRIVATE = "i00000000001", "sandbox_private_key_0123456789abcdef"


def later(seconds: int):
    return time_machine.travel(utcnow() + timedelta(seconds=seconds), tick=False)


def test_a_fresh_order_is_not_asked_about(client, payer):
    place_order(client)
    assert sum(reconcile().values()) == 0


def test_an_unknown_sandbox_order_waits_then_expires(app, client, payer, runner):
    _, account = payer
    payment = place_order(client)
    with later(app.config["PAYMENT_RECONCILE_AFTER"] + 60):
        assert reconcile()["waiting"] == 1
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    with later(app.config["PAYMENT_EXPIRE_AFTER"] + 60):
        result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0 and "expired 1" in result.output
    assert state(payment, account) == (PaymentStatus.declined, 50_000)
    assert audit_actions()[-1] == "payment.expired"


@pytest.fixture
def liqpay_order(app, client, payer):
    app.config.update(PAYMENT_PROVIDER="liqpay", LIQPAY_PUBLIC_KEY=PUBLIC, LIQPAY_PRIVATE_KEY=PRIVATE)
    return place_order(client), payer[1]


def answer(app, **reply):
    asked = []

    def transport(url, body, timeout):
        asked.append(url)
        return json.dumps(reply).encode()

    app.extensions["vez.payment_transport"] = transport
    return asked


def test_a_paid_liqpay_order_is_credited_by_reconciliation(app, liqpay_order):
    payment, account = liqpay_order
    asked = answer(
        app,
        result="ok",
        status="success",
        order_id=payment.reference,
        amount=100.0,
        currency="UAH",
        public_key=PUBLIC,
        payment_id=5,
    )
    with later(app.config["PAYMENT_RECONCILE_AFTER"] + 1):
        assert reconcile()["success"] == 1
        assert sum(reconcile().values()) == 0  # settled: not asked again
    assert asked == ["https://www.liqpay.ua/api/request"]
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert credits(payment.id) == 1


def test_a_failed_liqpay_order_is_failed_by_reconciliation(app, liqpay_order):
    payment, account = liqpay_order
    answer(app, result="ok", status="failure", order_id=payment.reference, amount=100.0, currency="UAH")
    with later(app.config["PAYMENT_RECONCILE_AFTER"] + 1):
        reconcile()
    assert state(payment, account) == (PaymentStatus.declined, 50_000)


def test_a_status_answer_with_another_amount_credits_nothing(app, liqpay_order):
    payment, account = liqpay_order
    answer(app, result="ok", status="success", order_id=payment.reference, amount=1.0, currency="UAH")
    with later(app.config["PAYMENT_RECONCILE_AFTER"] + 1):
        assert reconcile()["rejected"] == 1
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_liqpay_not_found_expires_only_after_the_limit(app, liqpay_order):
    payment, account = liqpay_order
    answer(app, result="error", status="error", err_code="payment_not_found", err_description="payment not found")
    with later(app.config["PAYMENT_RECONCILE_AFTER"] + 1):
        assert reconcile()["waiting"] == 1
    with later(app.config["PAYMENT_EXPIRE_AFTER"] + 1):
        assert reconcile()["expired"] == 1
    assert state(payment, account) == (PaymentStatus.declined, 50_000)


def test_a_late_success_after_expiry_still_credits(app, liqpay_order):
    """The money did arrive: an order failed for silence is credited when the gateway says it was paid."""
    payment, account = liqpay_order
    answer(app, result="error", err_code="payment_not_found")
    with later(app.config["PAYMENT_EXPIRE_AFTER"] + 1):
        reconcile()
    answer(app, result="ok", status="success", order_id=payment.reference, amount="100.00", currency="UAH")
    from vez.payments import providers
    from vez.payments.providers import GatewayOutcome
    from vez.payments.settle import Settled, apply

    result = providers.get("liqpay").query_status(payment.reference)
    assert result.outcome is GatewayOutcome.success
    assert apply("liqpay", result, ip=None, via="reconcile") is Settled.credited
    assert state(payment, account) == (PaymentStatus.paid, 40_000)


def test_an_unreachable_gateway_is_asked_again_next_time(app, liqpay_order):
    payment, account = liqpay_order

    def down(url, body, timeout):
        raise OSError("connection refused")

    app.extensions["vez.payment_transport"] = down
    with later(app.config["PAYMENT_EXPIRE_AFTER"] + 1):
        assert reconcile()["unreachable"] == 1
    assert state(payment, account) == (PaymentStatus.created, 50_000)
