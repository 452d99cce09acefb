"""What the API says about accounts, months, bills and payments, in the formats docs/api.md promises."""

from __future__ import annotations

import re

from tests.api.conftest import conforms

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def test_the_account_list_has_balance_amount_due_due_date_tariff_and_autopay(api, ivan_secret):
    data = api("/api/v1/accounts", ivan_secret).get_json()
    conforms("AccountList", data)
    power, gas = data["accounts"]
    assert power["number"] == "529471247" and power["service"] == "electricity"
    assert power["subdivision"] == {"code": "108", "name": "Любешівська філія"}
    assert power["address"] == "смт Любешів, вул. Волі, 5"
    assert (power["currency"], power["balance"], power["amount_due"]) == ("UAH", "432.00", "432.00")
    assert (power["due_date"], power["last_bill"]) == ("2026-11-20", "2026-10")
    assert (power["tariff"], power["unit"], power["autopay"]) == ("4.320", "kWh", False)
    assert power["links"]["bills"].endswith("/api/v1/accounts/529471247/bills")
    # Overpaid: a negative balance, nothing due and so no due date.
    assert (gas["balance"], gas["amount_due"], gas["due_date"]) == ("-140.26", "0.00", None)
    assert (gas["tariff"], gas["unit"]) == ("7.987", "m3")


def test_one_account_says_what_the_list_says(api, ivan_secret):
    listed = api("/api/v1/accounts", ivan_secret).get_json()["accounts"][1]
    one = api("/api/v1/accounts/912345678", ivan_secret).get_json()
    conforms("Account", one)
    assert one == listed


def test_autopay_shows_on_with_a_saved_card(api, db, ivan, ivan_secret):
    from vez.models import Autopay

    db.session.add(Autopay(account_id=ivan[1].id, user_id=ivan[0].id, max_amount=100000, consent_version="1"))
    db.session.commit()
    assert api("/api/v1/accounts/529471247", ivan_secret).get_json()["autopay"] is False  # no card saved yet
    db.session.query(Autopay).update({"card_token": "tok", "card_mask": "4242"})
    db.session.commit()
    assert api("/api/v1/accounts/529471247", ivan_secret).get_json()["autopay"] is True


def test_months_newest_first_with_volume_tariff_charged_paid_closing_and_readings(api, ivan_secret):
    data = api("/api/v1/accounts/529471247/months", ivan_secret).get_json()
    conforms("MonthPage", data)
    assert [m["month"] for m in data["months"]] == ["2026-10", "2026-09", "2026-08", "2025-10"]
    september = data["months"][1]
    assert september == {
        "month": "2026-09",
        "volume": "120.000",
        "unit": "kWh",
        "tariff": "4.320",
        "currency": "UAH",
        "charged": "518.40",
        "paid": "432.00",
        "closing_balance": "518.40",
        "readings": {"start": "1100.000", "end": "1220.000"},
    }
    assert data["next"] is None


def test_a_month_without_its_bill_yet_has_no_paid_or_closing_balance(api, db, ivan, make_charge, ivan_secret):
    from datetime import date

    make_charge(ivan[1], date(2026, 11, 1), 21600, volume="50")
    first = api("/api/v1/accounts/529471247/months", ivan_secret).get_json()["months"][0]
    assert (first["month"], first["charged"], first["paid"], first["closing_balance"]) == (
        "2026-11",
        "216.00",
        None,
        None,
    )


def test_bills_newest_first_with_their_pdf_link(api, ivan_secret):
    data = api("/api/v1/accounts/529471247/bills", ivan_secret).get_json()
    conforms("BillPage", data)
    newest = data["bills"][0]
    assert newest["month"] == "2026-10" and newest["number"] == "529471247-202610"
    assert (newest["opening_balance"], newest["charged"], newest["paid"]) == ("518.40", "432.00", "518.40")
    assert (newest["closing_balance"], newest["amount_due"], newest["due_date"]) == ("432.00", "432.00", "2026-11-20")
    assert newest["pdf"].endswith("/api/v1/accounts/529471247/bills/2026-10.pdf")


def test_the_bills_pdf_link_opens_with_the_same_token(api, ivan_secret):
    link = api("/api/v1/accounts/529471247/bills", ivan_secret).get_json()["bills"][0]["pdf"]
    response = api(link.partition("cabinet.test")[2], ivan_secret)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == 'inline; filename="bill-529471247-2026-10.pdf"'
    assert api(link.partition("cabinet.test")[2]).status_code == 401


def test_the_pdf_is_the_cabinets_own(api, auth, client, ivan_secret):
    """The same document code: the text of the cabinet's PDF and the API's PDF is the same."""
    from io import BytesIO

    from pypdf import PdfReader

    auth.login()
    cabinet = client.get("/cabinet/accounts/529471247/bills/2026-10.pdf?lang=uk").get_data()
    ours = api("/api/v1/accounts/529471247/bills/2026-10.pdf?lang=uk", ivan_secret).get_data()

    def text(data: bytes) -> str:
        return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)

    assert text(ours) == text(cabinet) and "529471247" in text(ours)


def test_a_bill_month_that_is_not_one_is_404(api, ivan_secret):
    for month in ("2026-1", "2026-13", "2026-09-01", "x", "2031-01"):
        assert api(f"/api/v1/accounts/529471247/bills/{month}.pdf", ivan_secret).status_code == 404, month


def test_payments_newest_first_with_their_states(api, ivan_secret):
    data = api("/api/v1/accounts/529471247/payments", ivan_secret).get_json()
    conforms("PaymentPage", data)
    rows = [(p["at"], p["amount"], p["status"], p["source"]) for p in data["payments"]]
    assert rows == [
        ("2026-10-30T18:00:00Z", "100.00", "pending", "online"),
        ("2026-10-12T14:00:00Z", "518.40", "paid", "online"),
        ("2026-09-10T09:30:00Z", "432.00", "paid", "bank"),
        ("2025-11-05T10:00:00Z", "380.16", "paid", "bank"),
    ]
    assert all(ISO_UTC.match(p["at"]) for p in data["payments"])


def test_an_order_only_shown_at_the_checkout_is_not_a_payment(api, ivan, pay, ivan_secret):
    from datetime import datetime

    from vez.models import PaymentSource, PaymentStatus

    pay(ivan[1], 7000, datetime(2026, 11, 2, 8), source=PaymentSource.online, status=PaymentStatus.created)
    statuses = [p["status"] for p in api("/api/v1/accounts/529471247/payments", ivan_secret).get_json()["payments"]]
    assert "created" not in statuses and len(statuses) == 4


def test_answers_are_json_private_and_not_cookies(api, ivan_secret):
    response = api("/api/v1/accounts", ivan_secret)
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Authorization" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
