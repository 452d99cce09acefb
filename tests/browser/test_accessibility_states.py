"""axe-core on the states a page reaches only by acting: the outcomes of a form, the letter's pages, the payment.

One flow per group of states and language, in one browser context; every state is checked at 360 and 1280 px
(the page resized, not requested again, so the rate limits on failed identifications are not spent twice).
Every violation of the flow is collected and listed at the end, with its state and width.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import axe_violations, describe_violations, log_in
from tests.browser.test_payments import bank_is_deciding, restore_balances  # noqa: F401 (a fixture: the payments are reversed)
from tests.browser.test_registration import PASSWORD, activation_link, free_accounts
from vez.extensions import db
from vez.models import Subdivision

LANGS = ("uk", "en")
WIDTHS = (360, 1280)


class Survey:
    """axe-core's findings on each state the flow stands on, at each width."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        self.states: list[str] = []

    def check(self, state: str, page=None) -> None:
        """Run axe-core at each width on the flow's page, or on another tab of it."""
        page = page or self.page
        self.states.append(state)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            violations = axe_violations(page)
            if violations:
                self.found.append(f"{state} at {width} px ({page.url}):\n{describe_violations(violations)}")

    def assert_clean(self) -> None:
        if self.found:
            pytest.fail("axe-core:\n" + "\n".join(self.found), pytrace=False)


@pytest.fixture
def survey(browser, live_server, request):
    lang = request.node.callspec.params["lang"]
    context = browser.new_context(base_url=live_server, locale="uk-UA")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"/?lang={lang}")  # the choice sticks for the session
    yield Survey(page)
    context.close()


def subdivision_id(live_app, code: str) -> str:
    """The option's value: the subdivision's id (its label follows the language)."""
    with live_app.app_context():
        return str(db.session.scalar(select(Subdivision.id).where(Subdivision.code == code)))


def submit(page, form: str) -> None:
    page.locator(f"{form} button[type=submit]").first.click()


@pytest.mark.parametrize("lang", LANGS)
def test_the_registration_and_login_states_have_no_axe_violations(survey, live_app, lang):
    page = survey.page
    account = free_accounts(live_app)[3 if lang == "uk" else 4]  # the first three are the other tests'
    page.goto("/registration")
    page.locator("#meter").wait_for(state="detached")
    page.select_option("#subdivision", value=subdivision_id(live_app, account["subdivision_code"]))
    page.fill("#number", "599999990")
    page.fill("#amount", "1,23")
    submit(page, "form.identify")
    page.locator("#outcome.outcome-not_found").wait_for()
    survey.check("step 1: not found")

    page.fill("#number", account["number"])
    page.fill("#amount", "1,23")
    submit(page, "form.identify")
    page.locator("#outcome.outcome-mismatch").wait_for()
    survey.check("step 1: mismatch")

    page.fill("#amount", account["last_payment"])
    page.fill("#surname", account["holder_surname"])
    submit(page, "form.identify")
    page.wait_for_url("**/registration/account")
    login, email = f"states-{lang}", f"states-{lang}@example.com"
    page.fill("#login", login)
    page.fill("#phone", "12")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", "not the same password")
    page.fill("#email", "not an email")
    submit(page, "#account-form")
    page.locator("#account-form .error").first.wait_for()
    survey.check("step 2 with errors")

    page.fill("#phone", "+38 (067) 555-12-36")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#email", email)
    page.locator("input[name=agreement][value=accept]").check()
    submit(page, "#account-form")
    page.wait_for_url("**/registration/sent")
    survey.check("letter sent")

    page.goto(activation_link(live_app, email))
    survey.check("activation")
    submit(page, "form.activate")
    page.wait_for_url("**/activate/done")
    survey.check("activation done")

    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", "a wrong password")
    submit(page, "#login-form")
    page.locator("#login-problem").wait_for()
    survey.check("login with an error")

    page.goto("/recovery/password")
    page.fill("#login-recovery input:not([type=hidden])", email)
    submit(page, "#login-recovery")
    page.locator("#recovery-sent").wait_for()
    survey.check("recovery sent")

    page.goto("/login")
    page.evaluate("document.querySelector('#login-form input[name=csrf_token]').value = 'stale'")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    submit(page, "#login-form")
    page.wait_for_load_state()
    advice = {"uk": "Термін дії форми минув", "en": "The form has expired"}[lang]
    assert advice in page.content(), "the refused token is answered by the error page"
    survey.check("400: the form's token expired")
    survey.assert_clean()


@pytest.mark.parametrize("lang", LANGS)
def test_the_payment_states_have_no_axe_violations(survey, live_app, live_server, restore_balances, lang):  # noqa: F811
    page = survey.page
    log_in(page)
    hrefs = page.eval_on_selector_all("a[href$='/pay']", "els => els.map(e => e.getAttribute('href'))")
    number = next(re.search(r"/accounts/(\d+)/pay", h).group(1) for h in hrefs)
    page.goto(f"/cabinet/accounts/{number}/pay")
    page.fill("#amount", "0,50")
    submit(page, "#pay-form")
    page.locator("#amount-error").wait_for()
    survey.check("pay with an error")
    page.fill("#amount", "10,00")
    submit(page, "#pay-form")
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    payment_id = int(re.search(r"/payments/(\d+)/checkout", page.url).group(1))
    survey.check("checkout")
    submit(page, "#checkout-form")
    page.wait_for_url("**/payments/sandbox/checkout")
    survey.check("sandbox bank")

    watcher = page.context.new_page()
    watcher.goto(f"/payments/{payment_id}")
    watcher.locator('#payment-state .pay-state[data-status="created"]').wait_for()
    survey.check("payment not completed", watcher)
    bank_is_deciding(live_app, live_server, payment_id)
    watcher.reload()
    watcher.locator('#payment-state .pay-state[data-status="pending"]').wait_for()
    survey.check("payment pending", watcher)

    page.locator("button[value=pay]").click()
    page.wait_for_url(f"**/payments/{payment_id}")
    page.locator('#payment-state .pay-state[data-status="paid"]').wait_for()
    survey.check("payment received")
    watcher.locator('#payment-state .pay-state[data-status="paid"]').wait_for()
    survey.check("payment received, swapped in by the poll", watcher)
    watcher.close()
    page.goto(f"/payments/{payment_id}/receipt")
    survey.check("receipt")

    page.goto(f"/cabinet/accounts/{number}/pay")
    page.fill("#amount", "10,00")
    submit(page, "#pay-form")
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    submit(page, "#checkout-form")
    page.wait_for_url("**/payments/sandbox/checkout")
    page.locator("button[value=decline]").click()
    page.locator('#payment-state .pay-state[data-status="declined"]').wait_for()
    survey.check("payment declined")

    page.goto(f"/cabinet/accounts/{number}/pay")
    page.fill("#amount", "10,00")
    submit(page, "#pay-form")
    page.wait_for_url(re.compile(r".*/payments/\d+/checkout$"))
    submit(page, "#checkout-form")
    page.wait_for_url("**/payments/sandbox/checkout")
    page.locator("a[href$='/return']").click()  # leave the bank's page
    page.locator('#payment-state .pay-state[data-status="cancelled"]').wait_for()
    survey.check("payment cancelled")
    survey.assert_clean()
