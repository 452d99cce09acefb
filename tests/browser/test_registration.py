"""The guide's whole path in a real browser: home → registration → letter → activation → login → cabinet.

The letter's link is read from the outbox table of the live app's database, as the dev page would show it.
Demo accounts from the END of the list are used, so the payments and cabinet tests keep theirs.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.browser.conftest import screenshot
from vez.demo import describe_accounts
from vez.extensions import db
from vez.models import Letter, User

PASSWORD = "зелений ліс над світязем"


def free_accounts(live_app, service="electricity"):
    """Demo accounts near the end of the list that have a last payment and no login."""
    with live_app.app_context():
        held = {a.number for u in db.session.scalars(select(User)) for a in u.accounts}
        rows = [
            a for a in describe_accounts() if a["last_payment"] and a["service"] == service and a["number"] not in held
        ]
    return list(reversed(rows))


def activation_link(live_app, email: str) -> str:
    with live_app.app_context():
        letter = db.session.scalars(
            select(Letter).where(Letter.recipient == email, Letter.kind == "activation").order_by(Letter.id.desc())
        ).first()
        return re.search(r"(/activate/\S+)", letter.body_text).group(1)


def fill_step_one(page, account, amount):
    if page.evaluate("() => Boolean(window.htmx)"):
        # With JavaScript the fields under the box are asked for once the page loads (registration/_extra.html):
        # a value typed before that swap lands would be replaced with the one sent, so wait for it.
        page.wait_for_selector("#identify-extra:not([hx-trigger])", state="attached")
    page.select_option("#subdivision", label=account["subdivision_name"])
    page.fill("#number", account["number"])
    page.fill("#amount", amount)
    page.get_by_role("button", name="Далі").click()


def fill_step_two(page, login, email):
    page.fill("#login", login)
    page.fill("#phone", "+38 (067) 555-12-34")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#email", email)
    page.get_by_label("Я приймаю умови договору").check()


def activate_and_enter(page, live_app, email, login, account, name):
    page.goto(activation_link(live_app, email))
    assert page.locator("h1").inner_text() == "Активація облікового запису"
    assert f"№ {account['number']}" in page.content()
    screenshot(page, f"{name}-activate", 360)
    page.get_by_role("button", name="Активувати!").click()
    page.wait_for_url("**/activate/done")
    assert "Реєстрацію успішно завершено!" in page.content()
    screenshot(page, f"{name}-done", 360)
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    page.wait_for_url("**/cabinet")
    assert account["number"] in page.content()


def test_registration_path_with_javascript(page, live_app, live_server):
    account = free_accounts(live_app)[0]
    page.goto("/")
    page.get_by_role("link", name="Зареєструватися").click()
    page.wait_for_url("**/registration")
    assert page.locator("h1").inner_text() == "Ідентифікація споживача послуг"
    page.locator("#meter").wait_for(state="detached")  # htmx asked for the amount set (amount and surname)
    assert page.locator("#surname").count() == 1  # a recent last payment asks for it (docs/security.md)
    screenshot(page, "registration-step1", 360)
    screenshot(page, "registration-step1", 1280)
    page.get_by_label("Платежів ще не було").check()
    page.locator("#meter").wait_for()
    assert page.locator("#amount").count() == 0
    page.get_by_label("Платежів ще не було").uncheck()
    page.locator("#amount").wait_for()

    fill_step_one(page, account, "1.23")
    page.locator("#outcome").wait_for()
    assert "невірну СУМУ" in page.locator("#outcome").inner_text()
    screenshot(page, "registration-wrong-amount", 360)
    page.fill("#amount", account["last_payment"].replace(".", ","))
    page.get_by_role("button", name="Далі").click()
    page.wait_for_url("**/registration/account")
    assert page.locator("h1").inner_text() == "Дані облікового запису"

    page.fill("#login", "demo")
    page.locator("#login-feedback .error").wait_for()  # taken, said while typing
    page.fill("#login", "reg-js")
    page.locator("#login-feedback .ok").wait_for()
    page.fill("#phone", "12")
    page.locator("#email").focus()
    page.locator("#phone-feedback .error").wait_for()
    fill_step_two(page, "reg-js", "reg-js@gmail.com")
    page.locator("#confirm").blur()
    screenshot(page, "registration-step2", 360)
    screenshot(page, "registration-step2", 1280)
    page.get_by_role("button", name="Створити обліковий запис").click()
    page.wait_for_url("**/registration/sent")
    assert "reg-js@gmail.com" in page.content() and "https://mail.google.com/" in page.content()
    screenshot(page, "registration-sent", 360)
    screenshot(page, "registration-sent", 1280)

    activate_and_enter(page, live_app, "reg-js@gmail.com", "reg-js", account, "registration-js")
    assert page.csp_violations == []


def test_registration_path_without_javascript(page_nojs, live_app):
    page = page_nojs
    account = free_accounts(live_app)[1]
    page.goto("/")
    page.get_by_role("link", name="Зареєструватися").click()
    page.wait_for_url("**/registration")
    assert page.locator("#surname").is_visible() and page.locator("#amount").is_visible()
    fill_step_one(page, account, "")
    assert "Введіть суму останнього платежу" in page.content()
    fill_step_one(page, account, account["last_payment"])
    page.wait_for_url("**/registration/account")
    fill_step_two(page, "reg-nojs", "reg-nojs@example.com")
    page.fill("#confirm", "not the same password")
    page.get_by_role("button", name="Створити обліковий запис").click()
    assert "Паролі не збігаються" in page.content()
    assert page.input_value("#email") == "reg-nojs@example.com" and page.input_value("#password") == ""
    screenshot(page, "registration-nojs-errors", 360)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.get_by_role("button", name="Створити обліковий запис").click()
    page.wait_for_url("**/registration/sent")
    assert "reg-nojs@example.com" in page.content()
    activate_and_enter(page, live_app, "reg-nojs@example.com", "reg-nojs", account, "registration-nojs")


def test_recovery_and_english_pages_look_right(page):
    page.goto("/recovery/password")
    assert page.locator("h1").inner_text() == "Відновлення пароля та логіну"
    screenshot(page, "recovery", 360)
    screenshot(page, "recovery", 1280)
    page.goto("/registration?lang=en")
    assert page.locator("h1").inner_text() == "Identification of the consumer"
    screenshot(page, "registration-step1-en", 360)
    page.goto("/registration?lang=uk")
    assert page.csp_violations == []
