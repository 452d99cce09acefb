"""Autopay in Chromium, with JavaScript on and off: the demo consumer switches it on from the account page,
saves a sandbox test card on the bank's page, sees it on, the daily job charges the next bill, the charge is in
the account's history, and one button switches it off and deletes the card. Also by keyboard alone, and axe-core
on the account page with autopay off, waiting for the card and on, in both languages.

axe-core is run only in contexts with JavaScript: it is a script, and in a context with JavaScript disabled its
`axe.run` promise never settles (that, not the pages, is what "hung" the first JavaScript-off version of this test).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.browser.test_keyboard import tab_to
from tests.browser.test_payments import demo_gas_account, restore_balances  # noqa: F401 (fixtures)
from vez.billing import DUE_DAY, next_month
from vez.extensions import db
from vez.ledger import recompute_balances
from vez.models import Autopay, AutopayAttempt, Bill, Charge, Payment, PaymentChannel, PersonalAccount
from vez.payments import autopay

CARD_MASK = "424242******4242"
NEXT_CHARGE = 8_765  # 87,65 ₴: the next month's gas, 10 m³ × 8.765 ₴


def autopay_row(live_app, number: str) -> Autopay | None:
    with live_app.app_context():
        account_id = db.session.scalar(select(PersonalAccount.id).where(PersonalAccount.number == number))
        return db.session.scalar(select(Autopay).where(Autopay.account_id == account_id))


@pytest.fixture
def next_bill(live_app, demo_gas_account):  # noqa: F811
    """`bill_again()` bills the demo gas account's next month (87,65 ₴ on top of its balance) and returns the day
    the autopay job charges it. Afterwards the month, its attempts and charge are removed and the balance
    recomputed; list this fixture before `restore_balances`, so that the payments are reversed first."""
    made: list[tuple[int, int, int]] = []

    def bill_again() -> tuple[int, date]:
        with live_app.app_context():
            account = db.session.scalar(select(PersonalAccount).where(PersonalAccount.number == demo_gas_account))
            newest = db.session.scalar(
                select(Bill).where(Bill.account_id == account.id).order_by(Bill.month.desc()).limit(1)
            )
            month = next_month(newest.month)
            after = next_month(month)
            charge = Charge(
                account_id=account.id,
                month=month,
                volume=Decimal("10.000"),
                unit="m3",
                tariff=Decimal("8.765"),
                amount=NEXT_CHARGE,
            )
            bill = Bill(
                account_id=account.id,
                month=month,
                number=f"{account.number}-{month:%Y%m}",
                issued_on=after,
                opening_balance=account.balance,
                charged=NEXT_CHARGE,
                paid=0,
                closing_balance=account.balance + NEXT_CHARGE,
                due_date=date(after.year, after.month, DUE_DAY),
            )
            db.session.add_all([charge, bill])
            db.session.flush()
            recompute_balances([account.id])
            made.append((account.id, bill.id, charge.id))
            day = autopay.window_start(bill, live_app.config["AUTOPAY_DAY"])
            db.session.commit()
            return bill.id, day

    yield bill_again
    with live_app.app_context():
        for account_id, bill_id, charge_id in made:
            db.session.execute(delete(AutopayAttempt).where(AutopayAttempt.bill_id == bill_id))
            db.session.execute(update(Payment).where(Payment.bill_id == bill_id).values(bill_id=None))
            db.session.execute(delete(Bill).where(Bill.id == bill_id))
            db.session.execute(delete(Charge).where(Charge.id == charge_id))
            recompute_balances([account_id])
        db.session.commit()


def bills_autopay_orders(live_app, bill_id: int) -> list[tuple[str, int]]:
    with live_app.app_context():
        rows = db.session.execute(
            select(Payment.status, Payment.amount).where(
                Payment.bill_id == bill_id, Payment.channel == PaymentChannel.autopay
            )
        ).all()
        return [(status.value, amount) for status, amount in rows]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_switching_autopay_on_with_a_sandbox_card_the_job_pays_the_next_bill_and_off(
    request,
    javascript,
    live_app,
    demo_gas_account,  # noqa: F811
    next_bill,
    restore_balances,  # noqa: F811
):
    page = request.getfixturevalue("page" if javascript else "page_nojs")
    log_in(page)
    account = f"/cabinet/accounts/{demo_gas_account}"
    page.goto(account)
    section = page.locator("#autopay")
    assert section.get_by_role("heading", name="Автоплатіж").is_visible()
    section.get_by_label("Найбільше за одне списання, грн").fill("1500")
    section.get_by_role("button", name="Зберегти картку й увімкнути").click()
    page.locator("#consent-error").wait_for()  # no consent yet: the form comes back, swapped or as a page
    assert page.locator("#consent-error").inner_text() == "Позначте згоду, щоб увімкнути автоплатіж."
    assert page.locator("#autopay").get_by_label("Найбільше за одне списання, грн").input_value() == "1500"
    page.locator("#autopay").get_by_label("Погоджуюся на автоплатіж на цих умовах").check()
    page.locator("#autopay").get_by_role("button", name="Зберегти картку й увімкнути").press("Enter")
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    page.get_by_role("button", name="Перейти до оплати").click()
    page.wait_for_url("**/payments/sandbox/checkout")
    page.get_by_label("Картка, що проходить").check()
    page.get_by_role("button", name="Сплатити", exact=True).click()
    page.wait_for_url(re.compile(r".*/payments/\d+$"))
    assert page.locator("#payment-state .pay-state").get_attribute("data-status") == "paid"
    assert page.locator('meta[http-equiv="refresh"]').count() == 0  # a final state: nothing refreshes

    page.goto(account)
    section = page.locator("#autopay")
    assert section.get_by_text("Автоплатіж увімкнено.").is_visible()
    text = section.inner_text().replace("\xa0", " ")
    assert CARD_MASK in text and "1 500,00" in text
    assert autopay_row(live_app, demo_gas_account).card_token

    # The next month's bill, then the daily job on its first day, as the scheduler would run it.
    bill_id, day = next_bill()
    with live_app.app_context():
        summary = autopay.autopay_job(day.isoformat())
    assert summary.endswith("paid 1"), summary
    assert bills_autopay_orders(live_app, bill_id) == [("paid", NEXT_CHARGE)]
    page.goto(account)
    row = page.locator("#history table").filter(has_text="Канал").locator("tbody tr").first
    assert "87,65" in row.inner_text() and row.get_by_text("зараховано").is_visible()
    assert "87,65 ₴ · сплачено" in page.locator("#autopay").inner_text().replace("\xa0", " ")

    page.locator("#autopay").get_by_role("button", name="Вимкнути автоплатіж").click()
    page.wait_for_url(re.compile(rf".*{account}(#autopay)?$"))
    page.get_by_text("Автоплатіж вимкнено, збережену картку видалено.").wait_for()
    assert page.locator("#autopay").get_by_role("button", name="Зберегти картку й увімкнути").is_visible()
    assert autopay_row(live_app, demo_gas_account) is None  # the row, and the token with it
    with live_app.app_context():  # the job after switching off charges nothing
        assert autopay.autopay_job(day.isoformat()).endswith(": 0 accounts")
    assert bills_autopay_orders(live_app, bill_id) == [("paid", NEXT_CHARGE)]


LANGUAGES = {
    "uk": {
        "heading": "Автоплатіж",
        "on": "Зберегти картку й увімкнути",
        "waiting": "Автоплатіж чекає на вашу картку.",
        "is_on": "Автоплатіж увімкнено.",
        "off": "Вимкнути автоплатіж",
        "checkout": "Перейти до оплати",
        "pay": "Сплатити",
        "switched_off": "Автоплатіж вимкнено, збережену картку видалено.",
    },
    "en": {
        "heading": "Autopay",
        "on": "Save the card and switch on",
        "waiting": "Autopay is waiting for your card.",
        "is_on": "Autopay is on.",
        "off": "Switch autopay off",
        "checkout": "Go to the payment page",
        "pay": "Pay",
        "switched_off": "Autopay is off and the saved card is deleted.",
    },
}


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_autopay_by_keyboard_alone_and_axe_on_every_state(
    page,
    lang,
    live_app,
    demo_gas_account,  # noqa: F811
    restore_balances,  # noqa: F811
):
    words = LANGUAGES[lang]
    log_in(page)
    page.goto(f"/?lang={lang}")
    account = f"/cabinet/accounts/{demo_gas_account}"
    try:
        page.goto(account)
        assert page.locator("#autopay").get_by_role("heading", name=words["heading"]).is_visible()
        assert_no_axe_violations(page)  # off

        tab_to(page, "#max_amount")
        page.keyboard.type("900")
        tab_to(page, "#consent")
        page.keyboard.press("Space")
        tab_to(page, "#autopay-form button", words["on"])
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
        page.goto(account)  # left before the bank's page: the card is not saved
        assert page.locator("#autopay").get_by_text(words["waiting"]).is_visible()
        assert_no_axe_violations(page)  # waiting for the card

        tab_to(page, "#max_amount")
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type("900")
        tab_to(page, "#consent")
        page.keyboard.press("Space")
        tab_to(page, "#autopay-form button", words["on"])
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
        tab_to(page, "button", words["checkout"])
        page.keyboard.press("Enter")
        page.wait_for_url("**/payments/sandbox/checkout")
        tab_to(page, "button", words["pay"])  # the card that pays is the one chosen
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/payments/\d+$"))
        page.goto(account)
        assert page.locator("#autopay").get_by_text(words["is_on"]).is_visible()
        assert CARD_MASK in page.locator("#autopay").inner_text()
        assert_no_axe_violations(page)  # on

        tab_to(page, "#autopay button", words["off"])
        page.keyboard.press("Enter")
        page.get_by_text(words["switched_off"]).wait_for()
        assert autopay_row(live_app, demo_gas_account) is None
    finally:
        page.goto("/?lang=uk")
