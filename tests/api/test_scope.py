"""Never another's data through the API (docs/security.md 29): every API route with another login's account, and
an account outside a some-accounts token, is the same 404 as an unknown one."""

from __future__ import annotations

import pytest

from vez.identity import api_tokens


def api_rules(app):
    """Every API route that takes an object id: enumerated from the URL map, so new routes are covered."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.") and rule.arguments]


def test_E29_every_api_route_refuses_another_logins_account_with_404(app, api, ivan_secret, petro):
    _user, account, _payment, _online, _certificate = petro
    values = {"number": account.number, "month": "2026-10"}  # B's account and B's bill's month
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
    assert sorted(checked) == ["api.account", "api.bill_pdf", "api.bills", "api.months", "api.payments"]


def test_E29_another_logins_account_and_an_unknown_one_answer_alike(api, ivan_secret, petro):
    theirs = api("/api/v1/accounts/531111111", ivan_secret)
    unknown = api("/api/v1/accounts/599999999", ivan_secret)
    malformed = api("/api/v1/accounts/abc", ivan_secret)
    assert theirs.status_code == unknown.status_code == malformed.status_code == 404
    assert theirs.get_data() == unknown.get_data() == malformed.get_data()


def test_E29_the_same_routes_open_for_the_owner(app, api, ivan_secret):
    """The control for the matrix: with the token's own account every route answers."""
    for rule in api_rules(app):
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
