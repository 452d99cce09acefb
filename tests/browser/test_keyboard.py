"""The guide's whole path by keyboard alone: Tab, Shift+Tab, Enter, Space, arrows and typing into the focused element.

home → registration step 1 → step 2 → the letter → activation → login → cabinet → pay → checkout → the sandbox
bank → payment status → logout. Nothing is clicked and no field is filled by selector: the test only asks which
element has focus. The letter's link is read from the outbox table, as the registration test does.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.test_payments import restore_balances  # noqa: F401 (a fixture: the payment is reversed after)
from tests.browser.test_registration import PASSWORD, activation_link, free_accounts

FOCUSED = """([selector, text]) => {
  const el = document.activeElement;
  if (!el || el === document.body || !el.matches(selector)) return false;
  return text === null || el.textContent.replace(/\\s+/g, " ").trim().startsWith(text);
}"""


def focused(page) -> str:
    """The focused element, briefly, for failure messages."""
    return page.evaluate("() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 160) : 'none' }")


def tab_to(page, selector: str, text: str | None = None, presses: int = 60) -> None:
    """Press Tab until the focused element matches the selector (and starts with the text); fail after `presses`."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED, [selector, text]):
            return
    pytest.fail(f"{selector} {text or ''} not reached by {presses} Tabs on {page.url}; focus on {focused(page)}")


def type_into(page, selector: str, text: str) -> None:
    """Tab to the field and type, as a person does."""
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page, selector: str, label: str, presses: int = 40) -> None:
    """Tab to a <select> and move through its options with the arrow key until the label is chosen."""
    tab_to(page, selector)
    chosen = "s => { const e = document.querySelector(s); return e.options[e.selectedIndex].text.trim() }"
    for _ in range(presses):
        if page.evaluate(chosen, selector) == label:
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"{label} not among the options of {selector}")


def test_the_whole_path_by_keyboard_alone(page, live_app, restore_balances):  # noqa: F811
    account = free_accounts(live_app)[2]  # [0] and [1] are the registration test's
    page.goto("/")
    tab_to(page, "a", "Зареєструватися")
    page.keyboard.press("Enter")
    page.wait_for_url("**/registration")
    page.locator("#meter").wait_for(state="detached")  # htmx asked for the amount set

    choose(page, "#subdivision", account["subdivision_name"])
    type_into(page, "#number", account["number"])
    type_into(page, "#amount", account["last_payment"].replace(".", ","))
    type_into(page, "#surname", account["holder_surname"])
    tab_to(page, "button[type=submit]", "Далі")
    page.keyboard.press("Enter")
    page.wait_for_url("**/registration/account")

    type_into(page, "#login", "reg-keys")
    type_into(page, "#phone", "+38 (067) 555-12-35")
    type_into(page, "#password", PASSWORD)
    type_into(page, "#confirm", PASSWORD)
    type_into(page, "#email", "reg-keys@example.com")
    tab_to(page, "input[name=agreement][value=accept]")  # the radio group: Tab enters it on its first option
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    tab_to(page, "button[type=submit]", "Створити обліковий запис")
    page.keyboard.press("Enter")
    page.wait_for_url("**/registration/sent")

    page.goto(activation_link(live_app, "reg-keys@example.com"))  # the link in the letter
    tab_to(page, "button[type=submit]", "Активувати!")
    page.keyboard.press("Enter")
    page.wait_for_url("**/activate/done")
    type_into(page, "#login", "reg-keys")
    type_into(page, "#password", PASSWORD)
    page.keyboard.press("Enter")  # Enter in a field submits its form
    page.wait_for_url("**/cabinet")
    assert account["number"] in page.content()

    tab_to(page, f"a[href$='/cabinet/accounts/{account['number']}/pay']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cabinet/accounts/{account['number']}/pay")
    tab_to(page, "#amount")
    page.keyboard.press("Control+A")
    page.keyboard.type("12,34")
    tab_to(page, "button[type=submit]", "Сплатити")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    payment_id = int(re.search(r"/payments/(\d+)/checkout", page.url).group(1))
    tab_to(page, "button[type=submit]", "Перейти до оплати")
    page.keyboard.press("Enter")
    page.wait_for_url("**/payments/sandbox/checkout")
    tab_to(page, "button[value=pay]")
    page.keyboard.press("Space")  # a button answers Space as well as Enter
    page.wait_for_url(f"**/payments/{payment_id}")
    page.wait_for_selector('#payment-state .pay-state[data-status="paid"]')

    tab_to(page, "a", "Квитанція")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/payments/{payment_id}/receipt")
    assert "12,34" in page.content()

    tab_to(page, "form[action$='/logout'] button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/(login)?(\?.*)?$"))
    page.goto("/cabinet")
    assert "/login" in page.url  # logged out: the cabinet asks to log in again
