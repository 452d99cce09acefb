"""The home page in a real browser."""

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot


def test_home_page_renders_and_tabs_swap_in_place(page, live_server):
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("ТОВ «Волиньелектрозбут»")
    assert page.get_by_role("link", name="Зареєструватися").is_visible()
    screenshot(page, "home", 360)
    screenshot(page, "home", 1280)
    page.evaluate("window.__marker = 1")  # survives only if the page is not reloaded
    page.get_by_role("link", name="Для компаній").click()
    page.wait_for_url("**/company")
    assert page.evaluate("window.__marker") == 1
    # The address changes before htmx settles the swapped tab: wait for the tab, as a person would look for it.
    expect(page.locator("#tab-panel .tabs a.active")).to_have_text("Для компаній")
    assert page.csp_violations == []


def test_login_as_demo_without_javascript(page_nojs):
    page = page_nojs
    log_in(page, path="/")
    assert page.locator(".account").count() == 2
