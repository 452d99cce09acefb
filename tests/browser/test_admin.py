"""The staff panel in a real browser: the admin logs in with a TOTP code and imports a small file."""

from __future__ import annotations

import re
import time

from tests.browser.conftest import screenshot
from vez.demo import ADMIN_TOTP_SECRET, describe_accounts
from vez.identity.totp import TOTP


def log_in_as_admin(page) -> None:
    page.goto("/login?next=/admin/")
    page.fill("#login", "admin")
    page.fill("#password", "admin12345")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/login/code")
    screenshot(page, "admin-totp", 360)
    for _attempt in range(2):
        page.fill("#code", TOTP(ADMIN_TOTP_SECRET).now())
        page.locator("#code-form button[type=submit]").click()
        page.wait_for_load_state()
        if "/admin" in page.url:
            return
        time.sleep(31 - time.time() % 30)  # this 30-second code was used already: wait for the next one
    raise AssertionError("the TOTP code was not accepted")


def test_admin_logs_in_with_a_totp_code_and_imports_a_small_file(page, live_app):
    with live_app.app_context():
        number = describe_accounts()[-1]["number"]  # far down the demo list: nobody else relies on it
        unit = "kWh" if number[0] != "9" else "m3"
    log_in_as_admin(page)
    assert page.locator(".staff-figures .card").count() == 6
    screenshot(page, "admin-dashboard", 360)
    screenshot(page, "admin-dashboard", 1280)

    page.goto(f"/admin/accounts/?search={number}&lang=en")
    assert page.locator(f"text={number}").first.is_visible()
    assert page.get_by_role("link", name="Accounts").first.is_visible()
    screenshot(page, "admin-accounts-en", 1280)
    page.locator("a[href*='/admin/accounts/details/']").first.click()  # the row's details
    page.wait_for_url(re.compile(r"/admin/accounts/details/"))
    screenshot(page, "admin-account-details-en", 1280)

    page.goto("/admin/import/?lang=uk")
    csv = f"number,month,volume,unit,tariff,amount,reading_start,reading_end\n{number},2019-01,10,{unit},4.32,43.20,,\n"
    page.select_option("#kind", "charges")
    page.set_input_files("#file", files=[{"name": "charges.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    page.locator(".staff-upload button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/import/runs/\d+"))
    progress = page.locator("#import-progress")
    progress.get_by_text("1 з 1").wait_for()
    page.locator("#import-progress:not([hx-trigger])").wait_for()  # finished: the polling stopped
    assert "помилкових рядків: 0" in progress.inner_text()
    screenshot(page, "admin-import", 360)
    screenshot(page, "admin-import", 1280)
    assert page.csp_violations == []
