"""The panel's business side (docs/admin.md, "The business side"): the lists of companies, contracts, metering
points, people, pending invitations and documents by staff role, their search, a company's page, and the unlock
of a contract's identification (a reason, CSRF, audited in the company's own audit list)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.business.conftest import (  # noqa: F401 (fixtures)
    ACME_CODE,
    FOP_CODE,
    acme,
    company_charge,
    company_pay,
    make_company,
    make_contract,
    make_point,
    member,
    rival,
)
from tests.conftest import csrf_token
from vez.identity.limits import IDENTIFY_PER_ACCOUNT, contract_key, contract_locked
from vez.models import AuditEvent, IdentificationFailure, utcnow
from vez.models.company import Company, CompanyDocument, CompanyInvitation, CompanyRole, DocumentKind

LISTS = ("companies", "contracts", "points", "company-people", "company-invitations", "company-documents")


@pytest.fixture
def business(request, db):
    """Both companies, an accountant of Acme, a pending and a revoked invitation, and one issued invoice."""
    ours, theirs, add_member = (request.getfixturevalue(name) for name in ("acme", "rival", "member"))
    add_member(ours.company, "acme_accountant", CompanyRole.accountant, full_name="Мельник Ганна Іванівна")
    now = utcnow()
    for email, revoked in (("new.viewer@example.com", None), ("gone@example.com", now)):
        db.session.add(
            CompanyInvitation(
                company_id=ours.company.id,
                email=email,
                email_key=email,
                role=CompanyRole.viewer,
                nonce=f"nonce-{email[:8]}",
                invited_by=ours.admin.id,
                expires_at=now + timedelta(days=7),
                revoked_at=revoked,
            )
        )
    db.session.add(
        CompanyDocument(
            contract_id=ours.contracts[0].id,
            kind=DocumentKind.invoice,
            number="РФ-1234/25-E-2026-10",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            issued_on=date(2026, 11, 3),
            amount=654_321,
            content={"secret-ish": "frozen facts"},
            content_sha256="ab" * 32,
        )
    )
    db.session.commit()
    return type("Business", (), {"acme": ours, "rival": theirs})


def lock(db, contract, times: int = 5) -> None:
    """Five wrong answers against the contract, as the business identification counts them."""
    for i in range(times):
        assert IDENTIFY_PER_ACCOUNT.take(contract_key(contract.id))
        db.session.add(IdentificationFailure(ip=f"10.0.0.{i + 1}", reason="mismatch", contract_id=contract.id))
    db.session.commit()


@pytest.mark.parametrize("staff", ["admin_client", "operator_client"])
def test_every_staff_role_reads_every_company_list(request, business, staff):
    c = request.getfixturevalue(staff)
    for name in LISTS:
        response = c.get(f"/admin/{name}/")
        assert response.status_code == 200, name
    page = c.get("/admin/companies/").get_data(as_text=True)
    assert ACME_CODE in page and FOP_CODE in page and "ФОП Бондар" in page
    assert "Sole trader" in c.get("/admin/companies/?lang=en").get_data(as_text=True)
    contracts = c.get("/admin/contracts/?lang=en").get_data(as_text=True)
    assert "1234/25-E" in contracts and "7777/25-E" in contracts and "Planned payments" in contracts
    assert f'href="/admin/companies/details/?id={business.acme.company.id}"' in contracts  # to the company's page
    points = c.get("/admin/points/?lang=en").get_data(as_text=True)
    assert business.acme.points[0].eic in points and "Voltage class 2" in points and "1111111" in points
    people = c.get("/admin/company-people/?lang=en").get_data(as_text=True)
    assert "acme_accountant" in people and "Мельник Ганна Іванівна" in people and "Accountant" in people


def test_the_lists_refuse_a_consumer_and_send_anonymous_visitors_to_the_login(client, auth, make_user, business):
    for name in LISTS:
        response = client.get(f"/admin/{name}/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), name
    make_user("ivan")
    assert auth.login().status_code == 303
    for name in LISTS:
        assert client.get(f"/admin/{name}/").status_code == 403, name
    # a company's own administrator is a consumer to the panel
    assert client.get(f"/admin/companies/details/?id={business.acme.company.id}").status_code == 403


def test_a_company_member_is_refused_the_panel(app, business):
    from tests.conftest import PASSWORD, https_client

    c = https_client(app)
    token = csrf_token(c)
    c.post("/login", data={"login": "acme_admin", "password": PASSWORD, "csrf_token": token})
    assert c.get("/admin/companies/").status_code == 403


def test_nothing_of_a_company_is_created_edited_or_deleted_from_the_panel(db, admin_client, business):
    token = csrf_token(admin_client, "/admin/")
    company = business.acme.company
    for name in LISTS:  # Flask-Admin sends an admin back to the list, as on the household's read-only lists
        assert admin_client.get(f"/admin/{name}/new/").status_code == 302, name
        assert admin_client.get(f"/admin/{name}/edit/?id=1").status_code == 302, name
        assert admin_client.post(f"/admin/{name}/delete/", data={"id": "1", "csrf_token": token}).status_code == 302
        assert admin_client.post(f"/admin/{name}/new/", data={"csrf_token": token, "name": "x"}).status_code == 302
    assert db.session.scalar(select(func.count(Company.id))) == 2
    assert db.session.get(Company, company.id) is not None
    page = admin_client.get(f"/admin/companies/details/?id={company.id}").get_data(as_text=True)
    assert "/admin/companies/edit/" not in page and "/admin/company-documents/delete/" not in page


def test_the_lists_search(admin_client, business):
    def rows(path):
        return admin_client.get(path).get_data(as_text=True)

    found = rows(f"/admin/companies/?search={FOP_CODE}")
    assert "ФОП Бондар" in found and ACME_CODE not in found
    found = rows("/admin/contracts/?search=7777")
    assert "7777/25-E" in found and "1234/25-E" not in found
    found = rows(f"/admin/contracts/?search={ACME_CODE}")  # by the company's code
    assert "1234/25-E" in found and "1235/25-E" in found and "7777/25-E" not in found
    eic = business.acme.points[2].eic
    found = rows(f"/admin/points/?search={eic}")
    assert eic in found and business.acme.points[0].eic not in found
    found = rows("/admin/company-people/?search=Мельник")
    assert "acme_accountant" in found and "rival_admin" not in found
    found = rows("/admin/company-documents/?search=РФ-1234")
    assert "РФ-1234/25-E-2026-10" in found


def test_the_lists_filter(admin_client, business):
    # flt0_<n>: the n-th filter of the view (companies: kind equals; contracts: service 0-4, payment form 5-9)
    page = admin_client.get("/admin/companies/?flt0_0=sole_trader").get_data(as_text=True)
    assert "ФОП Бондар" in page and "Акме" not in page
    page = admin_client.get("/admin/contracts/?flt0_5=planned").get_data(as_text=True)
    assert "1235/25-E" in page and "1234/25-E" not in page


def test_only_pending_invitations_are_listed_and_never_their_nonce(db, admin_client, business):
    page = admin_client.get("/admin/company-invitations/").get_data(as_text=True)
    assert "new.viewer@example.com" in page and "gone@example.com" not in page
    assert "nonce-" not in page
    revoked = db.session.scalar(select(CompanyInvitation).where(CompanyInvitation.email == "gone@example.com"))
    assert admin_client.get(f"/admin/company-invitations/details/?id={revoked.id}").status_code == 302
    pending = db.session.scalar(select(CompanyInvitation).where(CompanyInvitation.email == "new.viewer@example.com"))
    details = admin_client.get(f"/admin/company-invitations/details/?id={pending.id}").get_data(as_text=True)
    assert "new.viewer@example.com" in details and "nonce-" not in details


def test_a_document_shows_its_number_amount_and_hash_never_its_content(db, admin_client, business):
    page = admin_client.get("/admin/company-documents/?lang=en").get_data(as_text=True)
    assert "РФ-1234/25-E-2026-10" in page and "ab" * 32 in page and "Invoice" in page and "2026-10" in page
    assert "6,543.21" in page
    document = db.session.scalar(select(CompanyDocument))
    details = admin_client.get(f"/admin/company-documents/details/?id={document.id}").get_data(as_text=True)
    assert "frozen facts" not in details and "РФ-1234/25-E-2026-10" in details


def test_the_company_page_shows_contracts_points_people_documents_and_events(db, admin_client, business):
    ours = business.acme
    db.session.add(
        AuditEvent(action="company.member_invited", actor_id=ours.admin.id, company_id=ours.company.id, data={})
    )
    db.session.add(AuditEvent(action="company.member_invited", actor_id=business.rival.admin.id, data={}))
    db.session.commit()
    page = admin_client.get(f"/admin/companies/details/?id={ours.company.id}&lang=en").get_data(as_text=True)
    for contract in ours.contracts:
        assert contract.number in page
    for point in ours.points:
        assert point.eic in page
    assert "acme_admin" in page and "acme_accountant" in page and "new.viewer@example.com" in page
    assert "gone@example.com" not in page
    assert "РФ-1234/25-E-2026-10" in page
    assert "7777/25-E" not in page and "rival_admin" not in page and business.rival.points[0].eic not in page
    assert page.count("/admin/audit/details/?id=") == 1  # the company's own event, not the other one
    assert "no wrong answers today" in page
    assert "/unlock-identification" not in page


def test_a_company_page_of_no_company_is_not_found(admin_client, business):
    response = admin_client.get("/admin/companies/details/?id=999999")
    assert response.status_code == 302  # Flask-Admin's own answer to a missing row: back to the list


@pytest.mark.parametrize("staff", ["admin_client", "operator_client"])
def test_staff_unlock_a_contracts_identification_with_a_reason_audited_in_the_company(request, db, business, staff):
    c = request.getfixturevalue(staff)
    ours = business.acme
    contract = ours.contracts[1]
    lock(db, contract)
    assert contract_locked(contract.id)
    page = c.get(f"/admin/companies/details/?id={ours.company.id}&lang=en").get_data(as_text=True)
    action = f"/admin/companies/{ours.company.id}/contracts/{contract.id}/unlock-identification"
    assert "Identification is locked" in page and action in page
    assert f"/admin/companies/{ours.company.id}/contracts/{ours.contracts[0].id}/unlock-identification" not in page
    token = csrf_token(c, "/admin/")

    response = c.post(action, data={"csrf_token": token, "reason": ""})
    assert response.status_code == 303
    assert contract_locked(contract.id)  # no reason, no unlock

    response = c.post(action, data={"csrf_token": token, "reason": "Директор підтвердив договір телефоном"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"?id={ours.company.id}")
    db.session.expire_all()
    assert not contract_locked(contract.id)
    assert not db.session.scalars(
        select(IdentificationFailure).where(
            IdentificationFailure.contract_id == contract.id, IdentificationFailure.cleared_at.is_(None)
        )
    ).all()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "identify.unlocked")).all()
    assert event.company_id == ours.company.id
    assert (event.target_type, event.target_id) == ("contracts", str(contract.id))
    assert event.actor_id is not None and event.data["cleared"] == 5
    assert event.data["reason"] == "Директор підтвердив договір телефоном"
    page = c.get(f"/admin/companies/details/?id={ours.company.id}&lang=en").get_data(as_text=True)
    assert "Identification is locked" not in page and f"/admin/audit/details/?id={event.id}" in page
    assert "Identification unlocked" in page and f"Contract {contract.id}" in page  # the event in words

    # nothing left to unlock
    c.post(action, data={"csrf_token": token, "reason": "again"})
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.id > event.id)) is None


def test_the_unlock_needs_the_csrf_token(db, admin_client, business):
    ours = business.acme
    contract = ours.contracts[0]
    lock(db, contract)
    response = admin_client.post(
        f"/admin/companies/{ours.company.id}/contracts/{contract.id}/unlock-identification", data={"reason": "x"}
    )
    assert response.status_code == 400
    assert contract_locked(contract.id)


def test_the_unlock_of_another_companys_contract_is_not_found(db, admin_client, business):
    contract = business.rival.contracts[0]
    lock(db, contract)
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/companies/{business.acme.company.id}/contracts/{contract.id}/unlock-identification",
        data={"csrf_token": token, "reason": "x"},
    )
    assert response.status_code == 404
    assert contract_locked(contract.id)


def test_a_consumer_cannot_unlock(db, client, auth, make_user, business):
    contract = business.acme.contracts[0]
    lock(db, contract)
    make_user("ivan")
    assert auth.login().status_code == 303
    token = csrf_token(client, "/")
    response = client.post(
        f"/admin/companies/{business.acme.company.id}/contracts/{contract.id}/unlock-identification",
        data={"csrf_token": token, "reason": "x"},
    )
    assert response.status_code == 403
    assert contract_locked(contract.id)
