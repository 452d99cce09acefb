"""LiqPay, API version 3, by its published rules: payloads are built here the documented way; no network."""

import base64
import json
import re
from urllib.parse import parse_qs

import pytest

from tests.conftest import https_client
from tests.payments.conftest import audit_actions, credits, liqpay_envelope, place_order, post_callback, state
from vez import create_app
from vez.models import Payment, PaymentStatus
from vez.payments.providers import GatewayOutcome
from vez.payments.providers.liqpay import LiqPayProvider, map_status

PUBLIC, PRIVATE = "i00000000001", "sandbox_private_key_0123456789abcdef"


@pytest.fixture
def liqpay(app):
    app.config.update(PAYMENT_PROVIDER="liqpay", LIQPAY_PUBLIC_KEY=PUBLIC, LIQPAY_PRIVATE_KEY=PRIVATE)
    return app


@pytest.fixture
def order(liqpay, client, payer):
    _, account = payer
    payment = place_order(client, amount="100.00")
    assert payment.provider == "liqpay"
    return payment, account


def callback(payment, status="success", **override) -> dict:
    params = {
        "version": 3,
        "public_key": PUBLIC,
        "action": "pay",
        "status": status,
        "order_id": payment.reference,
        "amount": 100.0,
        "currency": "UAH",
        "payment_id": 1234567890,
        "type": "buy",
        "paytype": "card",
        "description": "Оплата",
        "info": "529471247",
        **override,
    }
    return liqpay_envelope(PRIVATE, {k: v for k, v in params.items() if v is not None})


def test_checkout_form_posts_the_documented_data_and_signature(client, order):
    payment, _ = order
    html = client.get(f"/payments/{payment.id}/checkout").get_data(as_text=True)
    assert 'action="https://www.liqpay.ua/api/3/checkout"' in html
    assert 'name="csrf_token"' not in html.split('id="checkout-form"')[1].split("</form>")[0]
    data = re.search(r'name="data" value="([^"]+)"', html).group(1)
    signature = re.search(r'name="signature" value="([^"]+)"', html).group(1)
    import hashlib

    assert signature == base64.b64encode(hashlib.sha1((PRIVATE + data + PRIVATE).encode()).digest()).decode()
    params = json.loads(base64.b64decode(data))
    assert params == {
        "version": 3,
        "public_key": PUBLIC,
        "action": "pay",
        "amount": "100.00",
        "currency": "UAH",
        "description": "Оплата за електроенергію, особовий рахунок № 529471247",
        "order_id": payment.reference,
        "result_url": f"https://cabinet.test/payments/{payment.id}/return",
        "server_url": "https://cabinet.test/payments/callback/liqpay",
        "language": "uk",
        "info": "529471247",
    }


def test_sandbox_flag_is_sent_in_sandbox_mode(liqpay, client, order):
    payment, _ = order
    liqpay.config["LIQPAY_SANDBOX"] = True
    html = client.get(f"/payments/{payment.id}/checkout").get_data(as_text=True)
    data = re.search(r'name="data" value="([^"]+)"', html).group(1)
    assert json.loads(base64.b64decode(data))["sandbox"] == "1"


def test_csp_form_action_names_liqpay_when_it_is_the_provider(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "PAYMENT_PROVIDER": "liqpay",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        }
    )
    csp = https_client(app).get("/no-such-page").headers["Content-Security-Policy"]
    assert "form-action 'self' https://www.liqpay.ua;" in csp


def test_csp_form_action_is_self_only_with_the_sandbox(client):
    assert "form-action 'self';" in client.get("/no-such-page").headers["Content-Security-Policy"]


def test_a_valid_success_callback_credits(liqpay, order):
    payment, account = order
    response = post_callback(https_client(liqpay), "liqpay", callback(payment))
    assert response.status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert credits(payment.id) == 1


@pytest.mark.parametrize("status", ["failure", "error"])
def test_failure_and_error_fail_the_order(liqpay, order, status):
    payment, account = order
    assert post_callback(https_client(liqpay), "liqpay", callback(payment, status)).status_code == 200
    assert state(payment, account) == (PaymentStatus.declined, 50_000)


@pytest.mark.parametrize(
    "status",
    [
        "processing",
        "wait_secure",
        "wait_accept",
        "prepared",
        "hold_wait",
        "cash_wait",
        "invoice_wait",
        "wait_reserve",
        "3ds_verify",
        "otp_verify",
        "cvv_verify",
    ],
)
def test_waiting_statuses_mean_the_bank_took_the_order_and_credit_nothing(liqpay, order, status, db):
    payment, account = order
    assert post_callback(https_client(liqpay), "liqpay", callback(payment, status)).status_code == 200
    assert state(payment, account) == (PaymentStatus.pending, 50_000)
    assert db.session.get(Payment, payment.id).gateway_status == status


def test_reversed_after_success_takes_the_money_back_once(liqpay, order):
    payment, account = order
    gateway = https_client(liqpay)
    post_callback(gateway, "liqpay", callback(payment))
    assert post_callback(gateway, "liqpay", callback(payment, "reversed")).status_code == 200
    assert post_callback(gateway, "liqpay", callback(payment, "reversed")).status_code == 200
    assert state(payment, account) == (PaymentStatus.reversed, 50_000)


def test_h41_status_sandbox_is_refused_outside_sandbox_mode(liqpay, order):
    payment, account = order
    assert post_callback(https_client(liqpay), "liqpay", callback(payment, "sandbox")).status_code == 400
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    assert audit_actions()[-1] == "payment.callback_rejected"


def test_h41_status_sandbox_is_refused_in_production_even_in_sandbox_mode(liqpay, order):
    payment, account = order
    liqpay.config.update(LIQPAY_SANDBOX=True, ENV_MODE="production")
    assert post_callback(https_client(liqpay), "liqpay", callback(payment, "sandbox")).status_code == 400
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_status_sandbox_credits_in_sandbox_mode(liqpay, order):
    payment, account = order
    liqpay.config["LIQPAY_SANDBOX"] = True
    assert post_callback(https_client(liqpay), "liqpay", callback(payment, "sandbox")).status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000)


@pytest.mark.parametrize("tamper", ["signature", "data", "public_key", "amount", "currency", "order_id"])
def test_h38_h41_tampered_liqpay_callbacks_move_nothing(liqpay, order, tamper):
    payment, account = order
    if tamper == "signature":
        form = callback(payment)
        form["signature"] = liqpay_envelope("another private key", {"a": 1})["signature"]
    elif tamper == "data":
        form = callback(payment)
        form["data"] = callback(payment, amount=1.0)["data"]
    elif tamper == "public_key":
        form = callback(payment, public_key="i99999999999")
    elif tamper == "amount":
        form = callback(payment, amount=10.0)
    elif tamper == "currency":
        form = callback(payment, currency="EUR")
    else:
        form = callback(payment, order_id="vez-0000")
    assert post_callback(https_client(liqpay), "liqpay", form).status_code == 400
    assert state(payment, account) == (PaymentStatus.created, 50_000)
    assert audit_actions()[-1] == "payment.callback_rejected"


def test_an_order_of_the_sandbox_cannot_be_settled_by_liqpay(app, client, payer):
    _, account = payer
    payment = place_order(client)  # made with the sandbox
    app.config.update(LIQPAY_PUBLIC_KEY=PUBLIC, LIQPAY_PRIVATE_KEY=PRIVATE)
    assert post_callback(https_client(app), "liqpay", callback(payment)).status_code == 400
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_liqpay_callback_is_404_without_keys(app, client, payer):
    payment = place_order(client)
    assert post_callback(https_client(app), "liqpay", callback(payment)).status_code == 404


@pytest.mark.parametrize(
    "status,outcome",
    [
        ("success", GatewayOutcome.success),
        ("failure", GatewayOutcome.failure),
        ("error", GatewayOutcome.failure),
        ("reversed", GatewayOutcome.reversed),
        ("processing", GatewayOutcome.waiting),
        ("wait_secure", GatewayOutcome.waiting),
        ("phone_verify", GatewayOutcome.waiting),
        ("something_new", GatewayOutcome.waiting),
    ],
)
def test_status_mapping(status, outcome):
    assert map_status(status) is outcome


def test_version_7_signs_with_sha3_256():
    import hashlib

    provider = LiqPayProvider(PUBLIC, PRIVATE, version=7)
    data = "eyJhIjoxfQ=="
    expected = base64.b64encode(hashlib.sha3_256((PRIVATE + data + PRIVATE).encode()).digest()).decode()
    assert provider.sign(data) == expected
    assert LiqPayProvider(PUBLIC, PRIVATE).sign(data) != expected


def test_amounts_are_read_without_floats():
    provider = LiqPayProvider(PUBLIC, PRIVATE)
    for amount, kopiykas in [(100.0, 10000), ("100.5", 10050), (0.1, 10), (99999.99, 9999999), (7, 700)]:
        form = liqpay_envelope(
            PRIVATE, {"public_key": PUBLIC, "order_id": "x", "status": "success", "amount": amount, "currency": "UAH"}
        )
        assert provider.parse_callback(form).amount == kopiykas


def test_status_request_is_the_documented_envelope(liqpay, order):
    payment, _ = order
    sent = []

    def transport(url, body, timeout):
        sent.append((url, body, timeout))
        return json.dumps(
            {
                "result": "ok",
                "status": "success",
                "order_id": payment.reference,
                "amount": 100,
                "currency": "UAH",
                "public_key": PUBLIC,
                "payment_id": 42,
            }
        ).encode()

    liqpay.extensions["vez.payment_transport"] = transport
    from vez.payments import providers

    result = providers.get("liqpay").query_status(payment.reference)
    assert result.outcome is GatewayOutcome.success and result.amount == 10_000
    url, body, timeout = sent[0]
    assert url == "https://www.liqpay.ua/api/request" and timeout == 10
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert json.loads(base64.b64decode(form["data"])) == {
        "action": "status",
        "version": 3,
        "public_key": PUBLIC,
        "order_id": payment.reference,
    }
    assert form["signature"] == liqpay_envelope(PRIVATE, json.loads(base64.b64decode(form["data"])))["signature"]


def test_the_real_transport_verifies_tls(monkeypatch):
    import ssl

    from vez.payments import providers

    seen = {}

    class Answer:
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def read(self, n):
            return b"{}"

    def urlopen(request, timeout, context):
        seen.update(url=request.full_url, timeout=timeout, context=context)
        return Answer()

    monkeypatch.setattr(providers.urllib.request, "urlopen", urlopen)
    providers.urllib_transport("https://www.liqpay.ua/api/request", b"data=x", 5)
    assert seen["context"].verify_mode is ssl.CERT_REQUIRED and seen["context"].check_hostname
