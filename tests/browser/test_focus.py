"""Keyboard focus after htmx swaps: it stays on what the user acted on, or lands on the new content's
heading; it never falls to <body>. A tab swap retitles the document. (The payment-status poll: test_payments.)"""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.browser.conftest import log_in
from tests.browser.test_registration import free_accounts
from vez.extensions import db
from vez.models import Service, User

ACTIVE = """(() => {
  const e = document.activeElement;
  return e === document.body ? "BODY" : e.id || e.outerHTML.slice(0, 60);
})()"""


def assert_focus_on(page, element_id: str) -> None:
    """Focus may move a moment after the swap (htmx settles, then focus.js runs): wait for it, then assert."""
    page.wait_for_function(f"() => {ACTIVE} === {element_id!r}", timeout=5000)  # a function: no eval() under the CSP
    assert page.evaluate(ACTIVE) == element_id


def test_the_home_tabs_keep_focus_on_the_chosen_tab_and_retitle_the_page(page):
    page.goto("/")
    assert page.title() == "Для дому · ВЕЗ"
    page.locator("#tab-company").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/company")
    page.locator("#tab-company[aria-current=page]").wait_for()
    assert_focus_on(page, "tab-company")
    assert page.title() == "Для компаній · ВЕЗ"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/$"))
    page.locator("#tab-home[aria-current=page]").wait_for()
    assert_focus_on(page, "tab-home")
    assert page.title() == "Для дому · ВЕЗ"


def test_the_tabs_retitle_the_page_in_english_too(page):
    page.goto("/?lang=en")
    page.locator("#tab-company").click()
    page.locator("#tab-company[aria-current=page]").wait_for()
    assert page.title() == "For companies · VEZ"
    page.goto("/?lang=uk")


def test_next_in_registration_moves_focus_to_the_outcome_heading(page, live_app):
    account = free_accounts(live_app)[0]
    page.goto("/registration")
    # The fields under "No payments yet" are swapped in once the page loads: typing before it lands is replaced.
    page.wait_for_selector("#identify-extra:not([hx-trigger])", state="attached")
    page.select_option("#subdivision", label=account["subdivision_name"])
    page.fill("#number", account["number"])
    page.locator("#amount").wait_for()
    page.fill("#amount", "1,23")
    page.get_by_role("button", name="Далі").focus()
    page.keyboard.press("Enter")
    page.locator("#outcome").wait_for()
    # focus.js moves focus once htmx has settled the swap, a moment after the outcome is in the page.
    focused = "document.activeElement.closest('#outcome') && document.activeElement.tagName"
    # A function, not an expression: Playwright evaluates an expression with eval(), which the CSP refuses when
    # the first look does not already see it.
    page.wait_for_function(f"() => ({focused}) === 'H2'", timeout=5000)
    assert page.evaluate(focused) == "H2"
    assert "невірну СУМУ" in page.evaluate("document.activeElement.textContent")


def test_the_year_links_keep_focus_on_the_chosen_year(page, live_app):
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.login_key == "demo"))
        number = next(a.number for a in user.accounts if a.service is Service.electricity)
    log_in(page)
    page.goto(f"/cabinet/accounts/{number}")
    year = page.locator(".years a:not([aria-current])").first
    year_id = year.get_attribute("id")
    year.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*\?year=\d{4}$"))
    page.locator(f"#{year_id}[aria-current=page]").wait_for()
    assert_focus_on(page, year_id)
    page.locator("#year-last").focus()
    page.keyboard.press("Enter")
    page.locator("#year-last[aria-current=page]").wait_for()
    assert_focus_on(page, "year-last")
