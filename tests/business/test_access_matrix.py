"""The business side's IDOR matrix (docs/security.md 29, docs/companies.md "People and roles").

It enumerates `app.url_map`, so a /company route added later is covered by itself: for every route with an
argument, every method and every role of ТОВ "Акме" (administrator, accountant, viewer), the ids of another
company (ФОП Бондар) answer 404 — or, where the role may not open that page at all, the very same 403 that an id
nobody has gets, so the answer tells nothing about the other company. The control: with Акме's own ids the
administrator's pages do answer.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token, https_client
from vez.models import (
    CompanyDocument,
    CompanyInvitation,
    CompanyMember,
    CompanyPayment,
    CompanyPaymentSource,
    CompanyRole,
    PaymentStatus,
)

# Routes with arguments that do not name a company's object, each with the reason it is left out.
NOT_OWNED = {
    "company.invitation": "an invitation's token is its own proof, whoever holds it (tests/business/test_people.py)",
    "company.accept": "as above: the token, not the login, names the invitation",
    "company.join": "as above: the token, not the login, names the invitation",
}
NOBODY = 987654  # an id no row has
COUNTED = (CompanyPayment, CompanyDocument, CompanyMember, CompanyInvitation)


def objects_of(db, side) -> dict:
    """For each URL argument a /company route may take: a value naming one of `side`'s objects."""
    contract = side.contracts[0]
    online = CompanyPayment(
        contract_id=contract.id,
        amount=10000,
        paid_at=datetime(2026, 10, 20, 12),
        source=CompanyPaymentSource.online,
        status=PaymentStatus.pending,
        reference=f"vez-c-{contract.id}",
        user_id=side.admin.id,
        provider="sandbox",
    )
    invitation = CompanyInvitation(
        company_id=side.company.id,
        email="someone@example.com",
        email_key="someone@example.com",
        role=CompanyRole.viewer,
        nonce=f"nonce-{side.company.id}",
        expires_at=datetime(2030, 1, 1),
    )
    db.session.add_all([online, invitation])
    db.session.commit()
    admin = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == side.admin.id))
    return {
        "contract_id": contract.id,
        "point_id": side.points[0].id,
        "payment_id": online.id,
        "member_id": admin.id,
        "invitation_id": invitation.id,
        "company_id": side.company.id,
        "month": "2026-10",
    }


def nobody_values(values: dict) -> dict:
    return {name: (NOBODY if isinstance(value, int) else value) for name, value in values.items()}


def object_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/company") and rule.arguments and rule.endpoint not in NOT_OWNED:
            yield rule


def client_of(app, login: str):
    client = https_client(app)
    token = csrf_token(client)
    response = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, f"{login} could not log in"
    return client, csrf_token(client, "/")


def answer(client, csrf, path, method, htmx):
    return client.open(
        path,
        method=method,
        data={"csrf_token": csrf, "amount": "10.00", "role": "admin", "email": "x@example.com"},
        headers={"X-CSRFToken": csrf, **htmx},
    ).status_code


@pytest.fixture
def acme_people(acme, member):
    return {
        CompanyRole.admin: "acme_admin",
        CompanyRole.accountant: member(acme.company, "acme_accountant", CompanyRole.accountant).login,
        CompanyRole.viewer: member(acme.company, "acme_viewer", CompanyRole.viewer).login,
    }


@pytest.mark.parametrize("role", list(CompanyRole), ids=lambda role: role.value)
def test_every_company_route_with_an_id_refuses_another_companys_ids(app, db, acme, rival, acme_people, role):
    theirs = objects_of(db, rival)
    nobody = nobody_values(theirs)
    counts_before = {model: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}
    client, csrf = client_of(app, acme_people[role])
    checked = []
    for rule in object_routes(app):
        missing = rule.arguments - theirs.keys()
        assert not missing, f"{rule.rule}: add a value of the rival's for {missing} to objects_of, or NOT_OWNED"
        path = rule.build(theirs, append_unknown=False)[1]
        unknown = rule.build(nobody, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for htmx in ({}, {"HX-Request": "true"}):
                status = answer(client, csrf, path, method, htmx)
                if status == 403:  # the role may not open this page: the same for an id nobody has
                    assert answer(client, csrf, unknown, method, htmx) == 403, f"{method} {unknown} as {role}"
                else:
                    assert status == 404, f"{method} {path} {htmx} as {role.value} answered {status}"
            checked.append(f"{method} {rule.rule}")
    assert checked, "no /company route with an argument: the matrix checks nothing"
    # Nothing of the rival's moved: no payment, document, member or invitation was added or removed.
    db.session.expire_all()
    for model, before in counts_before.items():
        assert db.session.scalar(select(func.count()).select_from(model)) == before, model.__name__


def test_the_same_routes_open_for_the_owners_administrator(app, db, acme, rival):
    """The control: Акме's administrator with Акме's ids gets past the lookup on every GET route."""
    ours = objects_of(db, acme)
    client, _csrf = client_of(app, "acme_admin")
    opened = []
    for rule in object_routes(app):
        if "GET" not in rule.methods or not rule.arguments <= ours.keys():
            continue
        path = rule.build(ours, append_unknown=False)[1]
        status = client.get(path).status_code
        assert status not in (403, 404), f"GET {path} answered {status} to its own company's administrator"
        opened.append(rule.rule)
    assert opened


def test_the_invitation_token_of_another_company_is_not_a_member_id(app):
    """An invitation's routes take a token, never a row id that a member of another company could guess."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_OWNED:
            assert "token" in rule.arguments, rule.rule
