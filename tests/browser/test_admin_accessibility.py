"""axe-core finds nothing on any page of the staff panel: the dashboard, every list, details, edit and create
page, the import page and an import run, the business side's lists and a company's page with a locked
contract; in Ukrainian and English, at 360 and 1280 px."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_no_axe_violations, fresh_company_code
from tests.browser.test_admin import log_in_as_admin
from vez.extensions import db
from vez.models import (
    AuditEvent,
    Bill,
    Charge,
    ImportRun,
    ImportStatus,
    Letter,
    LetterStatus,
    Payment,
    PersonalAccount,
    Subdivision,
    User,
    utcnow,
)
from vez.models.company import (
    Company,
    CompanyDocument,
    CompanyInvitation,
    CompanyKind,
    CompanyMember,
    CompanyRole,
    Contract,
    DocumentKind,
    MeteringPoint,
    PaymentForm,
)

COMPANY_LISTS = ("companies", "contracts", "points", "company-people", "company-invitations", "company-documents")
LISTS = ("accounts", "logins", "charges", "bills", "payments", "outbox", "audit", "subdivisions") + COMPANY_LISTS
DETAILS = {
    "accounts": PersonalAccount,
    "logins": User,
    "charges": Charge,
    "bills": Bill,
    "payments": Payment,
    "outbox": Letter,
    "audit": AuditEvent,
    "subdivisions": Subdivision,
    "contracts": Contract,
    "points": MeteringPoint,
    "company-people": CompanyMember,
    "company-documents": CompanyDocument,
}
EDITS = {"accounts": PersonalAccount, "logins": User, "charges": Charge, "subdivisions": Subdivision}
PAGES = (
    ["dashboard", "import", "import run", "subdivisions create"]
    + [f"{name} list" for name in LISTS]
    + [f"{name} details" for name in DETAILS]
    + ["companies details", "company-invitations details"]
    + [f"{name} edit" for name in EDITS]
)


@pytest.fixture(scope="module")
def admin_urls(live_app) -> dict[str, str]:
    """Each panel page by name; a failed letter and a rejected import run are there to be shown."""
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.login == "demo"))
        db.session.add(
            Letter(
                kind="activation",
                recipient=user.email,
                subject="Активація",
                body_text="-",
                user_id=user.id,
                status=LetterStatus.failed,
                attempts=5,
                last_error="421 try later",
            )
        )
        run = ImportRun(
            kind="charges",
            filename="charges.csv",
            status=ImportStatus.rejected,
            rows_total=2,
            rows_checked=2,
            rows_bad=1,
            errors=[{"line": 2, "reason": "the month must be YYYY-MM"}],
        )
        db.session.add(run)
        company, invitation = a_company_with_a_locked_contract(user)
        db.session.commit()
        urls = {
            "dashboard": "/admin/",
            "import": "/admin/import/",
            "import run": f"/admin/import/runs/{run.id}",
            "subdivisions create": "/admin/subdivisions/new/",
        }
        for name in LISTS:
            urls[f"{name} list"] = f"/admin/{name}/"
        for name, model in DETAILS.items():
            first = db.session.scalar(select(model.id).order_by(model.id).limit(1))
            urls[f"{name} details"] = f"/admin/{name}/details/?id={first}"
        for name, model in EDITS.items():
            first = db.session.scalar(select(model.id).order_by(model.id).limit(1))
            urls[f"{name} edit"] = f"/admin/{name}/edit/?id={first}"
        urls["companies details"] = f"/admin/companies/details/?id={company.id}"
        urls["company-invitations details"] = f"/admin/company-invitations/details/?id={invitation.id}"
    return urls


def a_company_with_a_locked_contract(user: User) -> tuple[Company, CompanyInvitation]:
    """A company of its own (whatever the demo data holds): a contract locked by five wrong answers, a point, a
    member, a pending invitation and an issued invoice, so that its page shows every section and the unlock form."""
    from tests.business.conftest import eic
    from vez.identity.limits import IDENTIFY_PER_ACCOUNT, contract_key

    company = Company(
        code=fresh_company_code(), kind=CompanyKind.legal, name='ТОВ "Перевірка"', address="м. Луцьк, вул. Шевченка, 5"
    )
    db.session.add(company)
    db.session.flush()
    subdivision = db.session.scalar(select(Subdivision).order_by(Subdivision.id))
    contract = Contract(
        company_id=company.id,
        number="AXE-1/26",
        service=subdivision.service,
        subdivision=subdivision,
        starts_on=date(2025, 1, 1),
        payment_form=PaymentForm.prepayment,
    )
    db.session.add(contract)
    db.session.flush()
    db.session.add(MeteringPoint(contract_id=contract.id, eic=eic(990001), address=company.address, voltage_class="2"))
    db.session.add(
        CompanyMember(
            company_id=company.id, user_id=user.id, role=CompanyRole.admin, full_name="Демо Демо", position="директор"
        )
    )
    invitation = CompanyInvitation(
        company_id=company.id,
        email="axe.viewer@example.com",
        email_key="axe.viewer@example.com",
        role=CompanyRole.viewer,
        nonce="axe-invitation-nonce",
        expires_at=utcnow() + timedelta(days=7),
    )
    db.session.add(invitation)
    db.session.add(
        CompanyDocument(
            contract_id=contract.id,
            kind=DocumentKind.invoice,
            number="AXE-1/26-2026-10",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            issued_on=date(2026, 11, 3),
            amount=123_456,
            content={},
            content_sha256="0" * 64,
        )
    )
    db.session.flush()
    for _attempt in range(IDENTIFY_PER_ACCOUNT.item.amount):
        IDENTIFY_PER_ACCOUNT.take(contract_key(contract.id))
    return company, invitation


@pytest.fixture(scope="module")
def admin_page(browser, live_server):
    """One logged-in staff session for the whole module (a login costs a fresh TOTP code)."""
    context = browser.new_context(base_url=live_server, locale="uk-UA")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in_as_admin(page)
    yield page
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang", ["uk", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_a_panel_page_has_no_axe_violations(admin_page, admin_urls, name, lang, width):
    admin_page.set_viewport_size({"width": width, "height": 800})
    url = admin_urls[name]
    response = admin_page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
    assert response.status == 200, (name, response.status)
    assert admin_page.locator("html").get_attribute("lang") == lang
    assert_no_axe_violations(admin_page)
