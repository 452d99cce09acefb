"""`flask --app vez payments reconcile`: orders unfinished past PAYMENT_PENDING_TTL_SECONDS are asked about and
closed as the gateway says (expired when it knows nothing); time travels with time_machine."""

import json
import logging
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import https_client
from tests.payments.conftest import (
    audit_actions,
    credits,
    place_order,
    post_callback,
    sandbox_callback,
    state,
    through_sandbox,
)
from vez.extensions import db
from vez.models import Payment, PaymentStatus, utcnow
from vez.payments.providers import GatewayOutcome
from vez.payments.settle import Settled, apply, reconcile, reconcile_job

PUBLIC, PRIVATE = "i00000000001", "sandbox_private_key_0123456789abcdef"


def later(seconds: int):
    return time_machine.travel(utcnow() + timedelta(seconds=seconds), tick=False)


def past_ttl(app, extra: int = 1):
    return later(app.config["PAYMENT_PENDING_TTL_SECONDS"] + extra)


def test_the_ttl_is_half_an_hour_by_default(app):
    assert app.config["PAYMENT_PENDING_TTL_SECONDS"] == 1800
    assert "PAYMENT_RECONCILE_AFTER" not in app.config and "PAYMENT_EXPIRE_AFTER" not in app.config


def test_an_order_younger_than_the_ttl_is_not_asked_about(app, client, payer):
    place_order(client)
    with later(app.config["PAYMENT_PENDING_TTL_SECONDS"] - 5):
        assert sum(reconcile().values()) == 0


def test_an_abandoned_sandbox_checkout_expires_after_the_ttl(app, client, payer, runner):
    """The bank never heard of an order only shown on its page: "no such payment", so the order expires."""
    _, account = payer
    payment = place_order(client)
    with past_ttl(app):
        result = runner.invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0 and "1 unfinished orders asked about: expired 1" in result.output
    assert state(payment, account) == (PaymentStatus.expired, 50_000)
    assert audit_actions()[-1] == "payment.expired"
    with later(app.config["PAYMENT_PENDING_TTL_SECONDS"] * 3):
        assert sum(reconcile().values()) == 0  # closed: never asked again


def test_a_sandbox_payment_whose_callback_was_lost_is_credited(app, client, payer):
    """ "Pay without notifying": the bank booked the success, only asking it tells the cabinet."""
    _, account = payer
    payment = place_order(client)
    through_sandbox(client, payment, "pay_silently")
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    with past_ttl(app):
        assert reconcile()[Settled.credited.value] == 1
    assert state(payment, account) == (PaymentStatus.paid, 40_000) and credits(payment.id) == 1


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


def paid(payment, **extra):
    return dict(
        result="ok",
        action="pay",
        status="success",
        order_id=payment.reference,
        amount=100.0,
        currency="UAH",
        public_key=PUBLIC,
        payment_id=5,
        **extra,
    )


def test_a_paid_liqpay_order_is_credited_by_reconciliation(app, liqpay_order):
    payment, account = liqpay_order
    asked = answer(app, **paid(payment))
    with past_ttl(app):
        assert reconcile()["credited"] == 1
        assert sum(reconcile().values()) == 0  # settled: not asked again
    assert asked == ["https://www.liqpay.ua/api/request"]
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert credits(payment.id) == 1


def test_a_failed_liqpay_order_is_declined_by_reconciliation(app, liqpay_order):
    payment, account = liqpay_order
    answer(app, result="ok", status="failure", order_id=payment.reference, amount=100.0, currency="UAH")
    with past_ttl(app):
        assert reconcile()["declined"] == 1
    assert state(payment, account) == (PaymentStatus.declined, 50_000)
    assert audit_actions()[-1] == "payment.declined"


def test_a_status_answer_with_another_amount_credits_nothing(app, liqpay_order):
    payment, account = liqpay_order
    answer(app, result="ok", status="success", order_id=payment.reference, amount=1.0, currency="UAH")
    with past_ttl(app):
        assert reconcile()["rejected"] == 1
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_liqpay_not_found_expires_the_order_once_past_the_ttl(app, liqpay_order):
    payment, account = liqpay_order
    answer(app, result="error", status="error", err_code="payment_not_found", err_description="payment not found")
    with past_ttl(app):
        assert reconcile()["expired"] == 1
    assert state(payment, account) == (PaymentStatus.expired, 50_000)


def test_a_still_processing_order_stays_pending_and_is_asked_again(app, liqpay_order):
    payment, account = liqpay_order
    asked = answer(app, result="ok", status="processing", order_id=payment.reference)
    with past_ttl(app):
        assert reconcile()["waiting"] == 1
        assert reconcile()["skipped"] == 1  # asked just now (CHECK_EVERY): not again in the same moment
    assert state(payment, account) == (PaymentStatus.pending, 50_000)
    with past_ttl(app, 400):
        assert reconcile()["waiting"] == 1
    assert len(asked) == 2


def test_a_day_of_waiting_words_keeps_the_order_pending_and_logs_it(app, liqpay_order, caplog):
    payment, account = liqpay_order
    answer(app, result="ok", status="wait_accept", order_id=payment.reference)
    with later(24 * 3600 + 1), caplog.at_level(logging.WARNING, logger="vez.payments"):
        counts = reconcile()
    assert counts["waiting"] == 1 and counts["still waiting after 24 h"] == 1
    assert f"order {payment.reference} still waiting for the gateway after 24 h" in caplog.text
    assert state(payment, account) == (PaymentStatus.pending, 50_000)


def test_a_late_success_after_expiry_credits_once(app, liqpay_order):
    """The money did arrive: an order expired for silence is credited when the gateway says it was paid."""
    payment, account = liqpay_order
    answer(app, result="error", err_code="payment_not_found")
    with past_ttl(app):
        reconcile()
    assert state(payment, account) == (PaymentStatus.expired, 50_000)
    answer(app, **paid(payment))
    from vez.payments import providers

    result = providers.get("liqpay").query_status(payment.reference)
    assert result.outcome is GatewayOutcome.success
    assert apply("liqpay", result, ip=None, via="reconcile") is Settled.credited
    assert apply("liqpay", result, ip=None, via="reconcile") is Settled.repeated
    assert state(payment, account) == (PaymentStatus.paid, 40_000) and credits(payment.id) == 1


def test_an_unreachable_gateway_changes_nothing_and_is_asked_again_next_time(app, liqpay_order):
    payment, account = liqpay_order

    def down(url, body, timeout):
        raise OSError("connection refused")

    app.extensions["vez.payment_transport"] = down
    with past_ttl(app):
        assert reconcile()["unreachable"] == 1
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    answer(app, **paid(payment))
    with past_ttl(app, 60):
        assert reconcile()["credited"] == 1


def test_two_runs_at_the_same_moment_ask_about_an_order_once(app, liqpay_order):
    """Two schedulers on two hosts: the first claims the order (checked_at), the second skips it."""
    payment, account = liqpay_order
    asked = answer(app, result="ok", status="processing", order_id=payment.reference)
    with past_ttl(app):
        first, second = reconcile(), reconcile()
    assert first["waiting"] == 1 and second["skipped"] == 1 and len(asked) == 1


def test_the_job_sums_up_what_it_did(app, client, payer):
    place_order(client)
    place_order(client)
    with past_ttl(app):
        assert reconcile_job() == "2 unfinished orders asked about: expired 2"
    assert reconcile_job() == "0 unfinished orders asked about"


def test_an_order_paid_by_callback_meanwhile_is_left_alone(app, client, payer):
    _, account = payer
    payment = place_order(client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment))
    with past_ttl(app):
        assert sum(reconcile().values()) == 0
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert db.session.scalar(select(Payment.checked_at).where(Payment.id == payment.id)) is None


def test_two_runners_in_parallel_ask_about_each_order_once_and_credit_once(app, liqpay_order):
    """Two schedulers' jobs at the same moment (threads, each with its own session) over the same orders."""
    import threading
    import time

    payment, account = liqpay_order
    asked = []

    def slow(url, body, timeout):
        asked.append(body)
        time.sleep(0.5)  # the network: the other runner gets there meanwhile
        return json.dumps(paid(payment)).encode()

    app.extensions["vez.payment_transport"] = slow
    barrier = threading.Barrier(2)
    results = []
    travel = past_ttl(app)
    travel.start()
    try:

        def run():
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(reconcile())
                db.session.remove()

        workers = [threading.Thread(target=run) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        travel.stop()
    assert len(asked) == 1 and sum(r["credited"] for r in results) == 1
    assert state(payment, account) == (PaymentStatus.paid, 40_000) and credits(payment.id) == 1
