"""A contract's documents (docs/companies.md, "Documents"): the invoice, the acceptance act and the reconciliation
act, as pages and PDFs, numbered and stored once, scoped to the company and the role."""

from __future__ import annotations

import io
import threading
from datetime import date, datetime

import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.forms import form_problems
from vez import nbu_qr
from vez.companies import documents
from vez.companies.ledger import company_balance
from vez.models import CompanyCharge, CompanyDocument, CompanyPayment, CompanyRole, DocumentKind, PaymentStatus

SUPPLIER_IBAN = "UA213223130000026007233566001"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def admin(acme, auth):
    auth.login("acme_admin")
    return auth.client


def url(contract, what: str) -> str:
    return f"/company/contracts/{contract.id}/{what}"


# ---- the invoice -----------------------------------------------------------------------------------


def test_invoice_page_names_the_supplier_buyer_contract_points_and_the_amount_due(admin, acme):
    contract = acme.contracts[0]
    response = admin.get(url(contract, "invoices/2026-10"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Р-1234/25-E-202610" in html
    for text in (SUPPLIER_IBAN, "42104931", "АТ «Ощадбанк»", "Акме", "32855961", "1234/25-E", acme.points[0].eic):
        assert text in html
    assert acme.points[2].eic not in html  # the other contract's point
    assert "data:image/svg+xml" in html
    assert "Рахунок" in html


def test_invoice_pdf_holds_the_same_facts_in_ukrainian_and_english(admin, acme):
    contract = acme.contracts[0]
    text = pdf_text(admin.get(url(contract, "invoices/2026-10.pdf")))
    assert "Р-1234/25-E-202610" in text and SUPPLIER_IBAN in text and "Рахунок" in text
    english = pdf_text(admin.get(url(contract, "invoices/2026-10.pdf?lang=en")))
    assert "Invoice No. Р-1234/25-E-202610" in english and "Amount due" in english


def test_invoice_qr_carries_the_suppliers_iban_the_amount_the_purpose_and_code(db, admin, acme):
    contract = acme.contracts[0]
    admin.get(url(contract, "invoices/2026-10"))
    document = db.session.scalar(select(CompanyDocument).where(CompanyDocument.kind == DocumentKind.invoice))
    october = sum(
        db.session.scalars(
            select(CompanyCharge.amount).where(
                CompanyCharge.contract_id == contract.id, CompanyCharge.month == date(2026, 10, 1)
            )
        )
    )
    assert document.amount == document.content["amount_due"] == october  # September was paid in October
    fields = nbu_qr.decode(documents.qr_url(document.content))
    assert fields[:4] == ["BCD", "002", "2", "UCT"]
    assert fields[6] == SUPPLIER_IBAN
    assert fields[7] == "UAH" + nbu_qr.format_plain(october, drop_zero_cents=True)
    assert fields[8] == "42104931"
    assert "Р-1234/25-E-202610" in fields[11] and "1234/25-E" in fields[11]


def test_the_qr_image_in_the_pdf_decodes_to_the_payment(admin, acme):
    """A real decode of the picture a banking app would scan."""
    response = admin.get(url(acme.contracts[0], "invoices/2026-10.pdf"))
    images = [image for page in PdfReader(io.BytesIO(response.data)).pages for image in page.images]
    assert images
    found = zxingcpp.read_barcodes(images[0].image.convert("L"))
    assert found, "no QR code read from the PDF"
    fields = nbu_qr.decode(found[0].text)
    assert fields[6] == SUPPLIER_IBAN and fields[8] == "42104931" and "Р-1234/25-E-202610" in fields[11]


def test_the_qr_image_in_the_pdf_is_the_code_of_the_payment_url(db, admin, acme):
    """Without a decoder: the picture in the PDF is, pixel for pixel, the QR code of the invoice's payment URL."""
    from PIL import Image, ImageChops

    response = admin.get(url(acme.contracts[0], "invoices/2026-10.pdf"))
    document = db.session.scalar(select(CompanyDocument).where(CompanyDocument.kind == DocumentKind.invoice))
    picture = next(image for page in PdfReader(io.BytesIO(response.data)).pages for image in page.images)
    expected = Image.open(nbu_qr.png_bytes(documents.qr_url(document.content))).convert("L")
    assert ImageChops.difference(picture.image.convert("L"), expected).getbbox() is None


def test_a_document_is_issued_once_the_same_number_bytes_and_hash(db, admin, acme):
    contract = acme.contracts[0]
    first = admin.get(url(contract, "invoices/2026-09.pdf")).data
    again = admin.get(url(contract, "invoices/2026-09.pdf")).data
    assert first == again
    admin.get(url(contract, "invoices/2026-09"))
    rows = db.session.scalars(select(CompanyDocument)).all()
    assert len(rows) == 1
    document = rows[0]
    assert document.number == "Р-1234/25-E-202609"
    assert document.content_sha256 == documents.sha256(document.content)
    assert document.issued_by == acme.admin.id and document.signature is None
    # A charge corrected afterwards changes nothing already issued.
    charge = db.session.scalar(select(CompanyCharge).where(CompanyCharge.month == date(2026, 9, 1)))
    charge.amount += 100
    db.session.commit()
    assert admin.get(url(contract, "invoices/2026-09.pdf")).data == first


def test_issuing_records_an_audit_event_of_the_company_once(db, admin, acme):
    from vez.models import AuditEvent

    admin.get(url(acme.contracts[0], "acts/2026-10"))
    admin.get(url(acme.contracts[0], "acts/2026-10.pdf"))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "company.document.act")).all()
    assert len(events) == 1 and events[0].company_id == acme.company.id


def test_concurrent_first_requests_yield_one_document(app, db, acme, monkeypatch):
    contract_id = acme.contracts[0].id
    if db.engine.dialect.name == "sqlite":
        # SQLite serialises writers: the race is the same insert from a second session that did not see the first.
        from vez.models import Contract

        with app.app_context():
            contract = db.session.get(Contract, contract_id)
            first, new = documents.issue(contract, DocumentKind.act, date(2026, 8, 1), user_id=None, today=date.today())
            db.session.commit()
            assert new
            number = first.number
        with app.app_context():
            contract = db.session.get(Contract, contract_id)
            # A session that looked before the first committed: its insert collides and it finds the winner.
            original = documents.find
            calls = []

            def blind(*args):
                calls.append(1)
                return None if len(calls) == 1 else original(*args)

            monkeypatch.setattr(documents, "find", blind)
            second, new = documents.issue(
                contract, DocumentKind.act, date(2026, 8, 1), user_id=None, today=date.today()
            )
            assert not new and second.number == number
        return
    results, errors = [], []

    def issue():
        try:
            with app.app_context():
                from vez.models import Contract

                contract = db.session.get(Contract, contract_id)
                document, _new = documents.issue(
                    contract, DocumentKind.act, date(2026, 8, 1), user_id=None, today=date.today()
                )
                db.session.commit()
                results.append(document.number)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(results)) == 1
    assert db.session.scalar(select(func.count()).select_from(CompanyDocument)) == 1


# ---- the acceptance act ------------------------------------------------------------------------------


def test_act_lists_volumes_per_point_tariff_amounts_and_places_for_signatures(admin, acme):
    contract = acme.contracts[0]
    html = admin.get(url(contract, "acts/2026-10")).get_data(as_text=True)
    assert "А-1234/25-E-202610" in html
    assert "Акт приймання-передавання електричної енергії" in html
    for point in acme.points[:2]:
        assert point.eic in html
    assert "4,32" in html
    assert html.count("Підпис") >= 2 and "Від постачальника" in html and "Від покупця" in html
    text = pdf_text(admin.get(url(contract, "acts/2026-10.pdf")))
    assert "А-1234/25-E-202610" in text and acme.points[1].eic in text and "Підпис" in text
    english = pdf_text(admin.get(url(contract, "acts/2026-10.pdf?lang=en")))
    assert "Acceptance act of electricity" in english and "Signature" in english


def test_a_gas_act_is_named_for_natural_gas(db, auth, make_company, make_contract, make_point, company_charge, member):
    from vez.models import Service

    company = make_company("14360570", name="Ліцей № 1")
    contract = make_contract(company, "G-77", service=Service.gas)
    point = make_point(contract, 900, voltage_class=None, gas_pressure="low")
    company_charge(point, date(2026, 10, 1), "1200", "16.39")
    member(company, "school")
    auth.login("school")
    html = auth.client.get(url(contract, "acts/2026-10")).get_data(as_text=True)
    assert "Акт приймання-передавання природного газу" in html and "м³" in html


# ---- the reconciliation act --------------------------------------------------------------------------


def _ledger_check(db, contract, start: date, end: date) -> dict:
    document, _new = documents.issue(
        contract, DocumentKind.reconciliation, start, end, user_id=None, today=i18n_today_after_data()
    )
    db.session.commit()
    c = document.content
    charged = sum(e["charged"] for e in c["entries"])
    paid = sum(e["paid"] for e in c["entries"])
    assert c["opening_balance"] + charged - paid == c["closing_balance"] == document.amount
    assert [e["date"] for e in c["entries"]] == sorted(e["date"] for e in c["entries"])
    return c


def i18n_today_after_data() -> date:
    return date(2026, 12, 3)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2024, 11, 1), date(2026, 12, 1)),  # everything: the contract's balance
        (date(2026, 1, 1), date(2026, 6, 30)),
        (date(2025, 3, 15), date(2025, 9, 10)),  # mid-month at both ends, a payment on the last day
        (date(2025, 3, 31), date(2025, 3, 31)),  # one day: a month's end, its charge only
        (date(2026, 10, 11), date(2026, 11, 30)),
    ],
)
def test_reconciliation_adds_up_to_the_kopiyka_for_any_period(db, app, acme, start, end):
    with app.test_request_context():
        for contract in acme.contracts:
            contract.starts_on = date(2024, 1, 1)
            c = _ledger_check(db, contract, start, end)
            # The opening balance and the closing balance are the ledger's at those days.
            charged_before = db.session.scalar(
                select(func.coalesce(func.sum(CompanyCharge.amount), 0)).where(
                    CompanyCharge.contract_id == contract.id, CompanyCharge.month < date(start.year, start.month, 1)
                )
            )
            paid_before = db.session.scalar(
                select(func.coalesce(func.sum(CompanyPayment.amount), 0)).where(
                    CompanyPayment.contract_id == contract.id,
                    CompanyPayment.status == PaymentStatus.paid,
                    CompanyPayment.paid_at < datetime.combine(start, datetime.min.time()),
                )
            )
            assert c["opening_balance"] == charged_before - paid_before
            if end >= date(2026, 10, 31):
                db.session.refresh(contract)
                assert c["closing_balance"] == contract.balance > 0
    if end >= date(2026, 10, 31):
        assert sum(documents.balance_at(c.id, end) for c in acme.contracts) == company_balance(acme.company.id)


def test_reconciliation_page_lists_charges_with_their_documents_and_payments(admin, acme):
    contract = acme.contracts[0]
    response = admin.get(url(contract, "reconciliation?from=2026-01-01&to=2026-10-31"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "З-1234/25-E-1" in html
    assert "А-1234/25-E-202601" in html and "Р-1234/25-E-202601" in html
    assert "bank-" in html  # the payments' references
    assert form_problems(html) == []
    text = pdf_text(admin.get(url(contract, "reconciliation.pdf?from=2026-01-01&to=2026-10-31")))
    assert "З-1234/25-E-1" in text and "Сальдо на кінець" in text
    # The same period again: the same act; another period: the next number.
    assert "З-1234/25-E-1" in admin.get(url(contract, "reconciliation?from=2026-01-01&to=2026-10-31")).get_data(
        as_text=True
    )
    assert "З-1234/25-E-2" in admin.get(url(contract, "reconciliation?from=2026-02-01&to=2026-10-31")).get_data(
        as_text=True
    )
    english = admin.get(url(contract, "reconciliation?from=2026-01-01&to=2026-10-31&lang=en")).get_data(as_text=True)
    assert "Opening balance" in english and "Closing balance" in english


def test_reconciliation_without_a_period_shows_the_form_with_the_year_so_far(db, admin, acme):
    contract = acme.contracts[0]
    html = admin.get(url(contract, "reconciliation")).get_data(as_text=True)
    today = date.today()
    assert f'value="{date(today.year, 1, 1).isoformat()}"' in html or f'value="{contract.starts_on}"' in html
    assert form_problems(html) == []
    assert db.session.scalar(select(func.count()).select_from(CompanyDocument)) == 0


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2026-13-01&to=2026-10-31", "reconciliation-from", "РРРР-ММ-ДД"),
        ("from=2026-01-01&to=31.10.2026", "reconciliation-to", "РРРР-ММ-ДД"),
        ("from=2026-05-01&to=2026-04-30", "reconciliation-to", "раніше"),
        ("from=2026-01-01&to=2099-01-01", "reconciliation-to", "майбутньому"),
        ("from=2020-01-01&to=2026-01-01", "reconciliation-from", "договору"),
        ("from=&to=2026-01-01", "reconciliation-from", "Введіть дату"),
    ],
)
def test_a_bad_period_is_said_next_to_its_field_and_the_pdf_does_not_fail(admin, acme, query, field, message):
    contract = acme.contracts[0]
    response = admin.get(url(contract, f"reconciliation?{query}"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert form_problems(html) == []
    pdf = admin.get(url(contract, f"reconciliation.pdf?{query}"))
    assert pdf.status_code == 422 and pdf.mimetype == "text/html" and message in pdf.get_data(as_text=True)


def test_the_pdf_without_a_period_asks_for_one(admin, acme):
    response = admin.get(url(acme.contracts[0], "reconciliation.pdf"))
    assert response.status_code == 422 and "Введіть дату" in response.get_data(as_text=True)


def test_a_period_typed_wrong_is_kept_in_the_form(admin, acme):
    html = admin.get(url(acme.contracts[0], "reconciliation?from=2026-02-30&to=2026-10-31")).get_data(as_text=True)
    assert 'value="2026-02-30"' in html and 'value="2026-10-31"' in html


# ---- who may see what --------------------------------------------------------------------------------


ROUTES = [
    "invoices/2026-10",
    "invoices/2026-10.pdf",
    "acts/2026-10",
    "acts/2026-10.pdf",
    "reconciliation?from=2026-01-01&to=2026-10-31",
    "reconciliation.pdf?from=2026-01-01&to=2026-10-31",
]


@pytest.mark.parametrize("route", ROUTES)
def test_another_companys_contract_is_not_found(acme, rival, auth, route):
    auth.login("rival_admin")
    assert auth.client.get(url(acme.contracts[0], route)).status_code == 404
    assert auth.client.get(url(rival.contracts[0], route.replace("2026-01-01", "2026-09-01"))).status_code in (
        200,
        404,
    )


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("role", "status"), [(CompanyRole.viewer, 403), (CompanyRole.accountant, 200)])
def test_a_viewer_may_not_and_an_accountant_may(acme, member, auth, route, role, status):
    member(acme.company, "someone", role)
    auth.login("someone")
    assert auth.client.get(url(acme.contracts[0], route)).status_code == status


@pytest.mark.parametrize("route", ROUTES[:4])
def test_a_month_without_charges_or_a_malformed_one_is_not_found(admin, acme, route):
    for month in ("2026-11", "2023-01", "2026-1", "2026-13", "abc"):
        assert admin.get(url(acme.contracts[0], route.replace("2026-10", month))).status_code == 404


def test_logged_out_goes_to_the_login(client, acme):
    response = client.get(url(acme.contracts[0], "invoices/2026-10"))
    assert response.status_code in (302, 303) and "/login" in response.location


# ---- the contract page's partial ---------------------------------------------------------------------


def _partial(app, user, role_member, contract) -> str:
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/company/cabinet"):
        login_user(user)
        months = [f"{m:%Y-%m}" for m in documents.charge_months(contract.id)]
        return render_template("company/_documents.html", contract=contract, member=role_member, months=months)


def test_the_partial_links_every_month_and_the_period_form(app, db, acme):
    from vez.models import CompanyMember

    admin_member = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == acme.admin.id))
    html = _partial(app, acme.admin, admin_member, acme.contracts[0])
    contract_id = acme.contracts[0].id
    assert f"/company/contracts/{contract_id}/invoices/2026-10.pdf" in html
    assert f"/company/contracts/{contract_id}/acts/2024-11" in html
    assert html.index("2026-10") < html.index("2026-09")  # newest first
    assert f'action="/company/contracts/{contract_id}/reconciliation"' in html
    assert form_problems(html) == []


def test_the_partial_says_only_a_note_to_a_viewer(app, db, acme, member):
    from vez.models import CompanyMember

    user = member(acme.company, "looker", CompanyRole.viewer)
    viewer = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == user.id))
    html = _partial(app, user, viewer, acme.contracts[0])
    assert "/invoices/" not in html and "<form" not in html
    assert "адміністратор" in html


def test_period_defaults_are_the_year_so_far_from_the_contracts_start():
    class Contract:
        starts_on = date(2026, 3, 5)

    assert documents.default_period(Contract, date(2026, 12, 3)) == (date(2026, 3, 5), date(2026, 12, 3))
    assert documents.default_period(Contract, date(2027, 2, 1)) == (date(2027, 1, 1), date(2027, 2, 1))
    assert documents.check_period(Contract, date(2026, 3, 4), date(2026, 4, 1), date(2026, 12, 3)).reason == (
        "before_contract"
    )
    assert documents.check_period(Contract, date(2026, 4, 1), date(2026, 4, 1), date(2026, 12, 3)) is None
    assert documents.check_period(Contract, date(2026, 4, 1), date(2026, 12, 4), date(2026, 12, 3)).field == "to"


def test_a_pdf_is_named_in_ascii_whatever_the_contract_number(
    db, auth, make_company, make_contract, make_point, company_charge, member
):
    company = make_company("14360570", name="Ліцей № 1")
    contract = make_contract(company, "Д-15/26")
    point = make_point(contract, 901)
    company_charge(point, date(2026, 10, 1), "100", "4.32")
    member(company, "lyceum")
    auth.login("lyceum")
    response = auth.client.get(url(contract, "invoices/2026-10.pdf"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'inline; filename="invoice-_-15_26-2026-10.pdf"'
    assert "Р-Д-15/26-202610" in pdf_text(response)


def test_with_htmx_the_period_swaps_only_the_act_in(admin, acme):
    contract = acme.contracts[0]
    headers = {"HX-Request": "true"}
    response = admin.get(url(contract, "reconciliation?from=2026-03-15&to=2026-09-10"), headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<div id="reconciliation-{contract.id}">')
    assert "<html" not in html and "З-1234/25-E-1" in html
    bad = admin.get(url(contract, "reconciliation?from=2026-03-15&to=2026-03-01"), headers=headers)
    assert bad.status_code == 422 and 'id="reconciliation-to-error"' in bad.get_data(as_text=True)


def test_reconciliation_pdf_in_english_names_the_balances(admin, acme):
    text = pdf_text(admin.get(url(acme.contracts[1], "reconciliation.pdf?from=2025-03-15&to=2025-09-05&lang=en")))
    assert "Reconciliation act No. З-1235/25-E-1" in text
    assert "Opening balance" in text and "Closing balance" in text and "the buyer owes the supplier" in text
