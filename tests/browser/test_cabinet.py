"""The cabinet in a real browser: log in as demo, open an account, download a bill's PDF."""

from __future__ import annotations

import re

from tests.browser.conftest import ARTIFACTS, log_in, screenshot


def test_demo_opens_an_account_and_downloads_a_bill_pdf(page, live_server):
    log_in(page)
    assert page.locator(".account").count() == 2
    assert page.get_by_role("link", name="Сплатити").first.is_visible()
    screenshot(page, "cabinet", 360)
    screenshot(page, "cabinet", 1280)
    page.locator(".account h2 a").first.click()
    page.wait_for_url(re.compile(r".*/cabinet/accounts/\d{9}$"))
    assert page.locator("svg.chart rect").count() == 12
    assert page.locator("table.charges tbody tr").count() >= 1
    screenshot(page, "cabinet-account", 360)
    screenshot(page, "cabinet-account", 1280)
    # Paging by year swaps the history in place (htmx) and keeps the page.
    page.evaluate("window.__marker = 1")
    page.locator(".years a:not([aria-current])").first.click()
    page.wait_for_url(re.compile(r".*\?year=\d{4}$"))
    assert page.evaluate("window.__marker") == 1
    page.locator("a", has_text="рахунок").first.click()
    page.wait_for_url(re.compile(r".*/bills/\d{4}-\d{2}$"))
    assert page.locator(".qr img").is_visible()
    screenshot(page, "cabinet-bill", 360)
    screenshot(page, "cabinet-bill", 1280)
    pdf_link = page.get_by_role("link", name="Завантажити PDF")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "cabinet-bill.pdf").write_bytes(body)
    assert page.csp_violations == []


def test_cabinet_in_english_without_javascript(page_nojs):
    page = page_nojs
    log_in(page, path="/login?lang=en")
    page.locator(".account h2 a").nth(1).click()
    page.locator(".years a:not([aria-current])").first.click()
    assert "year=" in page.url and page.locator("svg.chart").count() == 1
    screenshot(page, "cabinet-account-en", 1280)
    page.goto("/cabinet/profile")
    assert page.get_by_role("button", name="Change the password").is_visible()
    screenshot(page, "cabinet-profile-en", 360)
