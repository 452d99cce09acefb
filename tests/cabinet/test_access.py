"""Never another's account (docs/security.md 29, 30, 33)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from vez.models import Payment, User

# Routes with an object id that belong to no login, so there is nothing of B's to refuse; each says why.
NOT_OWNED = {
    "static": "public files",
    "activation.confirm": "an activation token is the credential itself (registration's tests)",
    "activation.activate_login": "an activation token is the credential itself (registration's tests)",
    "activation.resend": "an activation token is the credential itself (registration's tests)",
    "recovery.new_password": "a reset token is the credential itself (docs/security.md 20)",
    "payments.callback": "<provider> names a gateway, not an object; the callback is signed (docs/security.md 38)",
    "paylinks.show": "a pay link's token is the credential itself, for one bill (tests/paylinks)",
    "paylinks.pay": "a pay link's token is the credential itself, for one bill (tests/paylinks)",
    "paylinks.checkout": "a pay link's order is reached through its token only (tests/paylinks)",
    "paylinks.order": "a pay link's order is reached through its token only (tests/paylinks)",
    "paylinks.came_back": "a pay link's order is reached through its token only (tests/paylinks)",
    "brand.manifest": "<language> names a language of the public web app manifest, not an object",
}
NOT_OWNED_PREFIXES = (
    "/admin",  # staff only: docs/security.md 31 covers them
    "/company",  # a company's objects belong to its members, not a login: tests/business/test_access_matrix.py
    "/api/",  # a bearer token's, never a session's (a cookie there is 401): tests/api/test_scope.py
)


def b_values(petro, token_of_b):
    """For each URL argument: a value that names one of B's objects."""
    _user, account, payment, online, certificate = petro
    return {
        "number": account.number,
        "month": "2026-10",
        "code": certificate.code,
        "payment_id": online.id,
        "id": online.id,
        "token": token_of_b,
        "letter_id": 1,  # the development outbox: must answer nothing with debug off
        "batch_id": batch_of(_user).id,
        "token_id": api_token_of(_user),
    }


def api_token_of(user) -> int:
    """An API access token B made (docs/api.md, "Tokens"): A may not revoke it."""
    from vez.extensions import db
    from vez.identity import api_tokens

    made = api_tokens.create(user, "B's sensor", 30, account_ids=None, ip=None)
    db.session.commit()
    return made.token.id


def batch_of(user):
    """A payment for several accounts that B started (docs/payments.md, "Several accounts in one payment")."""
    from vez.extensions import db
    from vez.models import PaymentBatch

    batch = PaymentBatch(reference="vez-b-petro", user_id=user.id, provider="sandbox", amount=5000)
    db.session.add(batch)
    db.session.commit()
    return batch


def object_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint in NOT_OWNED or rule.rule.startswith(NOT_OWNED_PREFIXES):
            continue
        yield rule


@pytest.fixture
def token_of_b(app, db, petro):
    from vez.identity.profile import email_change_token

    return email_change_token(petro[0], "new-petro@example.com")


def test_E29_every_route_with_an_object_id_refuses_another_logins_ids_with_404(app, db, logged_in, petro, token_of_b):
    """docs/security.md 29: enumerates app.url_map, so routes added later are covered by themselves."""
    values = b_values(petro, token_of_b)
    page = logged_in.get("/cabinet").get_data(as_text=True)
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    checked = []
    for rule in object_routes(app):
        missing = rule.arguments - values.keys()
        assert not missing, f"{rule.rule}: add a value of B's for {missing} to b_values, or list it in NOT_OWNED"
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for htmx in ({}, {"HX-Request": "true"}):  # the page and its partial alike
                response = logged_in.open(
                    path,
                    method=method,
                    data={"csrf_token": csrf, "amount": "10.00"},
                    headers={"X-CSRFToken": csrf, **htmx},
                )
                assert response.status_code == 404, f"{method} {path} {htmx} answered {response.status_code}"
            checked.append(f"{method} {rule.rule}")
    for expected in (
        "GET /cabinet/accounts/<number>",
        "GET /cabinet/accounts/<number>/bills/<month:month>.pdf",
        "GET /cabinet/accounts/<number>/export.csv",
        "POST /cabinet/accounts/<number>/certificates",
        "GET /cabinet/accounts/<number>/certificates/<code>.pdf",
    ):
        assert expected in checked
    # Nothing of B's moved: no payment order was made for B's account by A.
    assert db.session.scalars(select(Payment).where(Payment.account_id == petro[1].id)).all() == [petro[2], petro[3]]


def test_E29_the_same_routes_open_for_the_owner(app, db, logged_in, ivan):
    """The control for the matrix above: with A's own ids the cabinet's pages do answer."""
    from vez.cabinet.documents import issue_certificate

    _user, _power, gas = ivan
    certificate = issue_certificate(gas, ivan[0].id, gas.created_at.date())
    db.session.commit()
    values = {"number": gas.number, "month": "2026-10", "code": certificate.code}
    for rule in app.url_map.iter_rules():
        if (
            rule.endpoint.startswith("cabinet.")
            and rule.arguments
            and rule.arguments <= values.keys()
            and "GET" in rule.methods
        ):
            path = rule.build(values, append_unknown=False)[1]
            assert logged_in.get(path).status_code == 200, path


def test_E29_unknown_and_malformed_numbers_answer_the_same_404(logged_in, petro):
    for number in ("531111111", "599999999", "abc", "5314", "531111111 ", "../529471247"):
        assert logged_in.get(f"/cabinet/accounts/{number}").status_code == 404


def test_E29_email_change_link_of_another_login_is_404(logged_in, token_of_b, db, petro):
    assert logged_in.get(f"/cabinet/profile/email/{token_of_b}").status_code == 404
    db.session.refresh(petro[0])
    assert petro[0].email == "petro@example.com"


def test_E30_extra_form_fields_change_nothing(app, db, logged_in, ivan):
    """docs/security.md 30: role, balance, user_id, account ids sent with the profile forms are ignored."""
    user, power, _gas = ivan
    page = logged_in.get("/cabinet/profile").get_data(as_text=True)
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    extra = {
        "role": "admin",
        "balance": "-999999",
        "user_id": "2",
        "id": "2",
        "account_id": "1",
        "paperless": "y",
        "prefs-role": "admin",
        "prefs-user_id": "2",
        "session_version": "1",
        "email": "evil@example.com",
        "prefs-email": "evil@example.com",
        "password_hash": "x",
    }
    response = logged_in.post(
        "/cabinet/profile/preferences",
        data={"csrf_token": csrf, "prefs-csrf_token": csrf, "prefs-language": "en", **extra},
    )
    assert response.status_code == 303
    db.session.refresh(user)
    db.session.refresh(power)
    assert user.role.value == "consumer" and user.email == "ivan@example.com" and user.language == "en"
    assert user.paperless is False  # "paperless" without the form's prefix is not the form's field
    assert power.balance == 43200
    assert db.session.scalar(select(User).where(User.role != "consumer")) is None


HOSTILE = ["<img src=x onerror=alert(1)>", '<div hx-get="/admin" hx-trigger="load">', "{{7*7}}"]


def test_F33_hostile_names_and_addresses_render_escaped(app, db, client, auth, make_account, make_charge, make_user):
    """docs/security.md 33: the cabinet's pages, the bill and the PDF show hostile text as text."""
    from datetime import date

    from vez.billing import generate_bills

    account = make_account("529000001", holder_name=" ".join(HOSTILE), address=" ".join(HOSTILE))
    make_charge(account, date(2026, 10, 1), 1000)
    generate_bills(date(2026, 10, 1))
    db.session.commit()
    make_user("ivan", accounts=[account])
    auth.login()
    for path in ("/cabinet", "/cabinet/accounts/529000001", "/cabinet/accounts/529000001/bills/2026-10"):
        html = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in html and '<div hx-get="/admin"' not in html, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path
        assert "{{7*7}}" in html and "49" not in html.split("{{7*7}}")[0][-5:], path
    assert client.get("/cabinet/accounts/529000001/bills/2026-10.pdf").status_code == 200


# files allowed to use |safe or Markup(, each with its reason
ALLOWED_RAW = {
    "vez/admin/companies.py",  # a constant Markup('<a href="{}">{}</a>').format(...): both arguments escaped
}


def test_F33_no_safe_filter_or_markup_outside_the_allow_list():
    """docs/security.md 33: a template's `|safe` or a `Markup(` in Python turns off escaping; the repo has none."""
    root = Path(__file__).resolve().parents[2] / "vez"
    pattern = re.compile(r"\|\s*safe\b|\bMarkup\s*\(")
    offenders = [
        str(path.relative_to(root.parent))
        for path in root.rglob("*")
        if path.suffix in (".py", ".html", ".txt", ".xml", ".svg")
        and path.is_file()
        and str(path.relative_to(root.parent)) not in ALLOWED_RAW
        and pattern.search(path.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []
