"""docs/security.md 37: no CSP violation in a real browser; no htmx history left after logout."""

import re

from tests.browser.conftest import log_in


def test_37_no_csp_violations_and_no_htmx_history_after_logout(page):
    page.goto("/")
    page.get_by_role("link", name="Для компаній").click()  # an htmx swap
    page.wait_for_url("**/company")
    page.get_by_role("link", name="Для дому").click()
    page.wait_for_url(re.compile(r".*/$"))
    log_in(page, path=page.url)
    account_links = page.locator("a[href^='/cabinet/accounts/']")
    if account_links.count():
        account_links.first.click()
        page.wait_for_load_state()
        bill = page.locator("a[href*='/bills/']:not([href$='.pdf'])")
        if bill.count():
            bill.first.click()
            page.wait_for_load_state()
    page.goto("/cabinet")
    page.get_by_role("button", name="Вихід").click()
    page.wait_for_url(re.compile(r".*/$"))
    assert page.csp_violations == []
    local, session = page.evaluate("() => [Object.assign({}, localStorage), Object.assign({}, sessionStorage)]")
    assert not any("history-cache" in key for key in [*local, *session])
    # htmx keeps only the current path in sessionStorage, never a page's content.
    assert all(len(value) < 200 and "<" not in value for value in [*local.values(), *session.values()])
    page.goto("/cabinet")
    assert "/login" in page.url
