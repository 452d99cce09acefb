"""A company's registration in a real browser: the "Для компаній" tab → registration → the letter → activation
→ login, with JavaScript on and off, at 320 px, with axe-core.

The live app's demo data may have no companies yet: each test makes its own company (a contract with one
point and an old last payment) in the live database.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_no_axe_violations, fresh_company_code, screenshot
from vez.companies.codes import eic_check_character
from vez.companies.ledger import recompute_contract_balances
from vez.extensions import db
from vez.models import (
    Company,
    CompanyKind,
    CompanyPayment,
    CompanyPaymentSource,
    Contract,
    Letter,
    MeteringPoint,
    PaymentForm,
    Service,
    Subdivision,
)

PASSWORD = "зелений ліс над світязем"
SERIAL = itertools.count(900)


@pytest.fixture
def new_company(live_app):
    """A company with contract "<n>/26-E", one point and a last payment of 4321.09 paid in 2025."""
    serial = next(SERIAL)
    with live_app.app_context():
        subdivision = db.session.scalar(select(Subdivision).where(Subdivision.service == Service.electricity))
        company = Company(
            code=fresh_company_code(), kind=CompanyKind.legal, name=f'ТОВ "Браузер {serial}"', address="Луцьк"
        )
        db.session.add(company)
        db.session.flush()
        contract = Contract(
            company_id=company.id,
            number=f"{serial}/26-E",
            service=Service.electricity,
            subdivision_id=subdivision.id,
            starts_on=date(2025, 1, 1),
            payment_form=PaymentForm.actual,
        )
        db.session.add(contract)
        db.session.flush()
        first15 = f"62Z{serial:012d}"
        db.session.add(
            MeteringPoint(contract_id=contract.id, eic=first15 + eic_check_character(first15), address="Луцьк")
        )
        paid = datetime(2025, 6, 10, 10)
        db.session.add(
            CompanyPayment(
                contract_id=contract.id,
                amount=432109,
                paid_at=paid,
                created_at=paid,
                source=CompanyPaymentSource.bank,
                reference=f"browser-{serial}",
            )
        )
        db.session.commit()
        recompute_contract_balances([contract.id])
        db.session.commit()
        return {"code": company.code, "contract": contract.number, "amount": "4321,09", "name": company.name}


def activation_link(live_app, email: str) -> str:
    with live_app.app_context():
        letter = db.session.scalars(
            select(Letter).where(Letter.recipient == email, Letter.kind == "activation").order_by(Letter.id.desc())
        ).first()
        assert "Браузер" in letter.body_text  # the letter names the company
        return re.search(r"(/activate/\S+)", letter.body_text).group(1)


def fill_step_one(page, company, amount):
    if page.evaluate("() => Boolean(window.htmx)"):
        page.wait_for_selector("#identify-extra:not([hx-trigger])", state="attached")  # the load-time swap
    page.fill("#code", company["code"])
    page.fill("#contract", company["contract"])
    page.fill("#amount", amount)
    page.get_by_role("button", name="Далі").click()


def fill_step_two(page, login, email):
    page.fill("#login", login)
    page.fill("#full_name", "Ковальчук Олена Петрівна")
    page.fill("#position", "директор")
    page.fill("#phone", "+38 (067) 555-12-34")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#email", email)
    page.get_by_label("Я приймаю умови договору").check()


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def activate_and_enter(page, live_app, email, login):
    page.goto(activation_link(live_app, email))
    page.get_by_role("button", name="Активувати!").click()
    page.wait_for_url("**/activate/done")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    page.wait_for_load_state()
    if "company.cabinet" in live_app.view_functions:
        page.wait_for_url("**/company/cabinet")
    else:
        page.wait_for_url("**/cabinet")


def test_company_registration_with_javascript(page, live_app, new_company):
    page.goto("/")
    page.get_by_role("link", name="Для компаній").click()
    page.wait_for_url("**/company")
    assert "акти звірки" in page.content()
    page.set_viewport_size({"width": 320, "height": 800})
    assert overflow(page) <= 0
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Зареєструватися").click()
    page.wait_for_url("**/company/registration")
    assert page.locator("h1").inner_text() == "Реєстрація компанії"
    page.locator("#meter").wait_for(state="detached")  # htmx asked for the amount set (amount and EIC)
    assert overflow(page) <= 0
    assert_no_axe_violations(page)
    page.get_by_label("Платежів ще не було").check()
    page.locator("#meter").wait_for()
    assert page.locator("#amount").count() == 0
    page.get_by_label("Платежів ще не було").uncheck()
    page.locator("#amount").wait_for()

    fill_step_one(page, new_company, "1.23")
    page.locator("#outcome").wait_for()
    assert "неправильну СУМУ" in page.locator("#outcome").inner_text()
    assert_no_axe_violations(page)
    screenshot(page, "company-registration-wrong-amount", 320)
    page.fill("#amount", new_company["amount"])
    page.get_by_role("button", name="Далі").click()
    page.wait_for_url("**/company/registration/account")
    assert page.locator("h1").inner_text() == "Обліковий запис представника"
    page.fill("#login", "demo")
    page.locator("#login-feedback .error").wait_for()  # taken, said while typing (the company's own check)
    fill_step_two(page, "company-js", "company-js@gmail.com")
    page.locator("#confirm").blur()
    assert overflow(page) <= 0
    assert_no_axe_violations(page)
    screenshot(page, "company-registration-step2", 320)
    page.get_by_role("button", name="Створити обліковий запис").click()
    page.wait_for_url("**/registration/sent")
    assert "company-js@gmail.com" in page.content()
    activate_and_enter(page, live_app, "company-js@gmail.com", "company-js")
    assert page.csp_violations == []


def test_company_registration_without_javascript(page_nojs, live_app, new_company):
    page = page_nojs
    page.goto("/company")
    page.get_by_role("link", name="Зареєструватися").click()
    page.wait_for_url("**/company/registration")
    assert page.locator("#amount").is_visible() and page.locator("#eic").is_visible()
    assert page.locator("#meter").is_visible()
    fill_step_one(page, new_company, "")
    assert "Введіть суму останнього платежу" in page.content()
    fill_step_one(page, new_company, new_company["amount"])
    page.wait_for_url("**/company/registration/account")
    fill_step_two(page, "company-nojs", "company-nojs@example.com")
    page.fill("#position", "")
    page.get_by_role("button", name="Створити обліковий запис").click()
    assert "Вкажіть вашу посаду" in page.content()
    assert page.input_value("#email") == "company-nojs@example.com" and page.input_value("#password") == ""
    page.fill("#position", "директор")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.get_by_role("button", name="Створити обліковий запис").click()
    page.wait_for_url("**/registration/sent")
    activate_and_enter(page, live_app, "company-nojs@example.com", "company-nojs")


@pytest.mark.parametrize("path", ["/company?lang=en", "/company/registration?lang=en"])
def test_the_english_pages_have_no_axe_violations(page, path):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert_no_axe_violations(page)
    page.goto("/?lang=uk")
