"""The one-tap pay link in a real browser (docs/payments.md, "One-tap pay links"): the e-bill letter is queued by
vez.billing.queue_ebills for a bill with an amount due, its link is read from the outbox as the consumer would
click it, and opened in a context that never logged in. The bill page, the sandbox bank, the result page (its
live region with JavaScript, its refresh without), the dead link after payment, the retry after a decline, axe
on every page in both languages, the keyboard alone, and 320 px phones.

Each test bills a fresh account of its own, so a paid link, a declined order or the per-bill order cap never
reaches another test, and the demo's balances stay as the other browser tests expect them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from tests.browser.conftest import assert_no_axe_violations, screenshot
from tests.browser.test_keyboard import tab_to
from vez.billing import queue_ebills
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.models import Bill, Charge, Letter, PersonalAccount, Service, Subdivision, User, UserAccount, utcnow

MONTH = date(2026, 10, 1)
CHARGED = 123_456  # 1 234,56 ₴ due
HOLDER = "Ковальчук Олена Петрівна"
MASKED = "Ковальчук О. П."
STATE = "#payment-state .pay-state"  # inside the live region, the one part the poll replaces
BILL = "#pay-link"
PAY_BUTTON = f"{BILL} button[type=submit]"
PAY_URL = re.compile(r"(https?://\S+/pay/[A-Za-z0-9._-]+(?:\?lang=\w+)?)")
_numbers = itertools.count(1)


@dataclass(frozen=True)
class EbillLink:
    """What the e-bill letter says, and how the page will print it."""

    url: str  # the link as the letter carries it (absolute, with the letter's language)
    number: str
    amount: str  # the amount due, formatted as the pages format money
    due: str  # the due date, formatted as the pages format a day


def _free_number() -> str:
    while True:
        number = f"5299{next(_numbers):05d}"
        if db.session.scalar(select(func.count()).where(PersonalAccount.number == number)) == 0:
            return number


@pytest.fixture
def ebill(live_app, live_server) -> EbillLink:
    """A paperless consumer with one electricity account owing 1 234,56 on its October bill, and the e-bill letter
    queued for that bill by the real path; the link is read from the letter's text."""
    with live_app.app_context():
        number = _free_number()
        subdivision = db.session.scalar(
            select(Subdivision).where(Subdivision.service == Service.electricity).order_by(Subdivision.id)
        )
        account = PersonalAccount(
            number=number,
            service=Service.electricity,
            subdivision=subdivision,
            holder_name=HOLDER,
            address="смт Любешів, вул. Волі, 5",
            meter_number="12345678",
            balance=CHARGED,
        )
        db.session.add(account)
        db.session.flush()
        volume, tariff = Decimal("285.778"), Decimal("4.320")  # 285.778 kWh × 4.320 ₴ = 1 234,56 ₴ (the ledger)
        db.session.add(
            Charge(account_id=account.id, month=MONTH, volume=volume, unit="kWh", tariff=tariff, amount=CHARGED)
        )
        user = User(
            login=f"paylink{number}",
            login_key=f"paylink{number}",
            email=f"paylink{number}@example.com",
            email_key=f"paylink{number}@example.com",
            phone="+380501234567",
            password_hash=hash_password("paylink12345"),
            paperless=True,
            language="uk",
            activated_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(UserAccount(user_id=user.id, account_id=account.id))
        bill = Bill(
            account_id=account.id,
            month=MONTH,
            number=f"{number}-{MONTH:%Y%m}",
            issued_on=date(2026, 11, 1),
            opening_balance=0,
            charged=CHARGED,
            paid=0,
            closing_balance=CHARGED,
            due_date=date(2026, 11, 20),
        )
        db.session.add(bill)
        db.session.flush()
        assert queue_ebills([bill]) == 1
        db.session.commit()
        letter = db.session.scalar(select(Letter).where(Letter.user_id == user.id, Letter.kind == "ebill"))
        url = PAY_URL.search(letter.body_text).group(1)
        assert f'href="{url}"' in letter.body_html  # the HTML letter's button is the same link
        with live_app.test_request_context("/?lang=uk"):
            amount = render_template_string("{{ v|money }}", v=CHARGED)
            due = render_template_string("{{ v|day }}", v=bill.due_date)
    return EbillLink(url=url, number=number, amount=amount, due=due)


def in_language(url: str, language: str) -> str:
    """The letter's link as a letter in that language carries it."""
    return re.sub(r"\?lang=\w+$", "", url) + f"?lang={language}"


def assert_fits_320(page) -> None:
    """No horizontal scrolling on a 320 px phone."""
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 320, f"{page.url} scrolls sideways at 320 px: {width} px wide"
    page.set_viewport_size({"width": 360, "height": 800})


def assert_shows_the_bill(page, ebill: EbillLink) -> None:
    bill = page.locator(BILL).inner_text()
    for fact in (ebill.number, MASKED, ebill.amount, ebill.due):
        assert fact in bill, f"{fact!r} not on the link's page: {bill!r}"
    assert HOLDER not in page.content()  # the holder's full name never leaves the server


def press_pay_until_the_bank(page, pay: str = "Сплатити", go: str = "Перейти до оплати") -> str:
    """ "Pay" on the bill page and the hand-off: returns the order's result path, the browser on the sandbox bank."""
    page.get_by_role("button", name=pay).click()
    page.wait_for_url(re.compile(r".*/pay/[^/]+/orders/[^/]+/checkout$"))
    result = re.sub(r"^https?://[^/]+", "", page.url).removesuffix("/checkout")
    page.get_by_role("button", name=go).click()
    page.wait_for_url("**/payments/sandbox/checkout")
    return result


def the_bank_decides(page, decision: str, result: str) -> None:
    """The sandbox bank's button by its value (its label is the bank's), then back on the result page."""
    page.locator(f"button[name=decision][value={decision}]").click()
    page.wait_for_url(f"**{result}")


def assert_the_link_is_dead_and_leads_to_the_login(page, ebill: EbillLink) -> None:
    page.goto(ebill.url)
    bill = page.locator(BILL)
    assert bill.get_by_role("heading", name="Нічого сплачувати").is_visible()
    assert page.locator(PAY_BUTTON).count() == 0
    assert ebill.amount not in bill.inner_text()
    bill.get_by_role("link", name="Вхід").click()
    page.wait_for_url("**/login")


def test_the_letters_link_pays_the_bill_without_a_login_and_then_leads_to_the_login(page, ebill):
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(ebill.url)
    assert page.get_by_role("heading", name="Сплатити рахунок").is_visible()
    assert_shows_the_bill(page, ebill)
    assert_no_axe_violations(page)
    assert_fits_320(page)
    screenshot(page, "paylink-bill", 360)  # docs/screenshots/360-paylink.png is this, copied by hand

    result = press_pay_until_the_bank(page)
    assert ebill.number in page.locator("main").inner_text()  # the sandbox bank names the account it pays

    # The consumer watches the order in a second tab while the bank decides: the live region, never a reload.
    watcher = page.context.new_page()
    watcher.set_viewport_size({"width": 360, "height": 800})
    watcher.goto(result)
    assert watcher.locator(STATE).get_attribute("data-status") in {"created", "pending"}
    watcher.evaluate("window.__marker = 1")
    watcher.evaluate("window.__region = document.getElementById('payment-state')")

    the_bank_decides(page, "pay", result)
    assert page.locator(STATE).get_attribute("data-status") == "paid"
    assert page.get_by_role("status").inner_text().startswith("Сплачено")
    assert ebill.amount in page.get_by_role("status").inner_text()

    watcher.wait_for_selector(f'{STATE}[data-status="paid"]', timeout=8_000)
    assert watcher.evaluate("window.__marker") == 1
    assert watcher.evaluate("document.getElementById('payment-state') === window.__region")
    assert watcher.get_by_role("status").inner_text().startswith("Сплачено")
    assert MASKED not in watcher.content() and "Ковальчук" not in watcher.content()  # the result names no one
    assert_no_axe_violations(watcher)
    assert_fits_320(watcher)
    screenshot(watcher, "paylink-paid", 360)

    assert_the_link_is_dead_and_leads_to_the_login(page, ebill)
    assert page.csp_violations == []


def test_without_javascript_the_links_result_page_refreshes_itself(page_nojs, ebill):
    page = page_nojs
    page.goto(ebill.url)
    assert_shows_the_bill(page, ebill)
    result = press_pay_until_the_bank(page)
    watcher = page.context.new_page()
    watcher.goto(result)
    assert watcher.locator(STATE).get_attribute("data-status") in {"created", "pending"}
    assert watcher.locator("noscript").count() >= 1
    the_bank_decides(page, "pay", result)
    assert page.locator(STATE).get_attribute("data-status") == "paid"
    watcher.wait_for_selector(f'{STATE}[data-status="paid"]', timeout=10_000)  # the meta refresh
    assert watcher.get_by_text("Сплачено").first.is_visible()
    assert_the_link_is_dead_and_leads_to_the_login(page, ebill)


WORDS = {
    "uk": {"pay": "Сплатити", "go": "Перейти до оплати", "again": "Спробувати ще раз", "not paid": "Не сплачено"},
    "en": {"pay": "Pay", "go": "Go to the payment page", "again": "Try again", "not paid": "Not paid"},
}


@pytest.mark.parametrize("language", ["uk", "en"])
def test_a_declined_link_payment_offers_to_try_again(page, ebill, language):
    words = WORDS[language]
    page.goto(in_language(ebill.url, language))
    assert page.locator("html").get_attribute("lang") == language
    assert_no_axe_violations(page)
    result = press_pay_until_the_bank(page, words["pay"], words["go"])
    the_bank_decides(page, "decline", result)
    assert page.locator(STATE).get_attribute("data-status") == "declined"
    assert page.get_by_role("status").inner_text().startswith(words["not paid"])
    assert_no_axe_violations(page)
    assert_fits_320(page)
    screenshot(page, f"paylink-declined-{language}", 360)

    page.get_by_role("link", name=words["again"]).click()
    page.wait_for_url(re.compile(r".*/pay/[A-Za-z0-9._-]+$"))
    assert page.get_by_role("button", name=words["pay"]).is_visible()  # the link still opens: nothing was paid
    if language == "uk":
        assert_shows_the_bill(page, ebill)


@pytest.mark.parametrize("language", ["uk", "en"])
def test_a_tampered_link_gets_a_page_that_leads_to_the_login(page, ebill, language):
    token = re.search(r"/pay/([^?]+)", ebill.url).group(1)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    answer = page.goto(in_language(ebill.url.replace(token, tampered), language))
    assert answer.status == 404
    login = {"uk": "Вхід", "en": "Log in"}[language]
    heading = {"uk": "Посилання для оплати недійсне", "en": "The payment link is not valid"}[language]
    assert page.get_by_role("heading", name=heading).is_visible()
    assert ebill.number not in page.content()
    assert_no_axe_violations(page)
    assert_fits_320(page)
    screenshot(page, f"paylink-invalid-{language}", 360)
    page.locator("main").get_by_role("link", name=login).click()
    page.wait_for_url("**/login")


def test_the_link_pays_by_keyboard_alone(page, ebill):
    page.goto(ebill.url)
    tab_to(page, PAY_BUTTON, "Сплатити")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/pay/[^/]+/orders/[^/]+/checkout$"))
    result = re.sub(r"^https?://[^/]+", "", page.url).removesuffix("/checkout")
    tab_to(page, "#checkout-form button", "Перейти до оплати")
    page.keyboard.press("Enter")
    page.wait_for_url("**/payments/sandbox/checkout")
    tab_to(page, "button[name=decision][value=pay]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{result}")
    assert page.locator(STATE).get_attribute("data-status") == "paid"
