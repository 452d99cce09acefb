"""The company cabinet (docs/companies.md, "The company cabinet"): the balance, every contract with its points,
a contract's charges by month and by point, the 12-month chart per point, payments, requisites, CSV; scoped to
the login's companies and roles."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from tests.business.conftest import months_back
from tests.conftest import csrf_token
from vez.models import CompanyRole
from vez.money import format_money


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_cabinet_shows_the_balance_and_every_contract_with_its_points(app, client, auth, acme):
    auth.login("acme_admin")
    html = page(client, "/company/cabinet")
    total = sum(c.balance for c in acme.contracts)
    with app.test_request_context():
        assert format_money(total) in html
        for contract in acme.contracts:
            assert format_money(contract.balance) in html
    for contract in acme.contracts:
        assert contract.number in html and f"/company/contracts/{contract.id}" in html
    for point in acme.points:
        assert point.eic in html and point.address in html and point.meter_number in html
    assert "жовтень 2026" in html  # the last month charged
    assert "планові платежі" in html.lower() or "planned" in html.lower()


def test_the_contract_page_has_charges_by_month_and_point_payments_chart_and_requisites(app, client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    html = page(client, f"/company/contracts/{contract.id}")
    first, second = acme.points[0], acme.points[1]
    # October 2026 is index 23: 1230 and 630 kWh at 4.32 (the fixture's numbers)
    with app.test_request_context():
        assert format_money(531360 + 272160) in html  # the month's total
        assert format_money(531360) in html and format_money(272160) in html  # each point's
    assert first.eic in html and second.eic in html
    assert acme.points[2].eic not in html  # the other contract's point
    assert html.count('<svg class="chart"') == 2  # one chart per point
    assert f'id="chart-{first.id}"' in html and f'aria-labelledby="chart-{first.id}"' in html
    assert "4,32" in html  # the tariff
    assert "Оплата за ел. енергію зг. дог. 1234/25-E" in html  # a payment's purpose
    assert app.config["SUPPLIER_IBAN"] in html  # the requisites of the household bill


def test_the_chart_table_lists_twelve_months_per_point(client, auth, acme):
    auth.login("acme_admin")
    html = page(client, f"/company/contracts/{acme.contracts[1].id}")
    table = html.split(f'id="table-{acme.points[2].id}"')[1].split("</table>")[0]
    assert table.count('<th scope="row">') == 12
    assert "листопад 2025" in table and "жовтень 2026" in table and "жовтень 2025" not in table


def test_the_csv_has_a_row_per_point_and_month_and_per_payment(client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    response = client.get(f"/company/contracts/{contract.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert (
        "attachment" in response.headers["Content-Disposition"]
        and "1234-25-E" in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    charges = [r for r in rows[1:] if r[0] == "нарахування"]
    payments = [r for r in rows[1:] if r[0] == "оплата"]
    assert len(charges) == 24 * 2 and len(payments) == 23
    last = [r for r in charges if r[3] == "2026-10" and r[2] == acme.points[0].eic][0]
    assert last[4] == "1230" and last[6] == "4,32" and last[9] == "5313,60"


def test_a_viewer_sees_the_cabinet_the_contract_and_the_csv(client, auth, acme, member):
    member(acme.company, "olha", CompanyRole.viewer)
    auth.login("olha")
    contract = acme.contracts[0]
    page(client, "/company/cabinet")
    html = page(client, f"/company/contracts/{contract.id}")
    assert f"/company/contracts/{contract.id}/pay" not in html  # a viewer may not pay
    assert client.get(f"/company/contracts/{contract.id}/export.csv").status_code == 200


def test_another_companys_contract_and_csv_answer_404(client, auth, acme, rival):
    auth.login("acme_admin")
    theirs = rival.contracts[0].id
    assert client.get(f"/company/contracts/{theirs}").status_code == 404
    assert client.get(f"/company/contracts/{theirs}/export.csv").status_code == 404
    assert client.get("/company/contracts/999999").status_code == 404


def test_a_login_without_a_company_is_sent_to_the_no_company_page(client, auth, make_user):
    make_user("ivan")
    auth.login("ivan")
    response = client.get("/company/cabinet")
    assert response.status_code == 302 and response.headers["Location"].endswith("/company/no-company")
    html = page(client, "/company/no-company")
    assert "не належить жодній компанії" in html
    assert 'href="/cabinet"' in html
    assert "/company/cabinet" not in html.split("<main")[1]


def test_the_no_company_page_needs_a_login(client):
    response = client.get("/company/no-company")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_login_with_a_company_and_accounts_moves_between_both_cabinets(client, auth, acme, member, make_account):
    member(acme.company, "both", CompanyRole.accountant, accounts=[make_account()])
    auth.login("both")
    html = page(client, "/cabinet")
    assert html.count('href="/company/cabinet"') == 2  # the header and the household cabinet
    html = page(client, "/company/cabinet")
    assert 'href="/cabinet"' in html


def test_a_company_only_login_is_sent_from_the_household_cabinet_to_the_company_one(client, auth, acme):
    auth.login("acme_admin")
    response = client.get("/cabinet")
    assert response.status_code in (302, 303) and response.location.endswith("/company/cabinet")
    html = page(client, "/company/cabinet")
    assert 'href="/company/cabinet"' in html  # the header
    assert "To the household cabinet" not in html and "До побутового кабінету" not in html


# ---- the matrix: every route of the cabinet and of paying, for every role and for another company ----------

VIEW = ("/company/contracts/{c}", "/company/contracts/{c}/export.csv")
PAY = ("/company/contracts/{c}/pay",)
ORDER = ("/company/payments/{p}", "/company/payments/{p}/return")
ORDER_PAY = ("/company/payments/{p}/checkout",)


@pytest.mark.parametrize(
    ("role", "view", "pay"),
    [
        (CompanyRole.admin, 200, 200),
        (CompanyRole.accountant, 200, 200),
        (CompanyRole.viewer, 200, 403),
        (None, 404, 404),  # a member of another company only
    ],
    ids=["admin", "accountant", "viewer", "outsider"],
)
def test_every_route_answers_by_role_and_company(db, client, auth, acme, rival, member, role, view, pay):
    from vez.companies import paying
    from vez.payments import orders

    contract = acme.contracts[0]
    order = paying.create_order(
        user_id=acme.admin.id, contract=contract, amount=10_000, key=orders.new_key(), provider="sandbox", ip=None
    )
    db.session.commit()
    if role is None:
        auth.login("rival_admin")
    else:
        member(acme.company, "someone", role)
        auth.login("someone")
    for path in PAY + ORDER_PAY:
        assert client.get(path.format(c=contract.id, p=order.id)).status_code == pay, path
    for path in VIEW + ORDER:
        status = client.get(path.format(c=contract.id, p=order.id)).status_code
        assert status in ((view,) if view != 200 else (200, 303)), (path, status)
    token = csrf_token(client, "/")
    cancel = client.post(f"/company/payments/{order.id}/cancel", data={"csrf_token": token}).status_code
    assert cancel == (303 if pay == 200 else pay)


def test_the_number_of_statements_does_not_grow_with_contracts_points_or_months(
    app, db, client, auth, acme, make_contract, make_point, company_charge
):
    from tests.cabinet.test_query_counts import counting

    auth.login("acme_admin")
    contract = acme.contracts[0]
    path = f"/company/contracts/{contract.id}"  # read now: the rows below expire the test's objects
    client.get("/company/cabinet")  # warm: the login's first request loads what every request loads
    with counting(app) as small_cabinet:
        client.get("/company/cabinet")
    with counting(app) as small_contract:
        client.get(path)
    more = make_contract(acme.company, "1236/25-E")
    for serial in (10, 11, 12):
        point = make_point(more, serial)
        company_charge(point, date(2026, 10, 1), "100", "4.32")
    extra = make_point(contract, 13)
    for month in months_back(6):
        company_charge(extra, month, "50", "4.32")
    with counting(app) as big_cabinet:
        client.get("/company/cabinet")
    with counting(app) as big_contract:
        client.get(path)
    assert len(big_cabinet) == len(small_cabinet)
    assert len(big_contract) == len(small_contract)


def test_the_contract_page_reads_in_english(client, auth, acme):
    auth.login("acme_admin")
    html = page(client, f"/company/contracts/{acme.contracts[0].id}?lang=en")
    assert "Contract No. 1234/25-E" in html and "Charges by metering point" in html
    assert "Requisites for a bank transfer" in html and "by actual consumption" in html
