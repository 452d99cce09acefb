"""Several accounts in one payment in a real browser: the demo login (an electricity and a gas account, both
owing) pays both with one sandbox payment and watches every account's line turn paid; without JavaScript a
decline leaves both as they were and "Try again" leads back to the confirmation."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_no_axe_violations, log_in, screenshot
from vez.extensions import db
from vez.models import PaymentBatch, PaymentStatus, PersonalAccount, User
from vez.payments.providers.envelope import encode, hmac_signature

STATE = "#payment-state .pay-state"


def demo_balances(live_app) -> dict[str, int]:
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.login_key == "demo"))
        return {
            a.number: db.session.get(PersonalAccount, a.id).balance
            for a in sorted(user.accounts, key=lambda a: a.number)
        }


def sandbox_word(live_app, live_server, batch: PaymentBatch, status: str) -> None:
    """The sandbox bank's signed word on the batch's order, as its server callback."""
    data = encode(
        {
            "version": 3,
            "public_key": live_app.config["SANDBOX_PUBLIC_KEY"],
            "status": status,
            "order_id": batch.reference,
            "amount": f"{batch.amount // 100}.{batch.amount % 100:02d}",
            "currency": "UAH",
        }
    )
    form = {"data": data, "signature": hmac_signature(live_app.config["SANDBOX_PRIVATE_KEY"], data)}
    urllib.request.urlopen(f"{live_server}/payments/callback/sandbox", urlencode(form).encode(), timeout=10).read()


@pytest.fixture
def reverse_batches(live_app, live_server):
    """Every batch the test pays is reversed afterwards, so the demo's balances are as they were."""
    yield
    with live_app.app_context():
        paid = db.session.scalars(select(PaymentBatch).where(PaymentBatch.status == PaymentStatus.paid)).all()
        db.session.expunge_all()
    for batch in paid:
        sandbox_word(live_app, live_server, batch, "reversed")


def to_the_gateway(page) -> int:
    """From the cabinet summary to the sandbox bank's page; the batch's id."""
    page.goto("/cabinet")
    page.get_by_role("link", name=re.compile("Сплатити все одним платежем")).click()
    page.wait_for_url("**/payments/batches/new")
    assert page.get_by_text("Без комісії.").is_visible()
    page.get_by_role("button", name=re.compile(r"^Сплатити ")).click()
    page.wait_for_url(re.compile(r".*/payments/batches/\d+/checkout$"))
    batch_id = int(re.search(r"/payments/batches/(\d+)/checkout", page.url).group(1))
    page.get_by_role("button", name="Перейти до оплати").click()
    page.wait_for_url("**/payments/sandbox/checkout")
    return batch_id


def test_demo_pays_both_accounts_at_once_and_watches_each_line_turn_paid(page, live_app, live_server, reverse_batches):
    before = demo_balances(live_app)
    assert len(before) == 2 and all(balance > 0 for balance in before.values())
    log_in(page)
    batch_id = to_the_gateway(page)
    screenshot(page, "batch-sandbox", 360)

    # The bank says it is working on it; the consumer watches the batch in a second tab while it decides.
    with live_app.app_context():
        batch = db.session.get(PaymentBatch, batch_id)
        db.session.expunge(batch)
    sandbox_word(live_app, live_server, batch, "processing")
    watcher = page.context.new_page()
    watcher.goto(f"/payments/batches/{batch_id}")
    assert watcher.locator(STATE).get_attribute("data-status") == "pending"
    watcher.evaluate("window.__marker = 1")  # survives only if the page is not reloaded
    watcher.get_by_role("link", name="До моїх рахунків").focus()
    assert_no_axe_violations(watcher)

    page.get_by_role("button", name="Сплатити", exact=True).click()  # the sandbox bank's button
    page.wait_for_url(f"**/payments/batches/{batch_id}")
    assert page.locator(STATE).get_attribute("data-status") == "paid"

    watcher.wait_for_selector(f'{STATE}[data-status="paid"]', timeout=8_000)
    assert watcher.evaluate("window.__marker") == 1
    assert watcher.evaluate("document.activeElement.textContent.trim()") == "До моїх рахунків"
    assert watcher.get_by_role("status").inner_text().startswith("Сплачено")
    assert watcher.locator("#batch-members").get_by_role("link", name=re.compile("Квитанція")).count() == 2
    assert demo_balances(live_app) == {number: 0 for number in before}  # each paid exactly its debt
    assert_no_axe_violations(watcher)
    screenshot(watcher, "batch-result", 360)
    screenshot(watcher, "batch-result", 1280)
    assert page.csp_violations == []


def test_without_javascript_a_declined_batch_leaves_both_accounts_and_offers_to_try_again(page_nojs, live_app):
    page = page_nojs
    before = demo_balances(live_app)
    log_in(page)
    batch_id = to_the_gateway(page)
    page.get_by_role("button", name="Відхилити", exact=True).click()
    page.wait_for_url(f"**/payments/batches/{batch_id}")
    assert page.locator(STATE).get_attribute("data-status") == "declined"
    assert page.get_by_text("Банк відхилив платіж").first.is_visible()
    assert demo_balances(live_app) == before
    page.get_by_role("link", name="Спробувати ще раз").click()
    page.wait_for_url("**/payments/batches/new")
    assert page.get_by_role("button", name=re.compile(r"^Сплатити ")).is_visible()
