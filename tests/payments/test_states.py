"""The order's states (docs/payments.md, "States"): created → pending → paid | declined | cancelled | expired, and
paid → reversed; what moves each, what the consumer reads, and that only pending is "in transit" and polls."""

import json
import re

import pytest
from sqlalchemy import select, update

from tests.conftest import csrf_token, https_client
from tests.payments.conftest import (
    audit_actions,
    credits,
    liqpay_envelope,
    place_order,
    post_callback,
    sandbox_callback,
    sandbox_envelope,
    state,
    through_sandbox,
)
from vez.extensions import db
from vez.models import Payment, PaymentStatus, SandboxCard
from vez.payments.providers import sandbox_bank

PUBLIC, PRIVATE = "i00000000001", "sandbox_private_key_0123456789abcdef"
HX = {"HX-Request": "true"}
WORDS = {
    # state: (the heading in Ukrainian, in English, the action offered)
    "created": ("Оплату не завершено", "Payment not completed", "Перейти до оплати"),
    "pending": ("В дорозі", "In transit", None),
    "paid": ("Сплачено", "Paid", "Квитанція"),
    "declined": ("Банк відхилив платіж", "The bank declined the payment", "Спробувати ще раз"),
    "cancelled": ("Ви скасували оплату", "You cancelled the payment", "Спробувати ще раз"),
    "expired": ("Час на оплату минув", "The time to pay has run out", "Спробувати ще раз"),
    "reversed": ("Повернено", "Reversed", "Квитанція"),
}


def put(payment: Payment, status: str) -> None:
    db.session.execute(update(Payment).where(Payment.id == payment.id).values(status=PaymentStatus(status)))
    db.session.commit()


@pytest.mark.parametrize("status", list(WORDS))
def test_each_state_is_said_in_words_and_only_pending_is_in_transit_and_polls(client, payer, status):
    payment = place_order(client)
    put(payment, status)
    uk_heading, en_heading, action = WORDS[status]
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    region = re.search(r'<div id="payment-state"[^>]*>', page).group(0)
    head = page[: page.index("</head>")]
    assert f"<h2>{uk_heading}</h2>" in page
    assert ("В дорозі" in page) is (status == "pending")
    assert ("hx-trigger" in region) is (status == "pending")
    assert ('http-equiv="refresh"' in head) is (status == "pending")  # JS off: reloads only while pending
    if action:
        assert action in page
    assert f"<h2>{en_heading}</h2>" in client.get(f"/payments/{payment.id}?lang=en").get_data(as_text=True)
    poll = client.get(f"/payments/{payment.id}", headers=HX)
    assert poll.status_code == (204 if status == "pending" else 286)  # a poll at any other state stops


def test_try_again_proposes_the_same_amount_on_the_pay_page(client, payer):
    payment = place_order(client, amount="123.45")
    put(payment, "declined")
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    link = re.search(r'<a class="button" href="([^"]+)">Спробувати ще раз</a>', page).group(1)
    assert link == "/cabinet/accounts/529471247/pay?amount=123.45"
    assert 'value="123.45"' in client.get(link).get_data(as_text=True)
    assert 'value="500.00"' in client.get("/cabinet/accounts/529471247/pay?amount=0.10").get_data(as_text=True)


def test_a_created_order_offers_its_checkout_again_and_a_cancel_button(client, payer):
    payment = place_order(client)
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert f'href="/payments/{payment.id}/checkout">Перейти до оплати</a>' in page
    assert f'action="/payments/{payment.id}/cancel"' in page and "Скасувати оплату" in page
    assert client.get(f"/payments/{payment.id}/checkout").status_code == 200


def test_cancel_button_cancels_a_created_order_once(client, payer):
    _, account = payer
    payment = place_order(client)
    token = csrf_token(client, f"/payments/{payment.id}")
    answer = client.post(f"/payments/{payment.id}/cancel", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["Location"] == f"/payments/{payment.id}"
    assert state(payment, account) == (PaymentStatus.cancelled, 50_000)
    assert client.post(f"/payments/{payment.id}/cancel", data={"csrf_token": token}).status_code == 303
    assert audit_actions().count("payment.cancelled") == 1
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert "Ви скасували оплату" in page and "Спробувати ще раз" in page
    # The checkout of a closed order leads back to its page, not to the bank.
    assert client.get(f"/payments/{payment.id}/checkout").headers["Location"] == f"/payments/{payment.id}"


def test_cancel_needs_the_csrf_token_and_the_owner(app, client, payer, auth, make_user, make_account):
    _, account = payer
    payment = place_order(client)
    assert client.post(f"/payments/{payment.id}/cancel").status_code == 400
    make_user("olena", accounts=[make_account("529000001")])
    auth.logout()
    auth.login("olena")
    token = csrf_token(client, "/cabinet")
    assert client.post(f"/payments/{payment.id}/cancel", data={"csrf_token": token}).status_code == 404
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_a_pending_order_cannot_be_cancelled_by_the_consumer(app, client, payer):
    _, account = payer
    payment = place_order(client)
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment, status="processing"))
    token = csrf_token(client, f"/payments/{payment.id}")
    client.post(f"/payments/{payment.id}/cancel", data={"csrf_token": token})
    assert state(payment, account) == (PaymentStatus.pending, 50_000)


def test_a_late_success_credits_a_cancelled_order_once(app, client, payer):
    _, account = payer
    payment = place_order(client)
    client.post(f"/payments/{payment.id}/cancel", data={"csrf_token": csrf_token(client, f"/payments/{payment.id}")})
    gateway = https_client(app)
    assert post_callback(gateway, "sandbox", sandbox_callback(app, payment)).status_code == 200
    assert post_callback(gateway, "sandbox", sandbox_callback(app, payment)).status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000) and credits(payment.id) == 1


def test_a_failure_after_a_cancel_changes_nothing(app, client, payer):
    _, account = payer
    payment = place_order(client)
    client.post(f"/payments/{payment.id}/cancel", data={"csrf_token": csrf_token(client, f"/payments/{payment.id}")})
    post_callback(https_client(app), "sandbox", sandbox_callback(app, payment, status="failure"))
    assert state(payment, account) == (PaymentStatus.cancelled, 50_000)
    assert audit_actions()[-1] == "payment.callback_ignored"


# ---- the return route: the gateway is asked once -------------------------------------------------------


def test_leaving_the_sandbox_bank_returns_to_a_cancelled_order(client, payer):
    _, account = payer
    payment = place_order(client)
    back = client.get(f"/payments/{payment.id}/return")
    assert back.status_code == 303 and back.headers["Location"] == f"/payments/{payment.id}"
    assert state(payment, account) == (PaymentStatus.cancelled, 50_000)
    assert "payment.cancelled" in audit_actions()


def test_paid_without_a_callback_the_return_asks_the_bank_and_credits(client, payer):
    _, account = payer
    payment = place_order(client)
    answer = through_sandbox(client, payment, "pay_silently")
    assert answer.headers["Location"] == f"/payments/{payment.id}/return"
    assert state(payment, account) == (PaymentStatus.created, 50_000)  # no callback came
    client.get(answer.headers["Location"])
    assert state(payment, account) == (PaymentStatus.paid, 40_000) and credits(payment.id) == 1


def test_declined_in_the_sandbox_is_declined(client, payer):
    _, account = payer
    payment = place_order(client)
    client.get(through_sandbox(client, payment, "decline").headers["Location"])
    assert state(payment, account) == (PaymentStatus.declined, 50_000)
    assert sandbox_bank.find(payment.reference).status == "failure"


@pytest.fixture
def liqpay_order(app, client, payer):
    app.config.update(PAYMENT_PROVIDER="liqpay", LIQPAY_PUBLIC_KEY=PUBLIC, LIQPAY_PRIVATE_KEY=PRIVATE)
    return place_order(client), payer[1]


def answering(app, reply):
    asked = []

    def transport(url, body, timeout):
        asked.append(body)
        if isinstance(reply, Exception):
            raise reply
        return json.dumps(reply).encode()

    app.extensions["vez.payment_transport"] = transport
    return asked


@pytest.mark.parametrize(
    "reply, expected",
    [
        ({"result": "ok", "status": "success", "amount": 100, "currency": "UAH"}, PaymentStatus.paid),
        ({"result": "ok", "status": "processing"}, PaymentStatus.pending),
        ({"result": "ok", "status": "3ds_verify"}, PaymentStatus.pending),
        ({"result": "ok", "status": "failure", "amount": 100, "currency": "UAH"}, PaymentStatus.declined),
        ({"result": "error", "status": "error", "err_code": "payment_not_found"}, PaymentStatus.cancelled),
    ],
    ids=["success", "processing", "3ds_verify", "failure", "not_found"],
)
def test_the_return_from_liqpay_applies_its_status_answer(app, client, liqpay_order, reply, expected):
    payment, _ = liqpay_order
    asked = answering(app, {"order_id": payment.reference, "public_key": PUBLIC, **reply})
    assert client.get(f"/payments/{payment.id}/return").status_code == 303
    assert state(payment, payment.account)[0] is expected
    assert len(asked) == 1
    assert b"data=" in asked[0] and b"signature=" in asked[0]  # the signed `status` request


def test_the_return_with_the_gateway_unreachable_changes_nothing(app, client, liqpay_order):
    payment, account = liqpay_order
    answering(app, OSError("connection refused"))
    assert client.get(f"/payments/{payment.id}/return").headers["Location"] == f"/payments/{payment.id}"
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    assert "Оплату не завершено" in client.get(f"/payments/{payment.id}").get_data(as_text=True)


def test_the_return_asks_at_most_once_per_ten_seconds(app, client, liqpay_order):
    payment, _ = liqpay_order
    asked = answering(app, {"result": "ok", "status": "processing", "order_id": payment.reference})
    for _ in range(3):
        client.get(f"/payments/{payment.id}/return")
    assert len(asked) == 1
    assert db.session.scalar(select(Payment.checked_at).where(Payment.id == payment.id)) is not None


def test_the_return_of_a_settled_order_asks_nothing(app, client, liqpay_order):
    payment, account = liqpay_order
    asked = answering(app, {"result": "error", "err_code": "payment_not_found"})
    put(payment, "paid")
    client.get(f"/payments/{payment.id}/return")
    assert asked == [] and state(payment, account)[0] is PaymentStatus.paid


def test_another_logins_return_is_not_found(client, payer, auth, make_user, make_account):
    payment = place_order(client)
    make_user("olena", accounts=[make_account("529000001")])
    auth.logout()
    auth.login("olena")
    assert client.get(f"/payments/{payment.id}/return").status_code == 404


# ---- LiqPay's protocol, state by state -----------------------------------------------------------------


def liqpay_callback(payment, status, **extra):
    params = {
        "version": 3,
        "public_key": PUBLIC,
        "action": "pay",
        "status": status,
        "order_id": payment.reference,
        "amount": 100,
        "currency": "UAH",
        "payment_id": 42,
        **extra,
    }
    return liqpay_envelope(PRIVATE, params)


def test_liqpay_created_to_pending_to_paid_to_reversed(app, liqpay_order):
    payment, account = liqpay_order
    gateway = https_client(app)
    steps = [
        ("wait_secure", PaymentStatus.pending, 50_000),
        ("processing", PaymentStatus.pending, 50_000),
        ("success", PaymentStatus.paid, 40_000),
        ("reversed", PaymentStatus.reversed, 50_000),
    ]
    for word, expected, balance in steps:
        assert post_callback(gateway, "liqpay", liqpay_callback(payment, word)).status_code == 200
        assert state(payment, account) == (expected, balance), word


def test_liqpay_a_failure_declines_a_pending_order_and_a_later_success_credits_it(app, liqpay_order):
    payment, account = liqpay_order
    gateway = https_client(app)
    post_callback(gateway, "liqpay", liqpay_callback(payment, "processing"))
    post_callback(gateway, "liqpay", liqpay_callback(payment, "failure"))
    assert state(payment, account) == (PaymentStatus.declined, 50_000)
    assert "payment.declined" in audit_actions()
    post_callback(gateway, "liqpay", liqpay_callback(payment, "success"))
    assert state(payment, account) == (PaymentStatus.paid, 40_000) and credits(payment.id) == 1


def test_liqpay_a_waiting_word_after_a_final_state_changes_nothing(app, liqpay_order):
    payment, account = liqpay_order
    gateway = https_client(app)
    post_callback(gateway, "liqpay", liqpay_callback(payment, "success"))
    post_callback(gateway, "liqpay", liqpay_callback(payment, "processing"))
    assert state(payment, account) == (PaymentStatus.paid, 40_000)


def test_liqpay_reversed_for_an_order_never_paid_declines_it(app, liqpay_order):
    payment, account = liqpay_order
    post_callback(https_client(app), "liqpay", liqpay_callback(payment, "reversed"))
    assert state(payment, account) == (PaymentStatus.declined, 50_000)


# ---- the sandbox bank's status API, shaped like LiqPay's /api/request ----------------------------------


def status_request(app, order_id, **extra):
    params = {"action": "status", "version": 3, "public_key": app.config["SANDBOX_PUBLIC_KEY"], "order_id": order_id}
    return sandbox_envelope(app, {**params, **extra})


def test_the_sandbox_api_answers_payment_not_found_for_an_order_only_shown(app, client, payer):
    payment = place_order(client)
    answer = https_client(app).post("/payments/sandbox/api/request", data=status_request(app, payment.reference))
    assert answer.status_code == 200 and answer.is_json
    assert answer.get_json() == {
        "result": "error",
        "status": "error",
        "err_code": "payment_not_found",
        "err_description": "payment not found",
    }


def test_the_sandbox_api_answers_a_decided_order_in_liqpays_shape(app, client, payer):
    payment = place_order(client)
    through_sandbox(client, payment, "pay_silently")
    answer = https_client(app).post("/payments/sandbox/api/request", data=status_request(app, payment.reference))
    body = answer.get_json()
    assert body["result"] == "ok" and body["status"] == "success" and body["action"] == "pay"
    assert body["order_id"] == payment.reference and body["amount"] == 100 and body["currency"] == "UAH"
    assert body["public_key"] == app.config["SANDBOX_PUBLIC_KEY"] and body["info"] == "529471247"
    assert isinstance(body["payment_id"], int) and body["version"] == 3


def test_the_sandbox_api_refuses_a_wrong_signature_and_is_absent_in_production(app, client, payer):
    payment = place_order(client)
    form = status_request(app, payment.reference)
    bad = https_client(app).post("/payments/sandbox/api/request", data={**form, "signature": "x" * 28})
    assert bad.get_json()["err_code"] == "invalid_signature"
    app.config["ENV_MODE"] = "production"
    assert https_client(app).post("/payments/sandbox/api/request", data=form).status_code == 404


# ---- the cabinet ------------------------------------------------------------------------------------------


def test_the_cabinet_card_shows_the_last_paid_payment_and_an_unfinished_order_as_such(app, client, payer):
    first = place_order(client, amount="10.00")
    post_callback(https_client(app), "sandbox", sandbox_callback(app, first))
    second = place_order(client, amount="20.00")
    card = client.get("/cabinet").get_data(as_text=True)
    assert "Останній платіж: 10,00" in card and "в дорозі" not in card
    assert "Неоплачене замовлення на 20,00" in card and f'href="/payments/{second.id}"' in card
    post_callback(https_client(app), "sandbox", sandbox_callback(app, second, status="processing"))
    card = client.get("/cabinet").get_data(as_text=True)
    assert "Платіж 20,00\xa0₴ в дорозі" in card and "Останній платіж: 10,00" in card
    post_callback(https_client(app), "sandbox", sandbox_callback(app, second, status="failure"))
    card = client.get("/cabinet").get_data(as_text=True)
    assert "Останній платіж: 10,00" in card and "20,00" not in card


def test_the_account_history_marks_failed_attempts_and_leaves_out_orders_only_shown(app, client, payer):
    declined = place_order(client, amount="30.00")
    post_callback(https_client(app), "sandbox", sandbox_callback(app, declined, status="failure"))
    place_order(client, amount="40.00")  # created: only its checkout was shown
    page = client.get("/cabinet/accounts/529471247").get_data(as_text=True)
    assert "30,00" in page and "відхилено банком" in page
    assert "40,00" not in page


def test_the_sandbox_api_charges_a_card_it_tokenised_once_per_order_like_liqpays_paytoken(app, db):
    passes = SandboxCard(token="tok-passes", mask="424242******4242")
    declines = SandboxCard(token="tok-declines", mask="400000******0002", declines=True)
    db.session.add_all([passes, declines])
    db.session.commit()

    def paytoken(order_id, token):
        params = {
            "action": "paytoken",
            "version": 3,
            "public_key": app.config["SANDBOX_PUBLIC_KEY"],
            "order_id": order_id,
            "card_token": token,
            "amount": "123.45",
            "currency": "UAH",
            "description": "Оплата",
            "info": "529471247",
        }
        return https_client(app).post("/payments/sandbox/api/request", data=sandbox_envelope(app, params)).get_json()

    paid = paytoken("vez-token-1", "tok-passes")
    assert paid["result"] == "ok" and paid["action"] == "paytoken" and paid["status"] == "success"
    assert paid["amount"] == "123.45" and paid["sender_card_mask2"] == "424242******4242"
    assert paytoken("vez-token-1", "tok-declines")["status"] == "success"  # an order id is charged once
    assert paytoken("vez-token-2", "tok-declines")["status"] == "failure"
    assert paytoken("vez-token-3", "no-such-token")["err_code"] == "card_token_invalid"
    status = https_client(app).post("/payments/sandbox/api/request", data=status_request(app, "vez-token-1"))
    assert status.get_json()["status"] == "success"
