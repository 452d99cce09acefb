"""A token made by a company's administrator with that company reads its contracts and their monthly charges."""

from __future__ import annotations

import pytest

from tests.api.conftest import conforms
from tests.business.conftest import (  # noqa: F401 (the business side's factories and its small company)
    company_charge,
    company_pay,
    make_company,
    make_contract,
    make_point,
    member,
    rival,
)
from vez.identity import api_tokens
from vez.models import CompanyMember, CompanyRole


@pytest.fixture
def company_token(db, rival):  # noqa: F811 (the imported fixture, asked for by name)
    made = api_tokens.create(rival.admin, "Бухгалтерія", 90, account_ids=None, company_ids=(rival.company.id,), ip=None)
    db.session.commit()
    return made.secret


def test_the_contracts_list_has_balance_and_points(api, rival, company_token):  # noqa: F811
    data = api("/api/v1/contracts", company_token).get_json()
    conforms("ContractList", data)
    (contract,) = data["contracts"]
    assert contract["number"] == "7777/25-E" and contract["company"]["code"] == rival.company.code
    assert (contract["currency"], contract["balance"], contract["amount_due"]) == ("UAH", "1339.20", "1339.20")
    assert contract["last_month"] == "2026-10"
    assert [p["eic"] for p in contract["points"]] == [rival.points[0].eic]
    assert contract["links"]["months"].endswith(f"/api/v1/contracts/{rival.contracts[0].id}/months")


def test_a_contracts_months_are_its_points_charges_newest_first(api, rival, company_token):  # noqa: F811
    data = api(f"/api/v1/contracts/{rival.contracts[0].id}/months", company_token).get_json()
    conforms("ContractMonthPage", data)
    assert [m["month"] for m in data["months"]] == ["2026-10", "2026-09"]
    october = data["months"][0]
    assert october["charged"] == "1339.20"
    assert october["points"][0] | {"readings": None} == {
        "eic": rival.points[0].eic,
        "volume": "310.000",
        "unit": "kWh",
        "tariff": "4.320",
        "charged": "1339.20",
        "readings": None,
    }
    paged = api(f"/api/v1/contracts/{rival.contracts[0].id}/months?limit=1", company_token).get_json()
    assert [m["month"] for m in paged["months"]] == ["2026-10"] and paged["next"]


def test_a_token_without_the_company_reads_no_contract(api, db, rival):  # noqa: F811
    """Company access is chosen when the token is made: a token of the same administrator without it reads none."""
    secret = api_tokens.create(rival.admin, "Дім", 30, account_ids=None, ip=None).secret
    db.session.commit()
    assert api("/api/v1/contracts", secret).get_json() == {"contracts": []}
    assert api(f"/api/v1/contracts/{rival.contracts[0].id}/months", secret).status_code == 404


def test_a_former_administrator_reads_no_contract(api, db, rival, company_token):  # noqa: F811
    """Read on every request: once the login is no longer the company's administrator, its token reads nothing."""
    db.session.query(CompanyMember).filter_by(user_id=rival.admin.id).update({"role": CompanyRole.viewer})
    db.session.commit()
    assert api("/api/v1/contracts", company_token).get_json() == {"contracts": []}
    assert api(f"/api/v1/contracts/{rival.contracts[0].id}/months", company_token).status_code == 404


def test_another_companys_contract_is_404(api, db, rival, company_token, make_company, make_contract, make_point):  # noqa: F811
    other = make_contract(make_company("40075815", name="ТОВ Інша"), "8888/25-E")
    make_point(other, 88)
    for contract_id in (other.id, 999999):
        response = api(f"/api/v1/contracts/{contract_id}/months", company_token)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
