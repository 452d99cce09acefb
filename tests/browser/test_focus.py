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


def test_the_home_tabs_keep_focus_on_the_chosen_tab_and_retitle_the_page(page):
    page.goto("/")
    assert page.title() == "Для дому · ВЕЗ"
    page.locator("#tab-company").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/company")
    page.locator("#tab-company[aria-current=page]").wait_for()
    assert page.evaluate(ACTIVE) == "tab-company"
    assert page.title() == "Для компаній · ВЕЗ"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/$"))
    page.locator("#tab-home[aria-current=page]").wait_for()
    assert page.evaluate(ACTIVE) == "tab-home" and page.title() == "Для дому · ВЕЗ"


def test_the_tabs_retitle_the_page_in_english_too(page):
    page.goto("/?lang=en")
    page.locator("#tab-company").click()
    page.locator("#tab-company[aria-current=page]").wait_for()
    assert page.title() == "For companies · VEZ"
    page.goto("/?lang=uk")


def test_next_in_registration_moves_focus_to_the_outcome_heading(page, live_app):
    account = free_accounts(live_app)[0]
    page.goto("/registration")
    page.select_option("#subdivision", label=account["subdivision_name"])
    page.fill("#number", account["number"])
    page.locator("#amount").wait_for()
    page.fill("#amount", "1,23")
    page.get_by_role("button", name="Далі").focus()
    page.keyboard.press("Enter")
    page.locator("#outcome").wait_for()
    focused = page.evaluate("document.activeElement.closest('#outcome') && document.activeElement.tagName")
    assert focused == "H2"
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
    assert page.evaluate(ACTIVE) == year_id
    page.locator("#year-last").focus()
    page.keyboard.press("Enter")
    page.locator("#year-last[aria-current=page]").wait_for()
    assert page.evaluate(ACTIVE) == "year-last"
