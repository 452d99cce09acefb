"""One-tap pay links: what the page shows without a login, what "Pay" makes, and where a link stops working."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import https_client
from tests.paylinks.conftest import CSRF, FORM_KEY, press_pay
from tests.payments.conftest import post_callback, sandbox_callback
from vez.models import Payment, PaymentChannel, PaymentStatus, PersonalAccount, UserAccount
from vez.paylink import make_token, mask_name, payable_amount


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Ковальчук Олена Петрівна", "Ковальчук О. П."),
        ("Ковальчук Олена", "Ковальчук О."),
        ("Олена", "О."),
        ("Косач-Квітка Лариса Петрівна", "Косач-Квітка Л. П."),
        ("Шевчук Анна-Марія Іванівна", "Шевчук А.-М. І."),
        ("  Ковальчук   Олена  ", "Ковальчук О."),
        ("", ""),
    ],
)
def test_the_holders_name_is_masked_to_the_surname_and_initials(name, masked):
    assert mask_name(name) == masked


def test_the_page_opens_without_a_login_and_shows_one_bill_only(client, link, billed):
    answer = client.get(link)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "529471247" in page and "Ковальчук О. П." in page and "Олена" not in page
    assert "500,00" in page and "20 лист. 2026" in page and "Сплатити" in page and "Електроенергія" in page
    assert "смт Любешів" not in page  # no address, no balance, no history
    assert "Історія" not in page and "Баланс" not in page


def test_the_link_pages_are_never_stored_and_send_no_referrer(client, link):
    answer = client.get(link)
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_cache_never_keeps_a_link_page(client, app, link, billed, db):
    account, _ = billed
    assert "500,00" in client.get(link).get_data(as_text=True)
    account = db.session.get(PersonalAccount, account.id)
    account.balance = 20_000
    db.session.commit()
    assert "200,00" in client.get(link).get_data(as_text=True)


def test_the_page_speaks_the_letters_language(client, link):
    page = client.get(f"{link}?lang=en").get_data(as_text=True)
    assert "Pay the bill" in page and "Kovalchuk" not in page and "Ковальчук О. П." in page


def test_pay_makes_a_link_order_for_that_account_and_bill_only(client, link, billed, db):
    account, bill = billed
    answer = press_pay(client, link)
    assert answer.status_code == 303
    payment = db.session.scalar(select(Payment))
    assert answer.headers["Location"] == f"{link}/orders/{payment.reference}/checkout"
    assert payment.user_id is None and payment.channel is PaymentChannel.link and payment.bill_id == bill.id
    assert payment.account_id == account.id and payment.amount == 50_000
    checkout = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'action="/payments/sandbox/checkout"' in checkout and payment.reference in checkout


def test_the_amount_is_what_is_still_owed_when_part_was_paid(app, billed):
    account, bill = billed
    assert payable_amount(bill, 30_000) == 30_000
    assert payable_amount(bill, 90_000) == 50_000  # never more than the bill
    assert payable_amount(bill, 50) == app.config["PAYMENT_MIN_AMOUNT"]
    assert payable_amount(bill, 0) == 0 and payable_amount(bill, -100) == 0


def test_a_double_press_makes_one_order(client, link, db):
    page = client.get(link).get_data(as_text=True)
    data = {"key": FORM_KEY.search(page).group(1), "csrf_token": CSRF.search(page).group(1)}
    first, second = client.post(link, data=data), client.post(link, data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(db.session.scalars(select(Payment)).all()) == 1


def test_pay_without_the_csrf_token_is_refused(client, link, db):
    page = client.get(link).get_data(as_text=True)
    answer = client.post(link, data={"key": FORM_KEY.search(page).group(1)})
    assert answer.status_code == 400
    assert db.session.scalars(select(Payment)).all() == []


def test_paying_through_the_sandbox_credits_the_account_and_kills_the_link(client, app, link, billed, db):
    account, _ = billed
    checkout = client.get(press_pay(client, link).headers["Location"]).get_data(as_text=True)
    import re

    fields = {name: re.search(rf'name="{name}" value="([^"]*)"', checkout).group(1) for name in ("data", "signature")}
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]*)"', checkout).group(1)
    assert client.post("/payments/sandbox/checkout", data=fields).status_code == 200
    back = client.post("/payments/sandbox/decide", data={**fields, "decision": "pay"})
    payment = db.session.scalar(select(Payment))
    assert back.status_code == 303 and back.headers["Location"] == f"{link}/orders/{payment.reference}/return"
    returned = client.get(back.headers["Location"])
    assert returned.status_code == 303 and returned.headers["Location"] == f"{link}/orders/{payment.reference}"
    result = client.get(returned.headers["Location"])
    page = result.get_data(as_text=True)
    assert result.status_code == 200 and result.headers["Referrer-Policy"] == "no-referrer"
    assert 'data-status="paid"' in page and "500,00" in page and "529471247" in page
    assert "hx-trigger" not in page and "Ковальчук" not in page
    db.session.expire_all()
    assert db.session.get(PersonalAccount, account.id).balance == 0
    after = client.get(link).get_data(as_text=True)
    assert "Нічого сплачувати" in after and 'action="/pay/' not in after and 'href="/login"' in after
    assert press_pay_refused(client, link) == 409


def test_a_payer_who_leaves_the_gateway_sees_cancelled_and_a_retry(client, app, link, billed, db):
    account, _ = billed
    checkout = client.get(press_pay(client, link).headers["Location"]).get_data(as_text=True)
    import re

    fields = {name: re.search(rf'name="{name}" value="([^"]*)"', checkout).group(1) for name in ("data", "signature")}
    fields["csrf_token"] = re.search(r'name="csrf_token" value="([^"]*)"', checkout).group(1)
    bank = client.post("/payments/sandbox/checkout", data=fields).get_data(as_text=True)
    payment = db.session.scalar(select(Payment))
    back = re.search(r'href="([^"]*/return)"', bank).group(1)  # "Cancel and return": the bank books nothing
    assert back == f"{link}/orders/{payment.reference}/return"
    result = client.get(back, follow_redirects=True).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status is PaymentStatus.cancelled
    assert 'data-status="cancelled"' in result and "Спробувати ще раз" in result and "в дорозі" not in result.lower()
    assert db.session.get(PersonalAccount, account.id).balance == 50_000
    assert client.get(back).status_code == 303  # asking again changes nothing: the order is final


def press_pay_refused(client, link: str) -> int:
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post(link, data={"key": "k" * 32, "csrf_token": token}).status_code


def test_the_result_page_polls_until_the_order_is_final(client, app, link, db):
    location = press_pay(client, link).headers["Location"].removesuffix("/checkout")
    page = client.get(location).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page and 'http-equiv="refresh"' in page
    assert client.get(location, headers={"HX-Request": "true"}).status_code == 204
    payment = db.session.scalar(select(Payment))
    assert post_callback(client, "sandbox", sandbox_callback(app, payment, "failure")).status_code == 200
    final = client.get(location, headers={"HX-Request": "true"})
    assert final.status_code == 286
    text = final.get_data(as_text=True)
    assert 'data-status="declined"' in text and f'href="{link}"' in text  # "Try again" leads back to the link


def test_a_superseded_bill_says_so_and_refuses_pay(client, link, billed, make_bill):
    account, _ = billed
    make_bill(account, month=date(2026, 11, 1))
    page = client.get(link).get_data(as_text=True)
    assert "Виставлено новіший рахунок" in page and 'action="/pay/' not in page and 'href="/login"' in page
    assert press_pay_refused(client, link) == 409


def test_a_bill_with_nothing_owed_offers_no_pay(client, app, make_account, make_bill):
    account = make_account(balance=-1_000)
    bill = make_bill(account, closing=-1_000)
    page = client.get(f"/pay/{make_token(account.id, bill.id)}").get_data(as_text=True)
    assert "Нічого сплачувати" in page and "Сплатити</button>" not in page


@pytest.mark.parametrize("tamper", ["flip", "cut", "junk"])
def test_a_tampered_link_leads_to_the_login(client, link, tamper):
    token = link.removeprefix("/pay/")
    bad = {"flip": token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "cut": token[:20], "junk": "x" * 600}[tamper]
    answer = client.get(f"/pay/{bad}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404 and "Посилання для оплати недійсне" in page and 'href="/login"' in page
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_a_link_for_another_accounts_bill_is_damaged(client, app, billed, make_account, make_bill):
    account, bill = billed
    other = make_account("529471248")
    assert client.get(f"/pay/{make_token(other.id, bill.id)}").status_code == 404


def test_a_link_of_another_purpose_is_refused(client, app, billed):
    from vez.identity import tokens

    account, bill = billed
    forged = tokens.make(tokens.ACTIVATION, {"a": account.id, "b": bill.id})
    assert client.get(f"/pay/{forged}").status_code == 404


def test_an_expired_link_answers_410_and_leads_to_the_login(client, app, billed):
    account, bill = billed
    with time_machine.travel("2026-11-01 10:00", tick=False) as traveller:
        token = make_token(account.id, bill.id)
        assert client.get(f"/pay/{token}").status_code == 200
        traveller.shift(timedelta(days=44, hours=23))
        assert client.get(f"/pay/{token}").status_code == 200
        traveller.shift(timedelta(hours=2))
        answer = client.get(f"/pay/{token}")
        assert answer.status_code == 410 and 'href="/login"' in answer.get_data(as_text=True)
        assert press_pay_refused(client, f"/pay/{token}") == 410


def test_an_order_of_another_bill_or_account_is_not_shown_by_a_link(client, app, link, billed, make_account, make_bill):
    account, bill = billed
    location = press_pay(client, link).headers["Location"].removesuffix("/checkout")
    reference = location.rpartition("/")[2]
    other_account = make_account("529471248", balance=10_000)
    other = f"/pay/{make_token(other_account.id, make_bill(other_account).id)}"
    assert client.get(f"{other}/orders/{reference}").status_code == 404
    assert client.get(f"{other}/orders/{reference}/checkout").status_code == 404
    newer = make_bill(account, month=date(2026, 11, 1))
    assert client.get(f"/pay/{make_token(account.id, newer.id)}/orders/{reference}").status_code == 404


def test_a_logged_in_consumers_order_is_not_reachable_from_a_link(client, app, link, db, billed, make_user, auth):
    from tests.payments.conftest import place_order

    account, _ = billed
    make_user("ivan", accounts=[account])
    auth.login()
    payment = place_order(client)
    assert client.get(f"{link}/orders/{payment.reference}").status_code == 404


def test_the_result_page_needs_no_login_in_another_browser(app, client, link, db):
    location = press_pay(client, link).headers["Location"].removesuffix("/checkout")
    stranger = https_client(app)
    page = stranger.get(location).get_data(as_text=True)
    assert "529471247" in page and "500,00" in page


def test_unfinished_link_orders_of_a_bill_are_capped(client, app, link, db):
    app.config["PAY_LINK_ORDERS_MAX"] = 2
    assert press_pay(client, link).status_code == 303
    assert press_pay(client, link).status_code == 303
    third = press_pay(client, link)
    assert third.status_code == 429 and "ще не завершено" in third.get_data(as_text=True)
    assert len(db.session.scalars(select(Payment)).all()) == 2


def test_pay_is_rate_limited_per_address(client, app, link, db):
    app.config["PAY_LINK_LIMIT_PER_ADDRESS"] = "2 per hour"
    assert press_pay(client, link).status_code == 303
    assert press_pay(client, link).status_code == 303
    assert press_pay(client, link).status_code == 429
    assert len(db.session.scalars(select(Payment)).all()) == 2


def test_a_link_order_is_credited_to_the_bills_account_by_a_signed_callback(client, app, link, billed, db):
    account, _ = billed
    press_pay(client, link)
    payment = db.session.scalar(select(Payment))
    assert post_callback(client, "sandbox", sandbox_callback(app, payment)).status_code == 200
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status is PaymentStatus.paid
    assert db.session.get(PersonalAccount, account.id).balance == 0
    assert db.session.scalars(select(UserAccount)).all() == []  # no login was needed or made
