"""The company cabinet in a real browser: a company's administrator opens the cabinet and a contract, and pays
online through the sandbox gateway, with JavaScript on and off; 320 px without sideways scrolling; axe-core."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_no_axe_violations, fresh_company_code, screenshot
from tests.business.conftest import eic
from tests.conftest import PASSWORD
from vez.companies.ledger import recompute_contract_balances
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.models import (
    Company,
    CompanyCharge,
    CompanyKind,
    CompanyMember,
    CompanyRole,
    Contract,
    MeteringPoint,
    PaymentForm,
    Service,
    Subdivision,
    User,
    utcnow,
)

LOGIN = "cabinet_c"
STATE = "#payment-state .pay-state"


@pytest.fixture(scope="module")
def company_contract(live_app) -> int:
    """A company of the browser's own (not the demo's) with one contract, two points, 14 months; its admin LOGIN."""
    with live_app.app_context():
        found = db.session.scalar(select(Contract.id).where(Contract.number == "B-4242/26"))
        if found:
            return found
        company = Company(
            code=fresh_company_code(), kind=CompanyKind.legal, name='ТОВ "Браузер"', address="м. Луцьк, вул. Тестова, 2"
        )
        subdivision = db.session.scalar(select(Subdivision).where(Subdivision.service == Service.electricity))
        db.session.add(company)
        db.session.flush()
        contract = Contract(
            company_id=company.id,
            number="B-4242/26",
            service=Service.electricity,
            subdivision_id=subdivision.id,
            starts_on=date(2025, 1, 1),
            payment_form=PaymentForm.actual,
        )
        db.session.add(contract)
        db.session.flush()
        points = [
            MeteringPoint(
                contract_id=contract.id,
                eic=eic(4200 + n),
                address=f"м. Луцьк, вул. Тестова, {n}",
                meter_number=f"42{n:05d}",
                voltage_class="2",
            )
            for n in (1, 2)
        ]
        db.session.add_all(points)
        db.session.flush()
        for index in range(14):
            month = date(2025 + (8 + index) // 12, (8 + index) % 12 + 1, 1)
            for point, base in zip(points, (900, 300), strict=True):
                volume = Decimal(base + 10 * index)
                db.session.add(
                    CompanyCharge(
                        point_id=point.id,
                        contract_id=contract.id,
                        month=month,
                        volume=volume,
                        unit="kWh",
                        tariff=Decimal("4.32"),
                        amount=int(volume * 432),
                    )
                )
        user = User(
            login=LOGIN,
            email="cabinet_c@example.com",
            email_key="cabinet_c@example.com",
            phone="+380501110042",
            password_hash=hash_password(PASSWORD),
            activated_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(
            CompanyMember(
                company_id=company.id,
                user_id=user.id,
                role=CompanyRole.admin,
                full_name="Тестова Ольга",
                position="директор",
            )
        )
        db.session.flush()
        recompute_contract_balances([contract.id])
        db.session.commit()
        return contract.id


def log_in(page) -> None:
    page.goto("/login")
    page.fill("#login", LOGIN)
    page.fill("#password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto("/company/cabinet")


def no_sideways_scroll(page) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_the_cabinet_and_a_contract_read_well_everywhere(page, live_server, company_contract):
    log_in(page)
    assert page.get_by_role("heading", name="Договори", level=1).is_visible()
    assert page.get_by_text("B-4242/26").first.is_visible()
    assert_no_axe_violations(page)
    no_sideways_scroll(page)
    screenshot(page, "company-cabinet", 320)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="Електроенергія · Договір № B-4242/26").click()
    page.wait_for_url(f"**/company/contracts/{company_contract}")
    assert page.locator("svg.chart").count() == 2
    assert page.get_by_role("heading", name="Нарахування за місяцями").is_visible()
    assert_no_axe_violations(page)
    no_sideways_scroll(page)
    screenshot(page, "company-contract", 320)
    screenshot(page, "company-contract", 1280)
    assert page.csp_violations == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_admin_pays_online_through_the_sandbox(request, javascript, live_server, company_contract):
    page = request.getfixturevalue("page" if javascript else "page_nojs")
    log_in(page)
    page.goto(f"/company/contracts/{company_contract}")
    page.get_by_role("link", name="Сплатити онлайн").click()
    page.wait_for_url(f"**/company/contracts/{company_contract}/pay")
    if javascript:
        assert_no_axe_violations(page)
        page.fill("#amount", "0,10")
        page.get_by_role("button", name="Сплатити").click()
        assert page.locator("#amount-error").inner_text().startswith("Найменша сума")
        assert page.locator("#amount").input_value() == "0,10"  # nothing typed is lost
    before = page.locator(".balance b").inner_text()
    page.fill("#amount", "100,00")
    page.get_by_role("button", name="Сплатити").click()
    page.wait_for_url(re.compile(r".*/company/payments/\d+/checkout$"))
    payment_id = int(re.search(r"/payments/(\d+)/checkout", page.url).group(1))
    page.get_by_role("button", name="Перейти до оплати").click()
    page.wait_for_url("**/payments/sandbox/checkout")
    assert page.get_by_text("B-4242/26").first.is_visible()
    page.get_by_role("button", name="Сплатити", exact=True).click()
    page.wait_for_url(f"**/company/payments/{payment_id}")
    assert page.locator(STATE).get_attribute("data-status") == "paid"
    assert page.get_by_role("status").inner_text().startswith("Сплачено")
    assert page.locator("#payment-outcome .balance b").inner_text() != before
    if javascript:
        assert_no_axe_violations(page)
    no_sideways_scroll(page)
    screenshot(page, f"company-paid-{'js' if javascript else 'nojs'}", 320)


def test_leaving_the_bank_shows_cancelled_not_in_transit(page, live_server, company_contract):
    log_in(page)
    page.goto(f"/company/contracts/{company_contract}/pay")
    page.fill("#amount", "12,34")
    page.get_by_role("button", name="Сплатити").click()
    page.wait_for_url(re.compile(r".*/company/payments/\d+/checkout$"))
    page.get_by_role("button", name="Перейти до оплати").click()
    page.wait_for_url("**/payments/sandbox/checkout")
    page.get_by_role("link", name="Скасувати й повернутися").click()
    page.wait_for_url(re.compile(r".*/company/payments/\d+$"))
    assert page.locator(STATE).get_attribute("data-status") == "cancelled"
    assert page.get_by_text("В дорозі").count() == 0
    assert page.locator("#payment-state[hx-trigger]").count() == 0
