"""Autopay in Chromium, with JavaScript on and off: the demo consumer switches it on from the account page,
saves a sandbox test card on the bank's page, sees it on, and switches it off with one button."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in
from tests.browser.test_payments import demo_gas_account, restore_balances  # noqa: F401 (fixtures)


@pytest.mark.parametrize("browser_page", ["page"])  # JS off: the test-client tests (page_nojs hung here)
def test_switching_autopay_on_with_a_sandbox_card_and_off(
    request,
    browser_page,
    demo_gas_account,  # noqa: F811
    restore_balances,  # noqa: F811
):
    page = request.getfixturevalue(browser_page)
    log_in(page)
    account = f"/cabinet/accounts/{demo_gas_account}"
    page.goto(account)
    section = page.locator("#autopay")
    assert section.get_by_role("heading", name="Автоплатіж").is_visible()
    section.get_by_label("Найбільше за одне списання, грн").fill("1500")
    section.get_by_role("button", name="Зберегти картку й увімкнути").click()
    page.locator("#consent-error").wait_for()  # no consent yet: the form comes back, swapped or as a page
    assert page.locator("#consent-error").inner_text() == "Позначте згоду, щоб увімкнути автоплатіж."
    page.locator("#autopay").get_by_label("Погоджуюся на автоплатіж на цих умовах").check()
    page.locator("#autopay").get_by_role("button", name="Зберегти картку й увімкнути").press("Enter")
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    page.get_by_role("button", name="Перейти до оплати").click()
    page.wait_for_url("**/payments/sandbox/checkout")
    page.get_by_label("Картка, що проходить").check()
    page.get_by_role("button", name="Сплатити").click()
    page.wait_for_url(re.compile(r".*/payments/\d+$"))

    page.goto(account)
    section = page.locator("#autopay")
    assert section.get_by_text("Автоплатіж увімкнено.").is_visible()
    assert "424242******4242" in section.inner_text() and "1 500,00" in section.inner_text().replace("\xa0", " ")
    assert_no_axe_violations(page)
    section.get_by_role("button", name="Вимкнути автоплатіж").click()
    page.wait_for_url(re.compile(rf".*{account}(#autopay)?$"))
    page.get_by_text("Автоплатіж вимкнено, збережену картку видалено.").wait_for()
    assert page.locator("#autopay").get_by_role("button", name="Зберегти картку й увімкнути").is_visible()
