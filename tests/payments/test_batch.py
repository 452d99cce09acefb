"""Several accounts in one payment (docs/payments.md): the offer, the confirmation, one gateway order that
credits each account exactly its amount, all or nothing, and the batch's own status page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, https_client
from tests.payments.conftest import (
    NEW,
    audit_actions,
    balances,
    batch_callback,
    confirmation,
    credits,
    liqpay_envelope,
    post_callback,
    start_batch,
    statuses,
)
from vez.extensions import db as _db
from vez.models import Letter, Payment, PaymentBatch, PaymentChannel, PaymentStatus, utcnow
from vez.payments import batches
from vez.payments.providers.envelope import decode

HX = {"HX-Request": "true"}


def summary_html(client) -> str:
    html = client.get("/cabinet").get_data(as_text=True)
    return html[html.index('class="card summary"') : html.index('<ul class="accounts">')]


# ---- the offer --------------------------------------------------------------------------------------


def test_the_summary_offers_one_payment_for_two_accounts_due_with_their_total(client, two_debts):
    html = summary_html(client)
    assert f'href="{NEW}"' in html
    assert re.search(r"Сплатити все одним платежем — 623,45", html.replace("\u00a0", " "))


def test_the_summary_does_not_offer_it_with_one_account_due(client, two_debts, db):
    _, _, gas = two_debts
    gas.balance = -500  # overpaid: nothing due there
    db.session.commit()
    assert NEW not in summary_html(client)
    response = client.get(NEW)
    assert response.status_code == 200 and "нічого сплачувати разом" in response.get_data(as_text=True)
    assert 'name="key"' not in response.get_data(as_text=True)


def test_a_total_above_what_one_online_payment_takes_is_not_offered(app, client, two_debts, db):
    _, power, _ = two_debts
    power.balance = app.config["PAYMENT_MAX_AMOUNT"]
    db.session.commit()
    assert NEW not in summary_html(client)
    assert "сплатіть кожен особовий рахунок окремо" in client.get(NEW).get_data(as_text=True)


def test_each_amount_is_the_debt_kept_within_the_online_limits(make_account, app):
    low = make_account("529471247", balance=40)  # 0.40 owed: the smallest online payment is 1.00
    due = make_account("912345678", balance=12_345)
    plan = batches.offer([(low, None), (due, None)], app.config["PAYMENT_MIN_AMOUNT"], app.config["PAYMENT_MAX_AMOUNT"])
    assert [line.amount for line in plan.lines] == [100, 12_345] and plan.total == 12_445 and plan.possible
    assert plan.fingerprint == "529471247:100;912345678:12345"


def test_the_confirmation_lists_each_account_its_amount_and_the_total(client, two_debts):
    html = client.get(NEW).get_data(as_text=True).replace("\u00a0", " ")
    assert "№ 529471247" in html and "500,00" in html and "№ 912345678" in html and "123,45" in html
    assert "623,45" in html and 'hx-post="/payments/batches/new"' in html


# ---- the batch and its orders ------------------------------------------------------------------------


def test_pay_makes_one_batch_with_one_created_order_per_account(client, two_debts):
    _, power, gas = two_debts
    batch = start_batch(client)
    assert batch.reference.startswith("vez-b-") and batch.amount == 62_345 and batch.status is PaymentStatus.created
    payments = batches.members(batch.id)
    assert [(p.account_id, p.amount) for p in payments] == [(power.id, 50_000), (gas.id, 12_345)]
    assert {p.channel for p in payments} == {PaymentChannel.batch}
    assert {p.status for p in payments} == {PaymentStatus.created}
    assert len({p.reference for p in payments} | {batch.reference}) == 3
    assert "payment.batch_created" in audit_actions()


def test_a_double_submit_makes_one_batch(client, two_debts):
    key, lines, token = confirmation(client)
    first = client.post(NEW, data={"key": key, "lines": lines, "csrf_token": token})
    second = client.post(NEW, data={"key": key, "lines": lines, "csrf_token": token}, headers=HX)
    assert first.status_code == 303 and second.status_code == 204
    assert first.headers["Location"].endswith(second.headers["HX-Redirect"])
    assert _db.session.scalar(select(func.count(PaymentBatch.id))) == 1
    assert _db.session.scalar(select(func.count(Payment.id))) == 2


def test_amounts_changed_since_the_page_was_shown_are_shown_again_and_nothing_is_made(client, two_debts, db):
    _, power, _ = two_debts
    key, lines, token = confirmation(client)
    power.balance = 30_000  # a bank payment was imported meanwhile
    db.session.commit()
    response = client.post(NEW, data={"key": key, "lines": lines, "csrf_token": token})
    assert response.status_code == 409 and "суми до сплати змінилися" in response.get_data(as_text=True).lower()
    assert "429471247" not in response.get_data(as_text=True) and "300,00" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(PaymentBatch.id))) == 0


def test_a_batch_counts_as_one_unfinished_order_against_the_cap(app, client, two_debts):
    app.config["PAYMENT_PENDING_ORDERS_MAX"] = 2
    start_batch(client)
    start_batch(client)  # two batches, four orders: two counted
    key, lines, token = confirmation(client)
    response = client.post(NEW, data={"key": key, "lines": lines, "csrf_token": token})
    assert response.status_code == 429 and "(2)" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(PaymentBatch.id))) == 2


def test_the_checkout_is_one_gateway_order_for_the_total_naming_every_account(client, two_debts):
    batch = start_batch(client)
    html = client.get(f"/payments/batches/{batch.id}/checkout").get_data(as_text=True)
    data = re.search(r'name="data" value="([^"]+)"', html).group(1)
    order = decode(data)
    assert order["order_id"] == batch.reference and order["amount"] == "623.45"
    assert order["info"] == "529471247,912345678"
    assert "529471247, 912345678" in order["description"] and "електроенергію та природний газ" in order["description"]
    assert order["result_url"].endswith(f"/payments/batches/{batch.id}/return")


def test_an_order_of_a_batch_is_never_sent_to_the_gateway_alone(client, two_debts):
    batch = start_batch(client)
    member = batches.members(batch.id)[0]
    response = client.get(f"/payments/{member.id}/checkout")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/payments/batches/{batch.id}/checkout")


# ---- settlement, all or nothing ----------------------------------------------------------------------


def test_one_gateway_payment_credits_each_account_exactly_its_amount_once(app, client, two_debts):
    _, power, gas = two_debts
    batch = start_batch(client)
    form = batch_callback(app, batch)
    for _ in range(3):  # the gateway redelivers
        assert post_callback(https_client(app), "sandbox", form).status_code == 200
    assert statuses(batch) == (PaymentStatus.paid, [PaymentStatus.paid, PaymentStatus.paid])
    assert balances(power, gas) == [0, 0]
    assert credits() == 2
    assert audit_actions().count("payment.received") == 2 and audit_actions().count("payment.batch_paid") == 1
    assert "payment.callback_repeated" in audit_actions()
    members = batches.members(batch.id)
    assert {p.gateway_payment_id for p in members} == {"4242"}


def test_a_paid_batch_sends_one_receipt_letter_listing_every_account(app, client, two_debts):
    batch = start_batch(client)
    post_callback(https_client(app), "sandbox", batch_callback(app, batch))
    letters = list(_db.session.scalars(select(Letter)))
    assert len(letters) == 1
    assert "529471247" in letters[0].body_text and "912345678" in letters[0].body_text
    assert "623,45" in letters[0].body_text.replace("\u00a0", " ")


def test_a_decline_leaves_every_account_as_it_was(app, client, two_debts):
    _, power, gas = two_debts
    batch = start_batch(client)
    assert post_callback(https_client(app), "sandbox", batch_callback(app, batch, "failure")).status_code == 200
    assert statuses(batch) == (PaymentStatus.declined, [PaymentStatus.declined, PaymentStatus.declined])
    assert balances(power, gas) == [50_000, 12_345] and credits() == 0


def test_a_success_after_a_decline_still_credits_every_account(app, client, two_debts):
    _, power, gas = two_debts
    batch = start_batch(client)
    post_callback(https_client(app), "sandbox", batch_callback(app, batch, "failure"))
    post_callback(https_client(app), "sandbox", batch_callback(app, batch))
    assert statuses(batch)[0] is PaymentStatus.paid and balances(power, gas) == [0, 0] and credits() == 2


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"amount": "1.00"}, "amount_mismatch"),
        ({"amount": "500.00"}, "amount_mismatch"),  # one account's amount: still not the batch's
        ({"currency": "USD"}, "currency_mismatch"),
        ({"info": "529471247"}, "account_mismatch"),
    ],
)
def test_a_tampered_total_currency_or_account_list_is_rejected_and_changes_nothing(
    app, client, two_debts, override, reason
):
    _, power, gas = two_debts
    batch = start_batch(client)
    response = post_callback(https_client(app), "sandbox", batch_callback(app, batch, **override))
    assert response.status_code == 400
    assert statuses(batch) == (PaymentStatus.created, [PaymentStatus.created, PaymentStatus.created])
    assert balances(power, gas) == [50_000, 12_345] and credits() == 0
    from vez.models import AuditEvent

    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "payment.callback_rejected"))
    assert event.data["reason"] == reason


def test_a_callback_naming_one_order_of_a_batch_is_rejected(app, client, two_debts):
    _, power, gas = two_debts
    batch = start_batch(client)
    member = batches.members(batch.id)[0]
    form = batch_callback(app, batch, order_id=member.reference, amount="500.00", info="529471247")
    assert post_callback(https_client(app), "sandbox", form).status_code == 400
    assert balances(power, gas) == [50_000, 12_345] and statuses(batch)[0] is PaymentStatus.created


def test_a_reversal_takes_every_account_s_money_back_once(app, client, two_debts):
    _, power, gas = two_debts
    batch = start_batch(client)
    post_callback(https_client(app), "sandbox", batch_callback(app, batch))
    for _ in range(2):
        assert post_callback(https_client(app), "sandbox", batch_callback(app, batch, "reversed")).status_code == 200
    assert statuses(batch) == (PaymentStatus.reversed, [PaymentStatus.reversed, PaymentStatus.reversed])
    assert balances(power, gas) == [50_000, 12_345]


def test_a_waiting_word_makes_the_batch_pending_in_transit(app, client, two_debts):
    batch = start_batch(client)
    post_callback(https_client(app), "sandbox", batch_callback(app, batch, "processing"))
    assert statuses(batch) == (PaymentStatus.pending, [PaymentStatus.pending, PaymentStatus.pending])


def test_liqpay_s_signed_callback_settles_a_batch(app, client, make_account, make_user, auth):
    app.config.update(PAYMENT_PROVIDER="liqpay", LIQPAY_PUBLIC_KEY="i000", LIQPAY_PRIVATE_KEY="secret-liqpay")
    power, gas = make_account("529471247", balance=50_000), make_account("912345678", balance=12_345)
    make_user("ivan", accounts=[power, gas])
    auth.login()
    batch = start_batch(client)
    assert batch.provider == "liqpay"
    params = {
        "version": 3,
        "public_key": "i000",
        "action": "pay",
        "status": "success",
        "order_id": batch.reference,
        "amount": 623.45,
        "currency": "UAH",
        "payment_id": 1,
        "info": "529471247,912345678",
    }
    form = liqpay_envelope("secret-liqpay", params)
    assert post_callback(https_client(app), "liqpay", form).status_code == 200
    assert balances(power, gas) == [0, 0] and statuses(batch)[0] is PaymentStatus.paid


# ---- reconciliation ----------------------------------------------------------------------------------


def test_an_abandoned_batch_expires_after_the_ttl_when_the_gateway_knows_nothing(app, client, two_debts):
    from vez.payments.settle import reconcile

    _, power, gas = two_debts
    batch = start_batch(client)
    ttl = app.config["PAYMENT_PENDING_TTL_SECONDS"]
    assert reconcile(now=utcnow() + timedelta(seconds=ttl - 60))["expired"] == 0
    assert statuses(batch)[0] is PaymentStatus.created
    assert reconcile(now=utcnow() + timedelta(seconds=ttl + 60))["expired"] == 1
    assert statuses(batch) == (PaymentStatus.expired, [PaymentStatus.expired, PaymentStatus.expired])
    assert balances(power, gas) == [50_000, 12_345]
    assert reconcile(now=utcnow() + timedelta(seconds=ttl + 120))["expired"] == 0  # asked about once


def test_reconciliation_credits_a_batch_the_gateway_says_is_paid(app, client, two_debts, monkeypatch):
    from vez.payments import settle
    from vez.payments.providers import GatewayOutcome, GatewayResult
    from vez.payments.providers.sandbox import SandboxProvider

    _, power, gas = two_debts
    batch = start_batch(client)
    answer = GatewayResult(batch.reference, GatewayOutcome.success, "success", amount=62_345, currency="UAH")
    monkeypatch.setattr(SandboxProvider, "query_status", lambda self, order_id: answer)
    counts = settle.reconcile(now=utcnow() + timedelta(seconds=app.config["PAYMENT_PENDING_TTL_SECONDS"] + 1))
    assert counts["credited"] == 1 and balances(power, gas) == [0, 0] and credits() == 2


def test_a_batch_paid_at_the_sandbox_bank_whose_callback_was_lost_is_credited_by_reconcile(app, client, two_debts):
    from vez.payments import settle

    _, power, gas = two_debts
    batch = start_batch(client)
    html = client.get(f"/payments/batches/{batch.id}/checkout").get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    response = client.post("/payments/sandbox/decide", data={**fields, "decision": "pay_silently"})
    assert response.status_code == 303 and statuses(batch)[0] is PaymentStatus.created  # no callback came
    counts = settle.reconcile(now=utcnow() + timedelta(seconds=app.config["PAYMENT_PENDING_TTL_SECONDS"] + 1))
    assert counts["credited"] == 1 and balances(power, gas) == [0, 0] and credits() == 2
    assert statuses(batch) == (PaymentStatus.paid, [PaymentStatus.paid, PaymentStatus.paid])


# ---- the status page ---------------------------------------------------------------------------------


def test_a_batch_not_taken_by_the_gateway_does_not_poll_and_offers_to_pay_or_cancel(client, two_debts):
    batch = start_batch(client)
    html = client.get(f"/payments/batches/{batch.id}").get_data(as_text=True)
    assert 'data-status="created"' in html and "Оплату не завершено" in html
    assert "hx-get" not in re.search(r'<div id="payment-state"[^>]*>', html).group(0)
    assert 'http-equiv="refresh"' not in html
    assert f'href="/payments/batches/{batch.id}/checkout"' in html
    assert f'action="/payments/batches/{batch.id}/cancel"' in html


def test_a_pending_batch_polls_from_the_live_region_until_the_bank_decides(app, client, two_debts):
    batch = start_batch(client)
    post_callback(https_client(app), "sandbox", batch_callback(app, batch, "processing"))
    html = client.get(f"/payments/batches/{batch.id}").get_data(as_text=True)
    region = re.search(r'<div id="payment-state"[^>]*>', html).group(0)
    assert 'role="status"' in region and f'hx-get="/payments/batches/{batch.id}"' in region
    assert '<noscript><meta http-equiv="refresh"' in html and "В дорозі" in html
    assert client.get(f"/payments/batches/{batch.id}", headers=HX).status_code == 204
    post_callback(https_client(app), "sandbox", batch_callback(app, batch))
    final = client.get(f"/payments/batches/{batch.id}", headers=HX)
    body = final.get_data(as_text=True)
    assert final.status_code == 286 and body.lstrip().startswith('<div class="pay-state paid"')
    assert '<table class="batch-lines" id="batch-members" hx-swap-oob="true">' in body
    assert body.count("/receipt") == 2
    assert "refresh" not in client.get(f"/payments/batches/{batch.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("word", "heading"),
    [("failure", "Банк відхилив платіж"), ("cancel", "Ви скасували оплату"), ("expire", "Час на оплату минув")],
)
def test_a_declined_cancelled_or_expired_batch_says_so_and_offers_to_try_again(app, client, two_debts, word, heading):
    from vez.payments.settle import reconcile

    _, power, gas = two_debts
    batch = start_batch(client)
    if word == "failure":
        post_callback(https_client(app), "sandbox", batch_callback(app, batch, "failure"))
    elif word == "cancel":
        token = csrf_token(client, f"/payments/batches/{batch.id}")
        assert client.post(f"/payments/batches/{batch.id}/cancel", data={"csrf_token": token}).status_code == 303
    else:
        reconcile(now=utcnow() + timedelta(seconds=app.config["PAYMENT_PENDING_TTL_SECONDS"] + 1))
    html = client.get(f"/payments/batches/{batch.id}").get_data(as_text=True)
    assert heading in html and "Спробувати ще раз" in html and f'href="{NEW}"' in html
    assert "hx-get" not in html and balances(power, gas) == [50_000, 12_345]
    assert {p.status for p in batches.members(batch.id)} == {statuses(batch)[0]}


def test_coming_back_from_the_gateway_without_paying_cancels_the_batch(client, two_debts):
    batch = start_batch(client)
    response = client.get(f"/payments/batches/{batch.id}/return")  # the sandbox bank never booked it
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/payments/batches/{batch.id}")
    assert statuses(batch) == (PaymentStatus.cancelled, [PaymentStatus.cancelled, PaymentStatus.cancelled])


def test_a_success_after_the_consumer_cancelled_still_credits_every_account(app, client, two_debts):
    _, power, gas = two_debts
    batch = start_batch(client)
    client.get(f"/payments/batches/{batch.id}/return")
    post_callback(https_client(app), "sandbox", batch_callback(app, batch))
    assert statuses(batch)[0] is PaymentStatus.paid and balances(power, gas) == [0, 0] and credits() == 2


def test_another_login_s_batch_is_404(app, client, two_debts, make_account, make_user, auth):
    batch = start_batch(client)
    auth.logout()
    make_user("petro", accounts=[make_account("529400001", balance=100)], phone="+380501234568")
    auth.login("petro")
    for path in (f"/payments/batches/{batch.id}", f"/payments/batches/{batch.id}/checkout"):
        assert client.get(path).status_code == 404


def test_without_javascript_the_whole_flow_works_with_plain_forms_and_redirects(app, client, two_debts):
    key, lines, token = confirmation(client)
    response = client.post(NEW, data={"key": key, "lines": lines, "csrf_token": token})
    assert response.status_code == 303
    checkout = client.get(response.headers["Location"])
    assert checkout.status_code == 200 and 'action="/payments/sandbox/checkout"' in checkout.get_data(as_text=True)
    batch = _db.session.scalar(select(PaymentBatch))
    post_callback(https_client(app), "sandbox", batch_callback(app, batch))
    assert client.get(f"/payments/batches/{batch.id}/checkout").status_code == 303  # paid: to its page
    assert "Сплачено" in client.get(f"/payments/batches/{batch.id}/return", follow_redirects=True).get_data(
        as_text=True
    )
