"""A company's documents in a real browser: an accountant opens an invoice and an acceptance act, and downloads a
reconciliation act's PDF with JavaScript on and off; 320 px wide without sideways scrolling; no axe violations."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, assert_no_axe_violations, fresh_company_code, screenshot

LOGIN, PASSWORD = "docs_accountant", "docs-pass-12345"


@pytest.fixture(scope="module")
def contract_id(live_app):
    """A company of its own in the live database (the demo's companies may differ), with an accountant."""
    from vez.companies.codes import eic_check_character
    from vez.companies.ledger import recompute_contract_balances
    from vez.extensions import db
    from vez.identity.passwords import hash_password
    from vez.models import (
        Company,
        CompanyCharge,
        CompanyKind,
        CompanyMember,
        CompanyPayment,
        CompanyPaymentSource,
        CompanyRole,
        Contract,
        MeteringPoint,
        PaymentForm,
        Service,
        Subdivision,
        User,
    )
    from vez.models.base import utcnow

    with live_app.app_context():
        subdivision = db.session.query(Subdivision).filter_by(service=Service.electricity).first()
        company = Company(
            code=fresh_company_code(), kind=CompanyKind.legal, name='ТОВ "Документи"', address="м. Луцьк, вул. Тиха, 2"
        )
        db.session.add(company)
        db.session.flush()
        contract = Contract(
            company_id=company.id,
            number="DOC-1/26",
            service=Service.electricity,
            subdivision_id=subdivision.id,
            starts_on=date(2026, 1, 1),
            payment_form=PaymentForm.actual,
        )
        db.session.add(contract)
        db.session.flush()
        first15 = "62Z9000000000" + "42"
        point = MeteringPoint(
            contract_id=contract.id, eic=first15 + eic_check_character(first15), address="м. Луцьк, вул. Тиха, 2"
        )
        db.session.add(point)
        db.session.flush()
        for month in range(1, 11):
            amount = int(Decimal(500 + month) * 432)
            db.session.add(
                CompanyCharge(
                    point_id=point.id,
                    contract_id=contract.id,
                    month=date(2026, month, 1),
                    volume=Decimal(500 + month),
                    unit="kWh",
                    tariff=Decimal("4.32"),
                    amount=amount,
                )
            )
            db.session.add(
                CompanyPayment(
                    contract_id=contract.id,
                    amount=amount,
                    paid_at=datetime(2026, month, 28, 10),
                    source=CompanyPaymentSource.bank,
                    reference=f"doc-bank-{month}",
                )
            )
        user = User(
            login=LOGIN,
            login_key=LOGIN,
            email=f"{LOGIN}@example.com",
            email_key=f"{LOGIN}@example.com",
            phone="+380501112233",
            password_hash=hash_password(PASSWORD),
            activated_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(
            CompanyMember(
                company_id=company.id, user_id=user.id, role=CompanyRole.accountant, full_name="Бухгалтер", position=""
            )
        )
        recompute_contract_balances([contract.id])
        db.session.commit()
        return contract.id


def _log_in(page, lang: str = "uk") -> None:
    page.goto(f"/login?lang={lang}")
    page.fill("#login", LOGIN)
    page.fill("#password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url


def _no_sideways_scroll(page) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_an_accountant_opens_an_invoice_and_an_act(page, contract_id):
    _log_in(page)
    page.goto(f"/company/contracts/{contract_id}/invoices/2026-10")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Рахунок на оплату № Р-DOC-1/26-202610")
    assert page.locator(".qr img").is_visible()
    _no_sideways_scroll(page)
    screenshot(page, "company-invoice", 320)
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    response = page.request.get(page.get_by_role("link", name="Завантажити PDF").get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    page.get_by_role("link", name="Акт приймання-передавання").click()
    page.wait_for_url(re.compile(r".*/acts/2026-10$"))
    assert "Акт приймання-передавання електричної енергії" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("heading", name="Від покупця").is_visible()
    _no_sideways_scroll(page)
    screenshot(page, "company-act", 320)
    assert_no_axe_violations(page)
    assert page.csp_violations == []


def test_the_reconciliation_pdf_with_javascript(page, contract_id):
    _log_in(page)
    page.goto(f"/company/contracts/{contract_id}/reconciliation")
    # A date input takes no impossible day from the keyboard; what an old browser's text box would send is set
    # as its value (the browser then sends it empty: the server's "enter a date" is what comes back).
    page.evaluate(
        """() => { document.querySelector('#reconciliation-from').value = '2026-12-40';
                   document.querySelector('#reconciliation-to').value = '2026-10-31'; }"""
    )
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Показати акт звірки").click()
    page.wait_for_selector("#reconciliation-from-error")
    assert page.evaluate("window.__marker") == 1  # swapped in place
    assert_no_axe_violations(page)
    page.evaluate(
        """() => { document.querySelector('#reconciliation-from').value = '2026-03-15';
                   document.querySelector('#reconciliation-to').value = '2026-10-31'; }"""
    )
    page.get_by_role("button", name="Показати акт звірки").click()
    page.wait_for_selector("td.closing")
    assert page.evaluate("window.__marker") == 1
    assert "from=2026-03-15" in page.url
    _no_sideways_scroll(page)
    screenshot(page, "company-reconciliation", 320)
    assert_no_axe_violations(page)
    link = "a[href*='reconciliation.pdf']"
    page.evaluate(f"() => {{ const a = document.querySelector(\"{link}\"); a.setAttribute('download', ''); }}")
    with page.expect_download() as download_info:
        page.locator(link).click()
    path = download_info.value.path()
    body = Path(path).read_bytes()
    assert body.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "company-reconciliation.pdf").write_bytes(body)
    assert page.csp_violations == []


def test_the_reconciliation_pdf_without_javascript_in_english(page_nojs, contract_id):
    page = page_nojs
    _log_in(page, "en")
    page.goto(f"/company/contracts/{contract_id}/reconciliation?lang=en")
    page.fill("#reconciliation-from", "2026-01-01")
    page.fill("#reconciliation-to", "2026-06-30")
    page.get_by_role("button", name="Show the reconciliation act").click()
    page.wait_for_url(re.compile(r".*from=2026-01-01&to=2026-06-30"))
    assert page.locator("td.closing").is_visible()
    href = page.get_by_role("link", name="Download PDF").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    _no_sideways_scroll(page)
    screenshot(page, "company-reconciliation-en", 320)
