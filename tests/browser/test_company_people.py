"""A company's people in a real browser: an administrator invites an accountant, who accepts by the letter's link
with a new login; JavaScript on and off; 320 px; zero axe violations.

The company and its administrator are made in the live app's database here (unique per test); the letter's
link is read from the outbox table, as the dev mail page would show it.
"""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import _context, assert_no_axe_violations, fresh_company_code
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.models import Company, CompanyKind, CompanyMember, CompanyRole, Letter, User, utcnow

ADMIN_PASSWORD = "company-admin-2026"
NEW_PASSWORD = "Zelenyi-lis-nad-svitiazem"
_serial = itertools.count(1)


@pytest.fixture
def company(live_app):
    """A company with one administrator `people_admin<n>`; (company id, admin login)."""
    n = next(_serial)
    with live_app.app_context():
        company = Company(
            code=fresh_company_code(), kind=CompanyKind.legal, name=f"ТОВ «Люди {n}»", address="м. Луцьк, вул. Волі, 1"
        )
        login = f"people_admin{n}"
        user = User(
            login=login,
            login_key=login,
            email=f"{login}@example.com",
            email_key=f"{login}@example.com",
            phone="+380501234567",
            password_hash=hash_password(ADMIN_PASSWORD),
            activated_at=utcnow(),
        )
        db.session.add_all([company, user])
        db.session.flush()
        db.session.add(
            CompanyMember(
                company_id=company.id,
                user_id=user.id,
                role=CompanyRole.admin,
                full_name="Ковальчук Олена",
                position="директор",
            )
        )
        db.session.commit()
        return type("Made", (), {"id": company.id, "name": company.name, "login": login, "n": n})


def log_in(page, login, password):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_load_state()


def invitation_link(live_app, email: str) -> str:
    with live_app.app_context():
        letter = db.session.scalars(select(Letter).where(Letter.recipient == email).order_by(Letter.id.desc())).first()
        return re.search(r"(/company/invitations/\S+)", letter.body_text).group(1)


def fits(page, width=320) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} is {wide} px too wide at {width} px"


def invite_and_accept(browser, live_server, live_app, company, *, javascript: bool):
    admin = _context(browser, live_server, java_script_enabled=javascript).new_page()

    def checked(page):
        """axe and the 320 px measure run scripts in the page: with JavaScript on only (the same markup)."""
        if javascript:
            assert_no_axe_violations(page)
            fits(page)
            page.set_viewport_size({"width": 1280, "height": 800})

    log_in(admin, company.login, ADMIN_PASSWORD)
    admin.goto("/company/people")
    checked(admin)
    email = f"accountant{company.n}@example.com"
    admin.fill("#email", "не адреса")
    admin.get_by_role("button", name="Надіслати запрошення").click()
    admin.wait_for_selector("#email-error")
    assert admin.locator("#email").get_attribute("aria-invalid") == "true"
    checked(admin)
    admin.fill("#email", email)
    admin.select_option("#role", "accountant")
    admin.fill("#note", "Вітаю! Це для рахунків.")
    admin.get_by_role("button", name="Надіслати запрошення").click()
    admin.wait_for_selector(".flash.success")
    assert email in admin.locator("#invitations-title + .scroll").inner_text()

    accountant = _context(browser, live_server, java_script_enabled=javascript).new_page()
    link = invitation_link(live_app, email)
    accountant.goto(link)
    assert "Запрошення до кабінету компанії" in accountant.content()
    checked(accountant)
    login = f"buh{company.n}{'j' if javascript else 'n'}"
    accountant.fill("#login", login)
    accountant.fill("#full_name", "Олійник Ольга Іванівна")
    accountant.fill("#position", "головний бухгалтер")
    accountant.fill("#phone", "+38 (067) 555-12-34")
    accountant.fill("#password", NEW_PASSWORD)
    accountant.fill("#confirm", "something else")
    accountant.get_by_label("Я приймаю умови договору").check()
    accountant.get_by_role("button", name="Створити обліковий запис і прийняти").click()
    accountant.wait_for_selector("#confirm-error")
    assert accountant.locator("#full_name").input_value() == "Олійник Ольга Іванівна"  # nothing typed is lost
    checked(accountant)
    accountant.fill("#password", NEW_PASSWORD)
    accountant.fill("#confirm", NEW_PASSWORD)
    accountant.get_by_role("button", name="Створити обліковий запис і прийняти").click()
    accountant.wait_for_url(re.compile(r"/(company/cabinet|cabinet)$"))
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.login_key == login))
        joined = db.session.scalar(
            select(CompanyMember).where(CompanyMember.company_id == company.id, CompanyMember.user_id == user.id)
        )
        assert joined.role is CompanyRole.accountant and user.activated_at is not None

    admin.goto("/company/people")
    assert "Олійник Ольга Іванівна" in admin.locator("#members-title + .scroll").inner_text()
    admin.goto("/company/audit")
    assert "Запрошення прийнято" in admin.content()
    checked(admin)
    for page in (admin, accountant):
        page.context.close()


def test_an_admin_invites_an_accountant_who_accepts_with_javascript(browser, live_server, live_app, company):
    invite_and_accept(browser, live_server, live_app, company, javascript=True)


def test_an_admin_invites_an_accountant_who_accepts_without_javascript(browser, live_server, live_app, company):
    invite_and_accept(browser, live_server, live_app, company, javascript=False)


def test_a_dead_link_page_fits_and_has_no_axe_violations(page):
    page.goto("/company/invitations/damaged-token")
    assert "пошкоджене" in page.content()
    assert_no_axe_violations(page)
    fits(page)
