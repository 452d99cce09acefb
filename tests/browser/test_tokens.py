"""The profile's API access tokens in a real browser: made and revoked by keyboard alone, with JavaScript on and
off, at 360 px, with no axe violations; the secret shown once reads the API."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_axe_violations, log_in, screenshot


def tab_to(page, element_id: str, most: int = 25) -> None:
    """Press Tab until the element with this id has the focus (it must be reachable by keyboard)."""
    for _ in range(most):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"#{element_id} is not reachable with Tab")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_token_is_made_and_revoked_by_keyboard(browser, live_server, javascript):
    from tests.browser.conftest import _context

    context = _context(browser, live_server, java_script_enabled=javascript)
    page = context.new_page()
    log_in(page)
    page.goto("/cabinet/profile")
    page.get_by_role("link", name="Керувати токенами").click()
    page.wait_for_url("**/cabinet/profile/tokens")
    name = f"Сенсор {'js' if javascript else 'nojs'}"
    page.locator("#token-name").focus()
    page.keyboard.type(name)
    tab_to(page, "token-current_password")
    page.keyboard.type("not the password")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert page.locator("#token-name").input_value() == name  # nothing typed is lost
    if javascript:
        page.set_viewport_size({"width": 360, "height": 800})
        assert_no_axe_violations(page)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.locator("#token-current_password").focus()
    page.keyboard.type("demo12345")
    page.keyboard.press("Enter")
    page.wait_for_selector("#token-secret")
    secret = page.locator("#token-secret").input_value()
    assert secret.startswith("vez_")
    if javascript:
        assert_no_axe_violations(page)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        screenshot(page, "token-made", 360)
    answer = page.request.get("/api/v1/accounts", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200 and answer.json()["accounts"]

    page.goto("/cabinet/profile/tokens")
    revoke = page.get_by_role("button", name=f"Відкликати токен {name}")
    revoke.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash.success")
    assert name not in page.locator("main").inner_text()
    assert page.request.get("/api/v1/accounts", headers={"Authorization": f"Bearer {secret}"}).status == 401
    if javascript:
        assert_no_axe_violations(page)
    context.close()
