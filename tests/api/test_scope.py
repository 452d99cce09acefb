"""Never another's data through the API (docs/security.md 29): every API route with another login's account, and
an account outside a some-accounts token, is the same 404 as an unknown one."""

from __future__ import annotations

from datetime import date

import pytest

from vez.identity import api_tokens


def api_rules(app):
    """Every API route that takes an object id: enumerated from the URL map, so new routes are covered."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.") and rule.arguments]


@pytest.fixture
def petros_contract(db, petro):
    """A contract of a company that B administers."""
    from vez.models import (
        BranchKind,
        Company,
        CompanyKind,
        CompanyMember,
        CompanyRole,
        Contract,
        PaymentForm,
        Service,
        Subdivision,
    )

    sub = Subdivision(code="101", service=Service.electricity, name_uk="Луцька", name_en="Lutsk", kind=BranchKind.city)
    company = Company(code="32855961", kind=CompanyKind.legal, name="ТОВ Петро", address="м. Ковель")
    db.session.add_all([sub, company])
    db.session.flush()
    contract = Contract(
        company_id=company.id,
        number="P-1/26-E",
        service=Service.electricity,
        subdivision_id=sub.id,
        starts_on=date(2025, 1, 1),
        payment_form=PaymentForm.actual,
    )
    db.session.add(contract)
    db.session.add(CompanyMember(company_id=company.id, user_id=petro[0].id, role=CompanyRole.admin, full_name="Б"))
    db.session.commit()
    return contract


def test_E29_every_api_route_refuses_another_logins_account_with_404(app, api, ivan_secret, petro, petros_contract):
    _user, account, _payment, _online, _certificate = petro
    # B's account, B's bill's month, B's company's contract
    values = {"number": account.number, "month": "2026-10", "contract_id": petros_contract.id}
    checked = []
    for rule in api_rules(app):
        missing = rule.arguments - values.keys()
        assert not missing, f"{rule.rule}: add a value of B's for {missing}"
        path = rule.build(values, append_unknown=False)[1]
        for method in ("GET", "HEAD"):
            response = api(path, ivan_secret, method=method)
            assert response.status_code == 404, f"{method} {path} answered {response.status_code}"
        assert api(path, ivan_secret).mimetype == "application/problem+json"
        checked.append(rule.endpoint)
    assert sorted(checked) == [
        "api.account",
        "api.bill_pdf",
        "api.bills",
        "api.contract_months",
        "api.months",
        "api.payments",
    ]


def test_E29_another_logins_account_and_an_unknown_one_answer_alike(api, ivan_secret, petro):
    theirs = api("/api/v1/accounts/531111111", ivan_secret)
    unknown = api("/api/v1/accounts/599999999", ivan_secret)
    malformed = api("/api/v1/accounts/abc", ivan_secret)
    assert theirs.status_code == unknown.status_code == malformed.status_code == 404
    assert theirs.get_data() == unknown.get_data() == malformed.get_data()


def test_E29_the_same_routes_open_for_the_owner(app, api, ivan_secret):
    """The control for the matrix: with the token's own account every account route answers (the contracts'
    control is tests/api/test_contracts.py)."""
    for rule in api_rules(app):
        if not rule.arguments <= {"number", "month"}:
            continue
        path = rule.build({"number": "529471247", "month": "2026-10"}, append_unknown=False)[1]
        assert api(path, ivan_secret).status_code == 200, path


@pytest.fixture
def power_only(ivan, make_token):
    """A token of ivan's for the electricity account only."""
    return make_token(ivan[0], accounts=[ivan[1].id])


def test_a_some_accounts_token_lists_only_its_accounts(api, power_only):
    assert [a["number"] for a in api("/api/v1/accounts", power_only).get_json()["accounts"]] == ["529471247"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/912345678",
        "/api/v1/accounts/912345678/months",
        "/api/v1/accounts/912345678/bills",
        "/api/v1/accounts/912345678/bills/2026-10.pdf",
        "/api/v1/accounts/912345678/payments",
    ],
)
def test_an_own_account_outside_the_tokens_scope_is_404(api, power_only, path):
    assert api(path, power_only).status_code == 404


def test_an_account_the_login_no_longer_holds_is_out_of_every_token(api, db, ivan, ivan_secret):
    """The scope is read on every request: a released account leaves an all-accounts token at once."""
    from vez.models import UserAccount

    db.session.query(UserAccount).filter_by(account_id=ivan[2].id).delete()
    db.session.commit()
    assert api("/api/v1/accounts/912345678", ivan_secret).status_code == 404
    assert [a["number"] for a in api("/api/v1/accounts", ivan_secret).get_json()["accounts"]] == ["529471247"]


def test_a_token_reads_nothing_of_another_login_with_the_same_scope_rows(db, ivan, petro, make_token):
    """Scope rows are joined to the login's own accounts: a forged row for B's account reads nothing."""
    from vez.models import ApiToken, ApiTokenAccount

    secret = make_token(ivan[0], accounts=[ivan[1].id])
    token = db.session.query(ApiToken).filter_by(digest=api_tokens.digest(secret)).one()
    db.session.add(ApiTokenAccount(token_id=token.id, account_id=petro[1].id))
    db.session.commit()
    assert api_tokens.readable_account_ids(token) == [ivan[1].id]
