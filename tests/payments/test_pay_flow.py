"""The whole path with the sandbox gateway: pay, decline, cancel; double submit; the result page."""

import re

from sqlalchemy import select

from tests.conftest import csrf_token, https_client
from tests.payments.conftest import KEY, credits, hidden, place_order, state, through_sandbox
from vez.ledger import last_payment
from vez.models import Letter, Payment, PaymentChannel, PaymentSource, PaymentStatus
from vez.payments.providers import sandbox_bank

PAY = "/cabinet/accounts/529471247/pay"


def test_pay_page_proposes_the_debt_and_says_there_is_no_commission(client, payer):
    page = client.get(PAY).get_data(as_text=True)
    assert 'value="500.00"' in page
    assert "Без комісії" in page
    assert KEY.search(page)


def test_pay_page_proposes_nothing_without_a_debt(client, make_account, make_user, auth):
    make_user("ivan", accounts=[make_account(balance=-1500)])
    auth.login()
    page = client.get(PAY).get_data(as_text=True)
    assert 'name="amount" required type="text" value=""' in page or re.search(r'id="amount"[^>]*value=""', page)


def test_paying_through_the_sandbox_credits_at_once(client, payer, app, db):
    user, account = payer
    payment = place_order(client, amount="100,00")
    assert payment.amount == 10_000 and payment.status is PaymentStatus.created
    assert payment.source is PaymentSource.online and payment.user_id == user.id
    assert payment.channel is PaymentChannel.cabinet
    before = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert "Оплату не завершено" in before and "В дорозі" not in before  # the bank has not taken it yet

    answer = through_sandbox(client, payment, "pay")
    assert answer.status_code == 303 and answer.headers["Location"] == f"/payments/{payment.id}/return"
    assert client.get(answer.headers["Location"]).headers["Location"] == f"/payments/{payment.id}"
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    assert credits(payment.id) == 1
    assert last_payment(account.id).id == payment.id  # counts for identification from now on
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert "Сплачено" in page and "400,00" in page and 'data-balance="40000"' in page
    assert "hx-trigger" not in page and 'http-equiv="refresh"' not in page
    receipt = client.get(f"/payments/{payment.id}/receipt").get_data(as_text=True)
    assert "42104931" in receipt and "529471247" in receipt and "100,00" in receipt
    letter = db.session.scalar(select(Letter).where(Letter.kind == "payment_receipt"))
    assert letter.recipient == user.email and "100,00" in letter.body_text and payment.reference in letter.body_html


def test_declining_in_the_sandbox_fails_the_order_and_moves_nothing(client, payer):
    _, account = payer
    payment = place_order(client)
    assert through_sandbox(client, payment, "decline").status_code == 303
    assert state(payment, account) == (PaymentStatus.declined, 50_000)
    page = client.get(f"/payments/{payment.id}").get_data(as_text=True)
    assert "Банк відхилив платіж" in page and "Спробувати ще раз" in page and f'href="{PAY}?amount=100.00"' in page
    assert credits() == 0


def test_showing_the_sandbox_page_books_nothing_and_cancel_is_a_plain_link_to_the_return(client, payer):
    _, account = payer
    payment = place_order(client)
    checkout = client.get(f"/payments/{payment.id}/checkout").get_data(as_text=True)
    fields = {k: hidden(checkout, k) for k in ("data", "signature", "csrf_token")}
    bank = client.post("/payments/sandbox/checkout", data=fields).get_data(as_text=True)
    assert f'href="/payments/{payment.id}/return">Скасувати й повернутися</a>' in bank
    assert sandbox_bank.find(payment.reference) is None  # an order only shown is unknown to the bank
    assert state(payment, account) == (PaymentStatus.created, 50_000)


def test_double_submit_creates_one_order(client, payer, db):
    html = client.get(PAY).get_data(as_text=True)
    key, token = KEY.search(html).group(1), csrf_token(client, PAY)
    first = client.post(PAY, data={"amount": "100.00", "key": key, "csrf_token": token})
    second = client.post(PAY, data={"amount": "100.00", "key": key, "csrf_token": token})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(db.session.scalars(select(Payment).where(Payment.source == PaymentSource.online)).all()) == 1


def test_htmx_submit_answers_with_hx_redirect(client, payer):
    html = client.get(PAY).get_data(as_text=True)
    response = client.post(
        PAY,
        data={"amount": "100", "key": KEY.search(html).group(1)},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client, PAY)},
    )
    assert response.status_code == 204 and re.fullmatch(r"/payments/\d+/checkout", response.headers["HX-Redirect"])


def test_invalid_amount_answers_422_with_the_form(client, payer):
    html = client.get(PAY).get_data(as_text=True)
    token = csrf_token(client, PAY)
    for amount, message in [
        ("0,99", "1,00"),
        ("100000.01", "100 000,00"),
        ("abc", "250,00"),
        ("", "250,00"),
        ("1.234", "250,00"),
        ("-5", "250,00"),
    ]:
        response = client.post(PAY, data={"amount": amount, "key": KEY.search(html).group(1), "csrf_token": token})
        assert response.status_code == 422, amount
        assert message in response.get_data(as_text=True).replace("\xa0", " "), amount


def test_invalid_amount_message_in_english(client, payer):
    client.get("/?lang=en")
    html = client.get(PAY).get_data(as_text=True)
    assert "No commission" in html
    response = client.post(
        PAY, data={"amount": "0.5", "key": KEY.search(html).group(1), "csrf_token": csrf_token(client, PAY)}
    )
    assert response.status_code == 422 and "The smallest amount is 1.00 UAH." in response.get_data(
        as_text=True
    ).replace("\xa0", " ")


def test_a_tampered_form_key_is_refused_and_replaced(client, payer):
    response = client.post(PAY, data={"amount": "100", "key": "x", "csrf_token": csrf_token(client, PAY)})
    assert response.status_code == 422 and KEY.search(response.get_data(as_text=True)).group(1) != "x"


def test_pay_page_of_another_login_is_404(client, app, payer, make_account, make_user):
    other = make_account("529000001")
    make_user("olena", accounts=[other])
    assert client.get("/cabinet/accounts/529000001/pay").status_code == 404
    assert (
        client.post(
            "/cabinet/accounts/529000001/pay", data={"amount": "1", "csrf_token": csrf_token(client, PAY)}
        ).status_code
        == 404
    )
    assert https_client(app).get(PAY).status_code == 302  # anonymous: to the login


def test_result_page_belongs_to_its_login_only(client, app, payer, make_user, auth):
    payment = place_order(client)
    auth.logout()
    make_user("olena")
    auth.login("olena")
    for path in (f"/payments/{payment.id}", f"/payments/{payment.id}/checkout", f"/payments/{payment.id}/receipt"):
        assert client.get(path).status_code == 404


def test_a_bank_payment_has_no_result_page(client, make_account, make_user, auth, db):
    account = make_account(last_payment=12345)
    make_user("ivan", accounts=[account])
    auth.login()
    bank = db.session.scalar(select(Payment))
    assert client.get(f"/payments/{bank.id}").status_code == 404


def test_online_payment_unavailable_when_the_provider_is_not_configured(client, payer, app):
    app.config["PAYMENT_PROVIDER"] = "liqpay"  # no keys
    response = client.get(PAY)
    assert response.status_code == 503 and "тимчасово недоступна" in response.get_data(as_text=True)


def test_the_sandbox_takes_no_money_in_production(client, payer, app):
    app.config["ENV_MODE"] = "production"
    assert client.get(PAY).status_code == 503
    assert client.post("/payments/sandbox/checkout", data={"csrf_token": csrf_token(client, "/")}).status_code == 404


def test_a_refused_amount_leads_the_pay_form_with_a_summary_linking_the_field(client, payer):
    from tests.forms import FormMarkup, form_problems

    page = client.get(PAY).get_data(as_text=True)
    assert form_problems(page) == [] and FormMarkup(page).invalid() == []
    assert "Від 1,00 ₴ до 100 000,00 ₴." in page.replace("\xa0", " ").replace("\u202f", " ")
    key = KEY.search(page).group(1)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(
            PAY, data={"amount": "abc", "key": key, "csrf_token": csrf_token(client, PAY)}, headers=headers
        )
        html = response.get_data(as_text=True)
        markup = FormMarkup(html)
        assert response.status_code == 422 and markup.invalid() == ["amount"]
        [summary] = markup.summaries()
        assert markup.summary_links(summary) == ["amount"] and form_problems(html) == []


def test_the_pay_limits_are_written_in_the_english_format(client, payer):
    page = client.get(f"{PAY}?lang=en").get_data(as_text=True).replace("\xa0", " ")
    assert "100 000.00 UAH" not in page and "From 1.00 UAH to 100,000.00 UAH." in page
