"""Bills as PDF, certificates of no debt with their public check page, and the CSV export."""

import csv
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from vez import nbu_qr
from vez.models import AuditEvent, Certificate


def pdf_text(response) -> str:
    assert response.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_bill_pdf_holds_the_account_amount_and_ukrainian_text(app, logged_in):
    response = logged_in.get("/cabinet/accounts/529471247/bills/2026-10.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response).split())
    assert "529471247" in text
    assert "432,00" in text
    assert "Рахунок № 529471247-202610" in text and "До сплати" in text and "Сплатити до" in text
    assert "Петренко Степан Іванович" in text and "Любешів" in text
    assert app.config["SUPPLIER_IBAN"] in text and app.config["SUPPLIER_EDRPOU"] in text
    assert "Оплата за електроенергію за жовтень 2026, о/р 529471247" in text


def test_bill_pdf_in_english(logged_in):
    text = pdf_text(logged_in.get("/cabinet/accounts/529471247/bills/2026-10.pdf?lang=en"))
    assert "Amount due" in text and "Bill No. 529471247-202610" in text


def test_bill_qr_payload_names_the_iban_the_amount_due_and_the_account(app, logged_in):
    html = logged_in.get("/cabinet/accounts/529471247/bills/2026-10").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html
    from datetime import date

    from vez.cabinet.documents import bill_view
    from vez.cabinet.queries import account_of

    view = bill_view(account_of(1, "529471247"), date(2026, 10, 1), date(2026, 11, 1))
    fields = nbu_qr.decode(view.qr_url)
    assert fields[:5] == ["BCD", "002", "2", "UCT", ""]
    assert fields[6] == app.config["SUPPLIER_IBAN"]
    assert fields[7] == "UAH432"
    assert fields[8] == app.config["SUPPLIER_EDRPOU"]
    assert "529471247" in fields[11] and len(fields[11]) <= 140


def test_overpaid_bill_leaves_the_qr_amount_empty(app, logged_in):
    from datetime import date

    from vez.cabinet.documents import bill_view
    from vez.cabinet.queries import account_of

    view = bill_view(account_of(1, "912345678"), date(2026, 10, 1), date(2026, 11, 1))
    assert nbu_qr.decode(view.qr_url)[7] == ""


def _issue(client, number):
    page = client.get(f"/cabinet/accounts/{number}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(f"/cabinet/accounts/{number}/certificates", data={"csrf_token": token})


def test_certificate_of_no_debt_is_a_pdf_with_a_code_the_public_page_confirms(app, db, client, logged_in):
    response = _issue(logged_in, "912345678")
    assert response.status_code == 303
    pdf = logged_in.get(response.location)
    text = pdf_text(pdf)
    certificate = db.session.scalar(select(Certificate))
    pretty = "-".join(certificate.code[i : i + 4] for i in range(0, 12, 4))
    assert "Довідка про відсутність заборгованості" in text and "912345678" in text and pretty in text
    assert "140,26" in text.replace("\u202f", " ").replace("\u00a0", " ")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cabinet.certificate"))
    anonymous = app.test_client()
    check = anonymous.get(f"/cabinet/certificates/check?code={pretty.lower()}").get_data(as_text=True)
    assert "Довідка справжня" in check and "912345678" in check
    wrong = anonymous.get("/cabinet/certificates/check?code=AAAA-BBBB-CCCC").get_data(as_text=True)
    assert "Довідки з таким кодом немає" in wrong


def test_account_in_debt_is_offered_no_certificate(db, logged_in):
    page = logged_in.get("/cabinet/accounts/529471247").get_data(as_text=True)
    assert "/cabinet/accounts/529471247/certificates" not in page
    response = _issue_with_any_token(logged_in)
    assert response.status_code == 303
    assert db.session.scalar(select(Certificate)) is None


def _issue_with_any_token(client):
    page = client.get("/cabinet/accounts/912345678").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/cabinet/accounts/529471247/certificates", data={"csrf_token": token})


def export(client, lang):
    response = client.get(f"/cabinet/accounts/529471247/export.csv?lang={lang}")
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # a spreadsheet reads it as UTF-8
    return body.removeprefix("\ufeff")


def test_the_ukrainian_csv_is_for_a_spreadsheet_set_to_ukrainian(logged_in):
    """Issue 12 finding 12: `;` between cells, decimal commas, Ukrainian units, labels and column names."""
    body = export(logged_in, "uk")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0] == [
        "Запис",
        "Особовий рахунок",
        "Місяць або дата",
        "Обсяг",
        "Одиниця",
        "Тариф, грн",
        "Показання на початок",
        "Показання на кінець",
        "Сума, грн",
        "Канал",
        "Стан",
    ]
    assert {len(row) for row in rows} == {11}
    charges = [r for r in rows[1:] if r[0] == "нарахування"]
    payments = [r for r in rows[1:] if r[0] == "оплата"]
    assert len(charges) == 4 and len(payments) == 4
    september = ["нарахування", "529471247", "2026-09", "120", "кВт·год", "4,32", "1100", "1220", "518,40", "", ""]
    assert september in charges
    # 18:00 UTC is 20:00 in Kyiv, as the cabinet shows it
    assert ["оплата", "529471247", "2026-10-30 20:00", "", "", "", "", "", "100,00", "онлайн", "в дорозі"] in payments
    assert "kWh" not in body and "online" not in body


def test_the_english_csv_keeps_commas_and_points(logged_in):
    body = export(logged_in, "en")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Record", "Personal account", "Month or date"] and rows[0][-2:] == ["Channel", "State"]
    assert ["charge", "529471247", "2026-09", "120", "kWh", "4.32", "1100", "1220", "518.40", "", ""] in rows
    assert ["payment", "529471247", "2026-10-30 20:00", "", "", "", "", "", "100.00", "online", "in transit"] in rows
    assert ";" not in body


@pytest.mark.parametrize(("lang", "delimiter", "unit"), [("uk", ";", "м³"), ("en", ",", "m³")])
def test_a_gas_account_s_csv_names_its_unit_in_the_language(logged_in, lang, delimiter, unit):
    """The charges store `m3`; the file says м³ (Ukrainian) or m³, as the company contract's export does."""
    body = logged_in.get(f"/cabinet/accounts/912345678/export.csv?lang={lang}").get_data(as_text=True)
    charges = [row for row in csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=delimiter)][1:]
    assert charges and charges[0][4] == unit and "m3" not in body


def test_a_negative_number_stays_a_number_and_a_formula_does_not():
    from vez.cabinet.export import _cell

    assert _cell("-12,30") == "-12,30" and _cell("-12.30") == "-12.30" and _cell("-5") == "-5"
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("-1+1") == "'-1+1" and _cell("-inf") == "'-inf"
