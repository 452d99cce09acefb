"""The business side end to end, as a company meets it: the "Для компаній" tab → registration → the activation
letter → login → inviting an accountant, who accepts → the October invoice with a QR code a banking app decodes →
the acceptance act → the reconciliation act downloaded as a PDF whose figures add up to the kopiyka.

With JavaScript on (htmx swaps, axe and the 320 px measure) and off (plain forms and links); the pieces are each
tested on their own in the other test_company_* modules, this one proves they join up.
"""

from __future__ import annotations

import io
import itertools
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select

from tests.browser.conftest import _context, assert_no_axe_violations, fresh_company_code, screenshot
from tests.conftest import PASSWORD
from vez import nbu_qr
from vez.companies.codes import eic_check_character
from vez.companies.ledger import recompute_contract_balances
from vez.extensions import db
from vez.models import (
    Company,
    CompanyCharge,
    CompanyKind,
    CompanyMember,
    CompanyPayment,
    CompanyPaymentSource,
    CompanyRole,
    Contract,
    Letter,
    MeteringPoint,
    PaymentForm,
    Service,
    Subdivision,
    User,
)

SERIAL = itertools.count(700)
ACCOUNTANT_PASSWORD = "Bukhhalter-na-Svitiazi-26"
MONTHS = range(1, 11)  # charges January … October 2026, payments January … September: October is owed


def _charge(month: int) -> int:
    return int(Decimal(400 + 7 * month) * Decimal("4.32") * 100)


@pytest.fixture
def company(live_app):
    """A company the billing system knows (no login yet): one contract, one point, ten months of charges."""
    n = next(SERIAL)
    with live_app.app_context():
        subdivision = db.session.scalar(select(Subdivision).where(Subdivision.service == Service.electricity))
        company = Company(
            code=fresh_company_code(), kind=CompanyKind.legal, name=f'ТОВ "Шлях {n}"', address="м. Луцьк, вул. Лесі, 7"
        )
        db.session.add(company)
        db.session.flush()
        contract = Contract(
            company_id=company.id,
            number=f"{n}/26-E",
            service=Service.electricity,
            subdivision_id=subdivision.id,
            starts_on=date(2026, 1, 1),
            payment_form=PaymentForm.actual,
        )
        db.session.add(contract)
        db.session.flush()
        first15 = f"62Z{n:012d}"
        point = MeteringPoint(contract_id=contract.id, eic=first15 + eic_check_character(first15), address="Луцьк")
        db.session.add(point)
        db.session.flush()
        for month in MONTHS:
            amount = _charge(month)
            db.session.add(
                CompanyCharge(
                    point_id=point.id,
                    contract_id=contract.id,
                    month=date(2026, month, 1),
                    volume=Decimal(400 + 7 * month),
                    unit="kWh",
                    tariff=Decimal("4.32"),
                    amount=amount,
                )
            )
            if month < 10:
                paid = datetime(2026, month + 1, 12, 10)
                db.session.add(
                    CompanyPayment(
                        contract_id=contract.id,
                        amount=amount,
                        paid_at=paid,
                        created_at=paid,
                        source=CompanyPaymentSource.bank,
                        reference=f"path-{n}-{month}",
                    )
                )
        db.session.commit()
        recompute_contract_balances([contract.id])
        db.session.commit()
        last = _charge(9)
        return type(
            "Known",
            (),
            {
                "id": company.id,
                "code": company.code,
                "contract": contract.number,
                "contract_id": contract.id,
                "n": n,
                "last_payment": f"{last // 100},{last % 100:02d}",
            },
        )


def _letter_link(live_app, email: str, pattern: str) -> str:
    with live_app.app_context():
        letter = db.session.scalars(select(Letter).where(Letter.recipient == email).order_by(Letter.id.desc())).first()
        assert letter is not None, f"no letter to {email}"
        return re.search(pattern, letter.body_text).group(1)


def _checked(page, javascript: bool, name: str) -> None:
    """At 320 px nothing scrolls sideways and axe finds nothing (both run scripts: JavaScript on only)."""
    if not javascript:
        return
    page.set_viewport_size({"width": 320, "height": 800})
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} is {wide} px too wide at 320 px"
    assert_no_axe_violations(page)
    screenshot(page, f"company-path-{name}", 320)
    page.set_viewport_size({"width": 1280, "height": 800})


def _log_in(page, login: str, password: str) -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/company/cabinet")


def _pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF")
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages))


def _money(text: str) -> int:
    """'12 345,67' (any spaces, a minus) as kopiyky."""
    return int(re.sub(r"[^\d-]", "", text))


def _register(page, live_app, company, javascript: bool) -> str:
    """From the home page to a login in the company cabinet; the login's name."""
    page.goto("/")
    page.get_by_role("link", name="Для компаній").click()
    page.wait_for_url("**/company")
    _checked(page, javascript, "tab")
    page.get_by_role("link", name="Зареєструватися").click()
    page.wait_for_url("**/company/registration")
    if javascript:
        page.wait_for_selector("#identify-extra:not([hx-trigger])", state="attached")  # the load-time swap
    page.fill("#code", company.code)
    page.fill("#contract", company.contract)
    page.fill("#amount", company.last_payment)
    _checked(page, javascript, "step1")
    page.get_by_role("button", name="Далі").click()
    page.wait_for_url("**/company/registration/account")
    login = f"path{company.n}{'j' if javascript else 'n'}"
    email = f"{login}@example.com"
    page.fill("#login", login)
    page.fill("#full_name", "Мельник Тарас Богданович")
    page.fill("#position", "директор")
    page.fill("#phone", "+38 (050) 321-45-67")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.fill("#email", email)
    page.get_by_label("Я приймаю умови договору").check()
    _checked(page, javascript, "step2")
    page.get_by_role("button", name="Створити обліковий запис").click()
    page.wait_for_url("**/registration/sent")
    assert email in page.content()
    page.goto(_letter_link(live_app, email, r"(/activate/\S+)"))
    page.get_by_role("button", name="Активувати!").click()
    page.wait_for_url("**/activate/done")
    _log_in(page, login, PASSWORD)
    assert company.contract in page.content()
    _checked(page, javascript, "cabinet")
    return login


def _invite_accountant(admin, live_app, company, javascript: bool) -> str:
    admin.goto("/company/cabinet")
    admin.get_by_role("link", name=re.compile("Люди|Працівники|Користувачі")).first.click()
    admin.wait_for_url("**/company/people")
    email = f"buh-path{company.n}{'j' if javascript else 'n'}@example.com"
    admin.fill("#email", email)
    admin.select_option("#role", "accountant")
    admin.get_by_role("button", name="Надіслати запрошення").click()
    admin.wait_for_selector(".flash.success")
    _checked(admin, javascript, "people")
    return _letter_link(live_app, email, r"(/company/invitations/\S+)")


def _accept(accountant, link: str, login: str) -> None:
    accountant.goto(link)
    assert "Запрошення до кабінету компанії" in accountant.content()
    accountant.fill("#login", login)
    accountant.fill("#full_name", "Олійник Ольга Іванівна")
    accountant.fill("#position", "головний бухгалтер")
    accountant.fill("#phone", "+38 (067) 555-12-34")
    accountant.fill("#password", ACCOUNTANT_PASSWORD)
    accountant.fill("#confirm", ACCOUNTANT_PASSWORD)
    accountant.get_by_label("Я приймаю умови договору").check()
    accountant.get_by_role("button", name="Створити обліковий запис і прийняти").click()
    accountant.wait_for_url("**/company/cabinet")


def _documents(page, company, javascript: bool) -> None:
    """The accountant's October invoice (its QR decoded), act and reconciliation act for the year to October."""
    page.get_by_role("link", name=company.contract).first.click()
    page.wait_for_url(f"**/company/contracts/{company.contract_id}")
    page.get_by_role("link", name="Рахунок за жовтень 2026").first.click()
    page.wait_for_url("**/invoices/2026-10")
    number = f"Р-{company.contract}-202610"
    assert number in page.get_by_role("heading", level=1).inner_text()
    _checked(page, javascript, "invoice")
    pdf = page.request.get(page.get_by_role("link", name="Завантажити PDF").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    images = [image for p in PdfReader(io.BytesIO(pdf.body())).pages for image in p.images]
    found = zxingcpp.read_barcodes(images[0].image.convert("L"))
    assert found, "no QR code read from the invoice PDF"
    fields = nbu_qr.decode(found[0].text)
    october = _charge(10)
    assert fields[7] == f"UAH{october // 100}.{october % 100:02d}" and number in fields[11]

    page.get_by_role("link", name="Акт приймання-передавання").click()
    page.wait_for_url("**/acts/2026-10")
    assert "Акт приймання-передавання електричної енергії" in page.get_by_role("heading", level=1).inner_text()
    _checked(page, javascript, "act")

    page.goto(f"/company/contracts/{company.contract_id}")
    page.fill("#reconciliation-from", "2026-01-01")
    page.fill("#reconciliation-to", "2026-10-31")
    page.get_by_role("button", name="Показати акт звірки").click()
    page.wait_for_selector("td.closing")
    _checked(page, javascript, "reconciliation")
    link = page.get_by_role("link", name="Завантажити PDF")
    if javascript:  # a real download, as the accountant's browser saves it
        link.evaluate("a => a.setAttribute('download', '')")
        with page.expect_download() as download:
            link.click()
        with open(download.value.path(), "rb") as saved:
            body = saved.read()
    else:
        body = page.request.get(link.get_attribute("href")).body()
    text = _pdf_text(body)
    charged = sum(_charge(m) for m in MONTHS)
    paid = sum(_charge(m) for m in MONTHS if m < 10)
    opening = re.search(r"Сальдо на початок[^\d-]*(-?[\d ]+,\d\d)", text)
    turnover = re.search(r"Обороти за період[^\d-]*(-?[\d ]+,\d\d)[^\d-]*(-?[\d ]+,\d\d)", text)
    closing = re.search(r"Сальдо на кінець[^\d-]*(-?[\d ]+,\d\d)", text)
    assert opening and turnover and closing, text
    assert _money(opening.group(1)) == 0
    assert (_money(turnover.group(1)), _money(turnover.group(2))) == (charged, paid)
    assert _money(closing.group(1)) == charged - paid == october


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_company_registers_invites_its_accountant_who_downloads_documents_that_add_up(
    browser, live_server, live_app, company, javascript
):
    director = _context(browser, live_server, java_script_enabled=javascript).new_page()
    director_login = _register(director, live_app, company, javascript)
    link = _invite_accountant(director, live_app, company, javascript)

    accountant = _context(browser, live_server, java_script_enabled=javascript, accept_downloads=True).new_page()
    login = f"buhpath{company.n}{'j' if javascript else 'n'}"
    _accept(accountant, link, login)
    _documents(accountant, company, javascript)

    with live_app.app_context():
        members = {
            m.user.login: m.role
            for m in db.session.scalars(select(CompanyMember).where(CompanyMember.company_id == company.id))
        }
        assert members == {director_login: CompanyRole.admin, login: CompanyRole.accountant}
        assert db.session.scalar(select(User).where(User.login_key == login)).activated_at is not None
    for page in (director, accountant):
        page.context.close()
