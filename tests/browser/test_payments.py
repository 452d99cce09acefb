"""Paying online in a real browser: the demo login pays 100.00 through the sandbox gateway and watches the
balance fall by exactly 100.00 on the result page, without reloading it."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, screenshot
from vez.extensions import db
from vez.models import Payment, PaymentStatus, Service, User
from vez.payments.providers.envelope import encode, hmac_signature

STATUS = "#payment-status"
STATE = "#payment-state .pay-state"  # inside the live region, the one part the poll replaces


@pytest.fixture
def demo_gas_account(live_app):
    """The demo's gas account (the second one: the first demo accounts' balances are others' to check)."""
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.login_key == "demo"))
        return next(a.number for a in user.accounts if a.service is Service.gas)


@pytest.fixture
def restore_balances(live_app, live_server):
    """Every payment the test credits is reversed afterwards by a signed callback, as the bank would."""
    yield
    with live_app.app_context():
        paid = db.session.scalars(
            select(Payment).where(Payment.status == PaymentStatus.paid, Payment.provider == "sandbox")
        ).all()
        forms = []
        for payment in paid:
            data = encode(
                {
                    "version": 3,
                    "public_key": live_app.config["SANDBOX_PUBLIC_KEY"],
                    "status": "reversed",
                    "order_id": payment.reference,
                    "amount": f"{payment.amount / 100:.2f}",
                    "currency": "UAH",
                }
            )
            forms.append({"data": data, "signature": hmac_signature(live_app.config["SANDBOX_PRIVATE_KEY"], data)})
    for form in forms:
        urllib.request.urlopen(f"{live_server}/payments/callback/sandbox", urlencode(form).encode(), timeout=10).read()


def bank_is_deciding(live_app, live_server, payment_id: int) -> None:
    """The bank's signed `processing` callback (3-D Secure under way, say): the order becomes pending."""
    with live_app.app_context():
        payment = db.session.get(Payment, payment_id)
        data = encode(
            {
                "version": 3,
                "public_key": live_app.config["SANDBOX_PUBLIC_KEY"],
                "status": "processing",
                "order_id": payment.reference,
                "amount": f"{payment.amount / 100:.2f}",
                "currency": "UAH",
            }
        )
        form = {"data": data, "signature": hmac_signature(live_app.config["SANDBOX_PRIVATE_KEY"], data)}
    urllib.request.urlopen(f"{live_server}/payments/callback/sandbox", urlencode(form).encode(), timeout=10).read()


def pay_until_the_gateway(page, number: str, amount: str) -> int:
    """The pay form and the hand-off: returns the order's id, the browser standing on the sandbox bank's page."""
    page.goto(f"/cabinet/accounts/{number}/pay")
    assert page.get_by_text("Без комісії.").is_visible()
    page.fill("#amount", amount)
    page.get_by_role("button", name="Сплатити").click()
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    payment_id = int(re.search(r"/payments/(\d+)/checkout", page.url).group(1))
    page.get_by_role("button", name="Перейти до оплати").click()
    page.wait_for_url("**/payments/sandbox/checkout")
    return payment_id


def test_demo_pays_100_and_sees_the_balance_fall_without_reloading(
    page, live_app, live_server, demo_gas_account, restore_balances
):
    log_in(page)
    page.goto(f"/cabinet/accounts/{demo_gas_account}/pay")
    before = int(page.locator(".pay-balance").get_attribute("data-balance"))
    screenshot(page, "payments-pay", 360)
    screenshot(page, "payments-pay", 1280)

    payment_id = pay_until_the_gateway(page, demo_gas_account, "100,00")
    assert page.get_by_text("ТОВ «Волиньелектрозбут»").first.is_visible()
    assert page.get_by_text("100,00").first.is_visible()
    screenshot(page, "payments-sandbox", 360)
    screenshot(page, "payments-sandbox", 1280)

    # The consumer watches the order in a second tab: the bank has not taken it yet, so nothing is in transit
    # and nothing polls; then the bank starts deciding (its `processing` callback) and the order is pending.
    watcher = page.context.new_page()
    watcher.goto(f"/payments/{payment_id}")
    assert watcher.locator(STATE).get_attribute("data-status") == "created"
    assert watcher.get_by_text("Оплату не завершено").is_visible() and watcher.get_by_text("В дорозі").count() == 0
    assert watcher.locator("#payment-state[hx-trigger]").count() == 0
    bank_is_deciding(live_app, live_server, payment_id)
    watcher.reload()
    assert watcher.locator(STATE).get_attribute("data-status") == "pending"
    assert watcher.get_by_text("В дорозі").is_visible()
    assert int(watcher.locator(f"{STATUS} .pay-balance").get_attribute("data-balance")) == before
    watcher.evaluate("window.__marker = 1")  # survives only if the page is not reloaded
    # A keyboard user stands on "To my accounts"; the live region is remembered to prove it is never replaced.
    watcher.get_by_role("link", name="До моїх рахунків").focus()
    watcher.evaluate("window.__region = document.getElementById('payment-state')")
    polls = []
    watcher.on("response", lambda r: r.url.endswith(f"/payments/{payment_id}") and polls.append(r.status))
    watcher.wait_for_timeout(2_500)
    assert polls and set(polls) == {204}  # pending: nothing to swap

    page.get_by_role("button", name="Сплатити", exact=True).click()  # the sandbox bank's button
    page.wait_for_url(f"**/payments/{payment_id}")
    assert page.locator(STATE).get_attribute("data-status") == "paid"

    watcher.wait_for_selector(f'{STATE}[data-status="paid"]', timeout=8_000)
    after = int(watcher.locator(f"{STATUS} .pay-balance").get_attribute("data-balance"))
    assert before - after == 10_000  # exactly 100.00
    assert watcher.evaluate("window.__marker") == 1
    assert watcher.get_by_text("Сплачено").first.is_visible()
    assert watcher.evaluate("document.getElementById('payment-state') === window.__region")
    assert watcher.evaluate("document.activeElement.textContent.trim()") == "До моїх рахунків"
    assert watcher.get_by_role("status").inner_text().startswith("Сплачено")
    assert watcher.get_by_role("link", name="Квитанція").is_visible()  # the next step, out of band
    answered = len(polls)
    assert polls[-1] == 286
    watcher.wait_for_timeout(4_500)
    assert len(polls) == answered  # polling stopped at the final state
    screenshot(watcher, "payments-result", 360)
    screenshot(watcher, "payments-result", 1280)
    watcher.get_by_role("link", name="Квитанція").click()
    watcher.wait_for_url(f"**/payments/{payment_id}/receipt")
    screenshot(watcher, "payments-receipt", 360)
    screenshot(watcher, "payments-receipt", 1280)
    assert page.csp_violations == []


def test_declining_in_english_leaves_the_balance(page, live_server, demo_gas_account):
    log_in(page)
    page.goto(f"/cabinet/accounts/{demo_gas_account}/pay?lang=en")
    before = page.locator(".pay-balance").get_attribute("data-balance")
    page.fill("#amount", "0,50")
    page.get_by_role("button", name="Pay").click()
    assert page.locator("#amount-error").inner_text().startswith("The smallest amount is")
    screenshot(page, "payments-pay-invalid-en", 360)
    page.fill("#amount", "250.00")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    page.get_by_role("button", name="Go to the payment page").click()
    page.wait_for_url("**/payments/sandbox/checkout")
    screenshot(page, "payments-sandbox-en", 1280)
    page.get_by_role("button", name="Decline").click()
    page.wait_for_url(re.compile(r".*/payments/\d+$"))
    assert page.locator(STATE).get_attribute("data-status") == "declined"
    assert page.locator(f"{STATUS} .pay-balance").get_attribute("data-balance") == before
    screenshot(page, "payments-failed-en", 360)
    page.goto("/?lang=uk")


def test_without_javascript_the_result_page_refreshes_itself(
    page_nojs, live_app, live_server, demo_gas_account, restore_balances
):
    page = page_nojs
    log_in(page)
    payment_id = pay_until_the_gateway(page, demo_gas_account, "100.00")
    bank_is_deciding(live_app, live_server, payment_id)
    watcher = page.context.new_page()
    watcher.goto(f"/payments/{payment_id}")
    assert watcher.locator(STATE).get_attribute("data-status") == "pending"
    page.get_by_role("button", name="Сплатити", exact=True).click()
    page.wait_for_url(f"**/payments/{payment_id}")
    watcher.wait_for_selector(f'{STATE}[data-status="paid"]', timeout=10_000)  # the meta refresh


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_cancelling_on_the_bank_then_trying_again_pays(
    request, javascript, live_server, demo_gas_account, restore_balances
):
    """Leave the sandbox bank's page: "you cancelled", never "in transit"; "Try again" proposes the same amount."""
    page = request.getfixturevalue("page" if javascript else "page_nojs")
    log_in(page)
    payment_id = pay_until_the_gateway(page, demo_gas_account, "12,34")
    page.get_by_role("link", name="Скасувати й повернутися").click()
    page.wait_for_url(f"**/payments/{payment_id}")
    assert page.locator(STATE).get_attribute("data-status") == "cancelled"
    assert page.get_by_role("heading", name="Ви скасували оплату").is_visible()
    assert page.get_by_text("В дорозі").count() == 0
    assert page.locator("#payment-state[hx-trigger]").count() == 0
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    screenshot(page, f"payments-cancelled-{'js' if javascript else 'nojs'}", 360)

    page.get_by_role("link", name="Спробувати ще раз").click()
    page.wait_for_url(re.compile(r".*/pay\?amount=12\.34$"))
    assert page.locator("#amount").input_value() == "12.34"
    page.get_by_role("button", name="Сплатити").click()
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    again = int(re.search(r"/payments/(\d+)/checkout", page.url).group(1))
    assert again != payment_id
    page.get_by_role("button", name="Перейти до оплати").click()
    page.wait_for_url("**/payments/sandbox/checkout")
    page.get_by_role("button", name="Сплатити", exact=True).click()
    page.wait_for_url(f"**/payments/{again}")
    assert page.locator(STATE).get_attribute("data-status") == "paid"
    assert page.get_by_role("link", name="Квитанція").is_visible()
    page.goto(f"/payments/{payment_id}")
    assert page.locator(STATE).get_attribute("data-status") == "cancelled"  # the first order stays as it was


def test_cancelling_an_unfinished_order_from_its_page(page, live_server, demo_gas_account):
    log_in(page)
    payment_id = pay_until_the_gateway(page, demo_gas_account, "5,00")
    page.goto(f"/payments/{payment_id}")
    assert page.get_by_role("heading", name="Оплату не завершено").is_visible()
    page.get_by_role("button", name="Скасувати оплату").click()
    page.wait_for_url(f"**/payments/{payment_id}")
    assert page.locator(STATE).get_attribute("data-status") == "cancelled"
    assert page.get_by_role("link", name="Спробувати ще раз").is_visible()
