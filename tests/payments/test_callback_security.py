"""docs/security.md H: the payment callback. Only a valid signature over a matching order moves money."""

import logging

import pytest

from tests.conftest import https_client
from tests.payments.conftest import (
    audit_actions,
    credits,
    place_order,
    post_callback,
    sandbox_callback,
    sandbox_envelope,
    state,
)
from vez.models import PaymentStatus
from vez.payments.providers.envelope import encode


@pytest.fixture
def order(client, payer):
    _, account = payer
    return place_order(client, amount="100.00"), account


@pytest.fixture
def gateway(app):
    """The gateway: no cookies, no CSRF token, no Referer."""
    client = https_client(app)
    client.environ_base.pop("HTTP_REFERER")
    return client


def _rejected(payment, account, response, caplog, reason: str, status: int = 400):
    assert response.status_code == status
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    assert credits() == 0
    assert audit_actions()[-1] == "payment.callback_rejected"
    assert any("payment.callback_rejected" in r.getMessage() and reason in r.getMessage() for r in caplog.records)


def test_h38_wrong_signature_is_refused_and_logged(app, gateway, order, caplog):
    payment, account = order
    caplog.set_level(logging.INFO, logger="vez.security")
    form = sandbox_callback(app, payment)
    form["signature"] = sandbox_envelope(app, {"x": 1}, key="not the private key")["signature"]
    _rejected(payment, account, post_callback(gateway, "sandbox", form), caplog, "signature")


def test_h38_changed_data_breaks_the_signature(app, gateway, order, caplog):
    payment, account = order
    caplog.set_level(logging.INFO, logger="vez.security")
    form = sandbox_callback(app, payment)
    form["data"] = encode(
        {
            "version": 3,
            "public_key": app.config["SANDBOX_PUBLIC_KEY"],
            "status": "success",
            "order_id": payment.reference,
            "amount": "1.00",
            "currency": "UAH",
        }
    )
    _rejected(payment, account, post_callback(gateway, "sandbox", form), caplog, "signature")


@pytest.mark.parametrize("missing", ["data", "signature"])
def test_h38_a_missing_envelope_field_is_refused(app, gateway, order, caplog, missing):
    payment, account = order
    caplog.set_level(logging.INFO, logger="vez.security")
    form = sandbox_callback(app, payment)
    del form[missing]
    _rejected(payment, account, post_callback(gateway, "sandbox", form), caplog, "missing_field")


@pytest.mark.parametrize("field", ["order_id", "status", "amount", "currency"])
def test_h38_a_missing_order_field_is_refused(app, gateway, order, caplog, field):
    payment, account = order
    caplog.set_level(logging.INFO, logger="vez.security")
    form = sandbox_callback(app, payment, **{field: None})
    _rejected(payment, account, post_callback(gateway, "sandbox", form), caplog, "missing_field")


def test_h38_another_public_key_is_refused(app, gateway, order, caplog):
    payment, account = order
    caplog.set_level(logging.INFO, logger="vez.security")
    form = sandbox_callback(app, payment, public_key="someone-else")
    _rejected(payment, account, post_callback(gateway, "sandbox", form), caplog, "public_key")


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_h38_wrong_content_type_is_refused(app, gateway, order, caplog, content_type):
    payment, account = order
    caplog.set_level(logging.INFO, logger="vez.security")
    form = sandbox_callback(app, payment)
    _rejected(payment, account, post_callback(gateway, "sandbox", form, content_type), caplog, "content_type", 415)


def test_h38_garbage_data_is_refused(app, gateway, order, caplog):
    payment, account = order
    caplog.set_level(logging.INFO, logger="vez.security")
    form = sandbox_envelope(app, {})
    form["data"] = "%%%not base64%%%"
    form["signature"] = sandbox_envelope(app, {})["signature"]
    _rejected(payment, account, post_callback(gateway, "sandbox", form), caplog, "signature")


def test_h38_an_unknown_provider_is_404(gateway):
    assert gateway.post("/payments/callback/paypal", data={"data": "x", "signature": "y"}).status_code == 404


def test_h39_the_same_success_twice_credits_once(app, gateway, order):
    payment, account = order
    form = sandbox_callback(app, payment)
    assert post_callback(gateway, "sandbox", form).status_code == 200
    assert post_callback(gateway, "sandbox", form).status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert credits(payment.id) == 1
    assert audit_actions()[-2:] == ["payment.received", "payment.callback_repeated"]


def test_the_callback_takes_no_session_and_no_csrf_token(app, client, gateway, order):
    """docs/security.md 32: the one POST without CSRF; it starts no session, and a logged-in cookie signs nothing."""
    payment, account = order
    assert client.post("/payments/callback/sandbox", data={"data": "e30="}).status_code == 400
    response = gateway.post("/payments/callback/sandbox", data=sandbox_callback(app, payment))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert state(payment, account) == (PaymentStatus.paid, 40_000)


@pytest.mark.parametrize(
    "override,reason",
    [
        ({"amount": "1.00"}, "amount_mismatch"),
        ({"amount": "100.01"}, "amount_mismatch"),
        ({"amount": "1000"}, "amount_mismatch"),
        ({"currency": "USD"}, "currency_mismatch"),
        ({"order_id": "vez-unknown"}, "unknown_order"),
        ({"info": "529000001"}, "account_mismatch"),
    ],
)
def test_h41_a_valid_signature_over_a_wrong_order_credits_nothing(app, gateway, order, caplog, override, reason):
    payment, account = order
    caplog.set_level(logging.INFO, logger="vez.security")
    form = sandbox_callback(app, payment, **override)
    _rejected(payment, account, post_callback(gateway, "sandbox", form), caplog, reason)


def test_h41_another_accounts_order_moves_neither_account(
    app, client, gateway, payer, make_account, make_user, auth, db
):
    _, mine = payer
    theirs = make_account("529000001", balance=70_000)
    make_user("olena", accounts=[theirs])
    own = place_order(client, amount="100.00")
    auth.logout()
    auth.login("olena")
    other = place_order(client, "529000001", amount="100.00")
    form = sandbox_callback(app, other, info=mine.number)  # their order, claiming my account
    assert post_callback(gateway, "sandbox", form).status_code == 400
    assert state(other, theirs) == (PaymentStatus.created, 70_000)
    assert state(own, mine) == (PaymentStatus.created, 50_000)


def test_h41_a_failure_credits_nothing(app, gateway, order):
    payment, account = order
    assert post_callback(gateway, "sandbox", sandbox_callback(app, payment, status="failure")).status_code == 200
    assert state(payment, account) == (PaymentStatus.declined, 50_000)
    assert "payment.declined" in audit_actions()


def test_h41_a_failure_after_success_changes_nothing(app, gateway, order):
    payment, account = order
    post_callback(gateway, "sandbox", sandbox_callback(app, payment))
    assert post_callback(gateway, "sandbox", sandbox_callback(app, payment, status="failure")).status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert audit_actions()[-1] == "payment.callback_ignored"


def test_h41_reversal_after_success_takes_the_money_back_once(app, client, gateway, order, db):
    from vez.ledger import last_payment

    payment, account = order
    post_callback(gateway, "sandbox", sandbox_callback(app, payment))
    reversal = sandbox_callback(app, payment, status="reversed")
    assert post_callback(gateway, "sandbox", reversal).status_code == 200
    assert post_callback(gateway, "sandbox", reversal).status_code == 200
    assert state(payment, account) == (PaymentStatus.reversed, 50_000)
    kinds = [e.kind.value for e in db.session.get(type(payment), payment.id).entries]
    assert kinds == ["credit", "reversal"]
    assert last_payment(account.id) is None
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert "Повернено" in page and "повернення: списано назад 100,00" in page.replace("\xa0", " ")
    assert audit_actions().count("payment.reversed") == 1


def test_h41_reversal_before_any_credit_moves_nothing(app, gateway, order):
    payment, account = order
    post_callback(gateway, "sandbox", sandbox_callback(app, payment, status="reversed"))
    assert state(payment, account) == (PaymentStatus.declined, 50_000)
    assert credits() == 0


def test_h41_the_sandbox_does_not_exist_in_production(app, gateway, order):
    payment, account = order
    app.config["ENV_MODE"] = "production"
    assert post_callback(gateway, "sandbox", sandbox_callback(app, payment)).status_code == 404
    assert gateway.post("/payments/sandbox/decide", data=sandbox_callback(app, payment)).status_code in (400, 404)
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_h43_the_browser_return_url_never_credits(app, client, order):
    payment, account = order
    form = sandbox_callback(app, payment)
    for response in (
        client.get(f"/payments/{payment.id}?status=success&amount=100.00"),
        client.get(f"/payments/{payment.id}", query_string=form),
        client.post(f"/payments/{payment.id}", data=form),
        client.get(f"/payments/{payment.id}", headers={"HX-Request": "true"}, query_string={"status": "success"}),
    ):
        assert response.status_code in (200, 286, 405)  # 286: a created order does not poll
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    # The return route asks the bank, which never heard of the order: the consumer left, whatever the URL says.
    back = client.get(f"/payments/{payment.id}/return", query_string=form)
    assert back.status_code == 303 and back.headers["Location"] == f"/payments/{payment.id}"
    assert state(payment, account) == (PaymentStatus.cancelled, 50_000)


def test_h43_the_sandbox_bank_needs_its_own_signature(app, client, order):
    """The sandbox's "pay" button is no back door: without the merchant's signed order it refuses."""
    payment, account = order
    from tests.conftest import csrf_token

    token = csrf_token(client, f"/payments/{payment.id}")
    forged = sandbox_envelope(app, {"order_id": payment.reference}, key="guess")
    response = client.post("/payments/sandbox/decide", data={**forged, "decision": "pay", "csrf_token": token})
    assert response.status_code == 400
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_every_state_change_is_audited(app, client, gateway, payer):
    payment = place_order(client)
    post_callback(gateway, "sandbox", sandbox_callback(app, payment))
    post_callback(gateway, "sandbox", sandbox_callback(app, payment, status="reversed"))
    assert audit_actions() == ["payment.created", "payment.received", "payment.reversed"]


def test_crediting_and_reversal_keep_the_balance_equal_to_the_ledger(
    app, client, gateway, make_account, make_user, make_charge, auth, db
):
    from datetime import date

    from vez.ledger import recompute_balances
    from vez.models import PersonalAccount

    account = make_account(last_payment=20_000)
    make_charge(account, date(2026, 9, 1), 30_000)
    make_charge(account, date(2026, 10, 1), 40_000)
    recompute_balances([account.id])
    db.session.commit()
    make_user("ivan", accounts=[account])
    auth.login()
    payment = place_order(client, amount="123.45")

    def balance_and_ledger():
        db.session.expire_all()
        stored = db.session.get(PersonalAccount, account.id).balance
        recompute_balances([account.id])
        ledger = db.session.get(PersonalAccount, account.id).balance
        db.session.rollback()
        return stored, ledger

    assert balance_and_ledger() == (50_000, 50_000)
    post_callback(gateway, "sandbox", sandbox_callback(app, payment))
    assert balance_and_ledger() == (50_000 - 12_345, 50_000 - 12_345)
    post_callback(gateway, "sandbox", sandbox_callback(app, payment, status="reversed"))
    assert balance_and_ledger() == (50_000, 50_000)
