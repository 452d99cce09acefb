"""A company's people (docs/companies.md, "People and roles"): inviting, the letter and its link, every way of
accepting, changing roles, revoking, leaving, the last administrator, the company's own audit list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token
from tests.forms import form_problems
from tests.registration.test_mail import body_text, smtp  # noqa: F401 - the test SMTP server fixture
from vez.companies import people
from vez.mail import send_pending
from vez.models import AuditEvent, CompanyInvitation, CompanyMember, CompanyRole, Letter, User, utcnow

NEW_PASSWORD = "Lisova-pisnia-2026"


@pytest.fixture
def firm(db, make_company, make_contract, make_point, member):
    """ТОВ "Акме" with one contract and point, administered by `acme_admin`."""
    company = make_company()
    contract = make_contract(company)
    make_point(contract, 1)
    admin = member(company, "acme_admin")
    return type("Firm", (), {"company": company, "contract": contract, "admin": admin})


class People:
    def __init__(self, client, auth):
        self.client, self.auth = client, auth

    def token(self, path="/"):
        return csrf_token(self.client, path)

    def post(self, path, data=None, **kw):
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})}, **kw)

    def invite(self, email="olha@example.com", role="accountant", note=""):
        return self.post("/company/people/invite", {"email": email, "role": role, "note": note})


@pytest.fixture
def web(client, auth):
    return People(client, auth)


def invitation(db, email="olha@example.com") -> CompanyInvitation:
    db.session.expire_all()
    return db.session.scalar(
        select(CompanyInvitation).where(CompanyInvitation.email_key == email).order_by(CompanyInvitation.id.desc())
    )


def link_of(db, email="olha@example.com") -> str:
    letter = db.session.scalar(select(Letter).where(Letter.recipient == email).order_by(Letter.id.desc()))
    return re.search(r"https://cabinet\.test(/company/invitations/\S+)", letter.body_text).group(1)


def events(db, company_id) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AuditEvent.action).where(AuditEvent.company_id == company_id).order_by(AuditEvent.id))
    )


def member_of(db, company, login) -> CompanyMember | None:
    db.session.expire_all()
    return db.session.scalar(
        select(CompanyMember)
        .join(User, User.id == CompanyMember.user_id)
        .where(CompanyMember.company_id == company.id, User.login == login)
    )


# ---- the people page and its actions ------------------------------------------------------------------------


def test_the_people_page_lists_members_and_pending_invitations_and_follows_the_form_rules(db, web, firm):
    web.auth.login("acme_admin")
    assert web.invite().status_code == 303
    page = web.client.get("/company/people")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ковальчук Олена Петрівна" in html and "acme_admin" in html and "директор" in html
    assert "olha@example.com" in html
    assert form_problems(html) == []


def test_an_invitation_is_stored_audited_and_mailed_through_the_test_smtp(db, web, firm, smtp):  # noqa: F811
    web.auth.login("acme_admin")
    response = web.invite("Olha@Example.com", "accountant", "Бухгалтерія, з понеділка")
    assert response.status_code == 303 and response.headers["Location"].endswith("/company/people")
    found = invitation(db)
    assert found.role is CompanyRole.accountant and found.email == "Olha@example.com"
    assert found.expires_at - found.created_at == timedelta(days=7)
    assert events(db, firm.company.id) == ["company.invited"]
    assert send_pending() == (1, 0)
    ((recipients, message),) = smtp.messages
    assert recipients == ["Olha@example.com"]
    text = body_text(message)
    assert 'ТОВ "Акме"' in message["Subject"] and "Бухгалтерія, з понеділка" in text
    assert re.search(r"https://cabinet\.test/company/invitations/\S+", text)
    assert message.get_body(preferencelist=("html",)) is not None


def test_a_bad_invitation_keeps_what_was_typed_and_says_why_next_to_the_field(db, web, firm):
    web.auth.login("acme_admin")
    response = web.invite("not an address", "accountant", "записка")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="not an address"' in html and "записка" in html
    assert 'id="email-error"' in html and form_problems(html) == []
    partial = web.client.post(
        "/company/people/invite",
        data={"csrf_token": web.token(), "email": "", "role": "boss"},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 422 and "<html" not in partial.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CompanyInvitation)) == 0


def test_htmx_invitation_answers_with_a_redirect_header(db, web, firm):
    web.auth.login("acme_admin")
    response = web.client.post(
        "/company/people/invite",
        data={"csrf_token": web.token(), "email": "olha@example.com", "role": "viewer"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith("/company/people")


def test_inviting_a_member_again_is_refused_and_a_second_invitation_replaces_the_first(db, web, firm):
    web.auth.login("acme_admin")
    assert web.invite("acme_admin@example.com").status_code == 422
    web.invite()
    first = invitation(db)
    web.invite(role="viewer")
    db.session.refresh(first)
    assert first.revoked_at is not None and invitation(db).role is CompanyRole.viewer


def test_invitations_are_limited_per_company_and_day(app, db, web, firm):
    app.config["INVITATION_LIMIT_PER_COMPANY"] = "2 per day"
    with time_machine.travel("2030-01-01 10:00", tick=False) as clock:
        web.auth.login("acme_admin")
        assert web.invite("a@example.com").status_code == 303
        assert web.invite("b@example.com").status_code == 303
        assert web.invite("c@example.com").status_code == 429
        assert "company.invitation_limited" in events(db, firm.company.id)
        clock.shift(timedelta(hours=23))
        web.auth.login("acme_admin")  # the session has ended meanwhile
        assert web.invite("c@example.com").status_code == 429
        clock.shift(timedelta(hours=1, minutes=1))  # the first two are a day old
        web.auth.login("acme_admin")
        assert web.invite("c@example.com").status_code == 303


def test_change_role_and_revoke_by_the_admin_are_audited(db, web, firm, member):
    member(firm.company, "olha", CompanyRole.viewer, full_name="Олійник Ольга")
    web.auth.login("acme_admin")
    olha = member_of(db, firm.company, "olha")
    assert web.post(f"/company/people/{olha.id}/role", {"role": "accountant"}).status_code == 303
    assert member_of(db, firm.company, "olha").role is CompanyRole.accountant
    assert web.post(f"/company/people/{olha.id}/revoke").status_code == 303
    assert member_of(db, firm.company, "olha") is None
    assert events(db, firm.company.id) == ["company.role_changed", "company.member_revoked"]


def test_revoking_a_pending_invitation_kills_its_link(db, web, firm):
    web.auth.login("acme_admin")
    web.invite()
    path = link_of(db)
    assert web.post(f"/company/people/invitations/{invitation(db).id}/revoke").status_code == 303
    assert invitation(db).revoked_at is not None
    web.auth.logout()
    assert web.client.get(path).status_code == 410
    assert "company.invitation_revoked" in events(db, firm.company.id)


@pytest.mark.parametrize("role", [CompanyRole.accountant, CompanyRole.viewer])
def test_accountants_and_viewers_may_not_manage_people(db, web, firm, member, role):
    member(firm.company, "olha", role)
    admin = member_of(db, firm.company, "acme_admin")
    web.auth.login("olha")
    assert web.client.get("/company/people").status_code == 403
    assert web.client.get("/company/audit").status_code == 403
    assert web.invite().status_code == 403
    assert web.post(f"/company/people/{admin.id}/role", {"role": "viewer"}).status_code == 403
    assert web.post(f"/company/people/{admin.id}/revoke").status_code == 403
    assert member_of(db, firm.company, "acme_admin").role is CompanyRole.admin


def test_another_companys_member_and_invitation_answer_404(db, web, firm, rival, member):
    web.auth.login("rival_admin")
    web.invite("x@example.com")
    theirs = invitation(db, "x@example.com")
    web.auth.logout()
    web.auth.login("acme_admin")
    rival_admin = member_of(db, rival.company, "rival_admin")
    assert web.post(f"/company/people/{rival_admin.id}/role", {"role": "viewer"}).status_code == 404
    assert web.post(f"/company/people/{rival_admin.id}/revoke").status_code == 404
    assert web.post(f"/company/people/invitations/{theirs.id}/revoke").status_code == 404
    assert (
        member_of(db, rival.company, "rival_admin") is not None and invitation(db, "x@example.com").revoked_at is None
    )


def test_the_last_admin_cannot_be_demoted_revoked_or_leave(db, web, firm, member):
    member(firm.company, "olha", CompanyRole.accountant)
    web.auth.login("acme_admin")
    me = member_of(db, firm.company, "acme_admin")
    for path, data in ((f"/company/people/{me.id}/role", {"role": "viewer"}), (f"/company/people/{me.id}/revoke", {})):
        response = web.post(path, data)
        assert response.status_code == 303
        assert "адміністратор" in web.client.get(response.headers["Location"]).get_data(as_text=True).lower()
        assert member_of(db, firm.company, "acme_admin").role is CompanyRole.admin
    page = web.client.get("/company/people").get_data(as_text=True)
    assert 'action="/company/leave"' not in page and "перш ніж вийти" in page  # told why, no button to refuse
    assert web.post("/company/leave").status_code == 303
    assert member_of(db, firm.company, "acme_admin") is not None
    olha = member_of(db, firm.company, "olha")
    web.post(f"/company/people/{olha.id}/role", {"role": "admin"})  # a second administrator: now the first may go
    assert web.post(f"/company/people/{me.id}/role", {"role": "viewer"}).status_code == 303
    assert member_of(db, firm.company, "acme_admin").role is CompanyRole.viewer


def test_any_member_may_leave(db, web, firm, member):
    member(firm.company, "olha", CompanyRole.viewer)
    web.auth.login("olha")
    assert 'action="/company/leave"' in web.client.get("/company/cabinet").get_data(as_text=True)
    assert web.post("/company/leave").status_code == 303
    assert member_of(db, firm.company, "olha") is None
    assert events(db, firm.company.id) == ["company.member_left"]


# ---- the letter's link ---------------------------------------------------------------------------------------


@pytest.fixture
def invited(db, web, firm):
    """acme_admin has invited olha@example.com as an accountant; logged out; the link's path."""
    web.auth.login("acme_admin")
    web.invite()
    web.auth.logout()
    return link_of(db)


def test_the_link_shows_forms_and_accepts_nothing_on_get(db, web, firm, invited):
    page = web.client.get(invited)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'ТОВ "Акме"' in html or "ТОВ &#34;Акме&#34;" in html
    assert 'id="join-form"' in html and "/login?next=" in html and form_problems(html) == []
    assert invitation(db).accepted_at is None


def test_a_logged_in_login_accepts_into_the_company(db, web, firm, invited, make_user):
    make_user("olha", email="olha@example.com")
    web.auth.login("olha")
    assert 'id="accept-form"' in web.client.get(invited).get_data(as_text=True)
    response = web.post(invited + "/accept", {"full_name": "Олійник Ольга", "position": "бухгалтер"})
    assert response.status_code == 303
    joined = member_of(db, firm.company, "olha")
    assert joined.role is CompanyRole.accountant and joined.full_name == "Олійник Ольга"
    assert joined.invited_by == firm.admin.id
    assert invitation(db).accepted_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.invitation_accepted"))
    assert event.company_id == firm.company.id and event.data["other_email"] is False


def test_accepting_needs_a_full_name_and_position_and_keeps_them(db, web, firm, invited, make_user):
    make_user("olha", email="olha@example.com")
    web.auth.login("olha")
    response = web.post(invited + "/accept", {"full_name": "Олійник Ольга", "position": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="Олійник Ольга"' in html and form_problems(html) == []
    assert member_of(db, firm.company, "olha") is None


def test_a_household_login_of_another_email_may_accept_and_it_is_audited(
    db, web, firm, invited, make_user, make_account
):
    make_user("petro", email="petro@ukr.net", accounts=[make_account()])
    web.auth.login("petro")
    assert (
        web.post(invited + "/accept", {"full_name": "Петренко Петро", "position": "головний бухгалтер"}).status_code
        == 303
    )
    assert member_of(db, firm.company, "petro") is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.invitation_accepted"))
    assert event.data["other_email"] is True
    html = web.client.get("/company/people")
    assert html.status_code == 403  # an accountant


def test_a_login_of_another_company_may_join_this_one_too(db, web, firm, rival, invited):
    web.auth.login("rival_admin")
    web.post(invited + "/accept", {"full_name": "Бондар Іван", "position": "консультант"})
    assert member_of(db, firm.company, "rival_admin").role is CompanyRole.accountant
    assert member_of(db, rival.company, "rival_admin").role is CompanyRole.admin


def test_a_visitor_with_a_login_logs_in_and_comes_back_to_the_invitation(db, web, firm, invited, make_user):
    make_user("olha", email="olha@example.com")
    html = web.client.get(invited).get_data(as_text=True)
    login_url = re.search(r'href="(/login\?next=[^"]+)"', html).group(1)
    assert "join-form" not in html  # a login holds the invited address: no second login
    token = csrf_token(web.client, login_url.replace("&amp;", "&"))
    response = web.client.post(
        "/login", data={"login": "olha", "password": PASSWORD, "csrf_token": token, "next": invited}
    )
    assert response.status_code == 303 and response.headers["Location"] == invited


def test_a_visitor_without_a_login_creates_one_active_and_accepts(db, web, firm, invited):
    data = {
        "login": "olha",
        "full_name": "Олійник Ольга",
        "position": "бухгалтер",
        "phone": "+380671234567",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "agreement": "accept",
    }
    response = web.client.post(invited + "/join", data={"csrf_token": web.token(invited), **data})
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.login == "olha"))
    assert user.email == "olha@example.com" and user.activated_at is not None
    assert member_of(db, firm.company, "olha").role is CompanyRole.accountant
    assert web.client.get("/company/people").status_code == 403  # logged in as the new accountant
    assert {"company.login_created", "company.invitation_accepted"} <= set(events(db, firm.company.id))
    assert db.session.scalar(select(func.count()).select_from(Letter).where(Letter.kind == "activation")) == 0


def test_the_new_login_form_uses_the_household_rules_and_keeps_what_was_typed(db, web, firm, invited, make_user):
    make_user("taken")
    data = {"login": "taken", "full_name": "Олійник Ольга", "position": "", "phone": "12", "password": "1"}
    response = web.client.post(invited + "/join", data={"csrf_token": web.token(invited), **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("login", "position", "phone", "password", "confirm", "agreement"):
        assert f'id="{name}-error"' in html, name
    assert 'value="Олійник Ольга"' in html and 'value="1"' not in html
    assert form_problems(html) == []
    assert invitation(db).accepted_at is None


@pytest.mark.parametrize("state", ["used", "expired", "revoked", "damaged"])
def test_dead_links_each_get_a_page_to_act_on(db, web, firm, invited, make_user, state):
    found = invitation(db)
    path = invited
    if state == "used":
        make_user("olha", email="olha@example.com")
        web.auth.login("olha")
        web.post(invited + "/accept", {"full_name": "Олійник Ольга", "position": "бухгалтер"})
        web.auth.logout()
    elif state == "revoked":
        found.revoked_at = utcnow()
        db.session.commit()
    elif state == "damaged":
        path = invited[:-3] + "xyz"
    if state == "expired":
        with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
            response = web.client.get(path)
    else:
        response = web.client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == (404 if state == "damaged" else 410)
    assert f"problem-{state}" in html and 'role="alert"' in html
    assert 'id="join-form"' not in html


def test_a_dead_link_accepts_nothing(db, web, firm, invited, make_user):
    invitation(db).revoked_at = utcnow()
    db.session.commit()
    make_user("olha", email="olha@example.com")
    web.auth.login("olha")
    response = web.post(invited + "/accept", {"full_name": "Олійник Ольга", "position": "бухгалтер"})
    assert response.status_code == 410 and member_of(db, firm.company, "olha") is None


def test_a_link_is_used_once(db, web, firm, invited, make_user, member):
    make_user("olha", email="olha@example.com")
    make_user("ivan2", email="ivan2@example.com")
    web.auth.login("olha")
    web.post(invited + "/accept", {"full_name": "Олійник Ольга", "position": "бухгалтер"})
    web.auth.logout()
    web.auth.login("ivan2")
    assert web.post(invited + "/accept", {"full_name": "Іван", "position": "x"}).status_code == 410
    assert member_of(db, firm.company, "ivan2") is None


# ---- the company's own audit list ---------------------------------------------------------------------------


def test_the_audit_list_shows_the_companys_events_newest_first_and_only_its_own(db, web, firm, rival, member):
    member(firm.company, "olha", CompanyRole.viewer, full_name="Олійник Ольга")
    web.auth.login("rival_admin")
    web.invite("rival-only@example.com")
    web.auth.logout()
    web.auth.login("acme_admin")
    web.invite("new@example.com")
    olha = member_of(db, firm.company, "olha")
    web.post(f"/company/people/{olha.id}/role", {"role": "accountant"})
    page = web.client.get("/company/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    rows = re.findall(r"<tr><td>.*?</tr>", html, re.S)
    assert len(rows) == 2 and "acme_admin" in rows[0]
    assert "rival_admin" not in html
    assert "Змінено роль учасника: Перегляд → Бухгалтер" in rows[0]


def test_the_audit_list_is_paginated(db, web, firm):
    from vez import audit

    for index in range(people.PER_PAGE + 5):
        audit.record("company.invited", actor_id=firm.admin.id, company_id=firm.company.id, n=index)
    db.session.commit()
    web.auth.login("acme_admin")
    first = web.client.get("/company/audit").get_data(as_text=True)
    second = web.client.get("/company/audit?page=2").get_data(as_text=True)
    assert first.count("<tr><td>") == people.PER_PAGE and second.count("<tr><td>") == 5
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert web.client.get("/company/audit?page=99").status_code == 200
