"""docs/security.md, "Sessions bound to a second factor": the session records the accepted
code, every staff view asks for it and its age, and a remember cookie never restores a staff session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.admin.conftest import SECRET, totp_login
from tests.admin.test_access import admin_urls
from tests.conftest import PASSWORD, AuthActions, csrf_token, https_client
from vez.identity.totp import TOTP
from vez.models import AuditEvent, Role, User


def promote(db, login: str, role: Role = Role.operator, secret: str | None = None) -> User:
    """A role changed behind the panel's back (a script, the database): no session version bump."""
    user = db.session.scalar(select(User).where(User.login == login))
    user.role, user.totp_secret = role, secret
    db.session.commit()
    return user


@pytest.fixture
def consumer(app, make_user):
    """ivan's browser, logged in with "remember me"."""
    make_user("ivan")
    browser = https_client(app)
    assert AuthActions(browser).login(remember="y").status_code == 303
    assert browser.get_cookie("__Host-remember") is not None
    return browser


def test_a_consumer_made_operator_is_sent_to_the_code_step_not_into_the_panel(db, consumer):
    promote(db, "ivan", secret=SECRET)
    response = consumer.get("/admin/logins/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/code?next=/admin/logins/")
    page = consumer.get("/login/code?next=/admin/logins/")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)
    token = csrf_token(consumer, "/login/code")
    right = consumer.post("/login/code", data={"code": TOTP(SECRET).now(), "csrf_token": token})
    assert right.status_code == 303 and right.headers["Location"] == "/admin/logins/"
    assert consumer.get("/admin/logins/").status_code == 200


def test_every_staff_url_sends_a_session_without_the_second_factor_to_the_code_step(app, db, consumer):
    promote(db, "ivan", Role.admin, secret=SECRET)
    token = csrf_token(consumer, "/cabinet")
    for endpoint, method, url in admin_urls(app):
        response = consumer.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.headers["Location"].startswith("/login/code?next="), (endpoint, url)


def test_a_consumer_made_staff_without_a_secret_enrols_only_after_the_password(db, consumer):
    promote(db, "ivan", secret=None)
    assert consumer.get("/admin/").headers["Location"].startswith("/login/code")
    step = consumer.get("/login/code?next=/admin/")
    assert step.status_code == 303 and step.headers["Location"].startswith("/login?next=/admin/")
    assert consumer.get("/cabinet").status_code == 302  # this browser's session is gone, not half-open
    AuthActions(consumer).login()
    assert "data:image/svg+xml;base64," in consumer.get("/login/code").get_data(as_text=True)  # the enrolment QR


def test_a_remember_cookie_never_restores_a_staff_session(app, db, consumer):
    remember = consumer.get_cookie("__Host-remember").value
    promote(db, "ivan", secret=SECRET)
    browser = https_client(app)  # the browser was closed: only the remember cookie is left
    browser.set_cookie("__Host-remember", remember, domain="localhost")
    response = browser.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert browser.get("/cabinet").status_code == 302  # not even the cabinet: staff come in by password and code


def test_a_staff_login_sets_no_remember_cookie(client, make_user):
    make_user("olena", role=Role.admin, totp_secret=SECRET)
    assert totp_login(client, "olena").status_code == 303
    assert client.get_cookie("__Host-remember") is None


def test_the_second_factor_expires_after_staff_second_factor_max_age(app, client, make_user):
    app.config["STAFF_SECOND_FACTOR_MAX_AGE"] = timedelta(hours=1)
    make_user("olena", role=Role.admin, totp_secret=SECRET)
    with time_machine.travel("2030-01-01 08:00", tick=False) as clock:
        assert totp_login(client, "olena").status_code == 303
        for _ in range(3):
            assert client.get("/admin/").status_code == 200
            clock.shift(timedelta(minutes=20))
        clock.shift(timedelta(minutes=1))
        response = client.get("/admin/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login/code")
        assert client.get("/cabinet").status_code == 200  # the session itself lives on


def test_a_large_upload_needs_the_session_marker(app, db, consumer):
    from tests.admin.test_upload_limit import MiB, big_csv, multipart, post

    promote(db, "ivan", Role.admin, secret=SECRET)
    status, body = post(consumer, multipart(csrf_token(consumer, "/cabinet"), big_csv(2 * MiB)))
    assert status == 413 and body.taken == 0


@pytest.mark.parametrize("change", ["role", "end_sessions", "reset_second_factor"])
def test_a_role_change_a_totp_reset_and_end_sessions_end_the_staff_members_sessions(app, db, make_user, change):
    make_user("olena", role=Role.admin, totp_secret=SECRET)
    petro = make_user("petro", role=Role.operator, totp_secret="KRSXG5CTMVRXEZLU")
    admin, operator = https_client(app), https_client(app)
    assert totp_login(admin, "olena").status_code == 303
    assert totp_login(operator, "petro", secret="KRSXG5CTMVRXEZLU").status_code == 303
    assert operator.get("/admin/").status_code == 200
    token = csrf_token(admin, "/admin/")
    if change == "role":
        data = {"csrf_token": token, "phone": petro.phone, "role": "admin", "language": "uk"}
        assert admin.post(f"/admin/logins/edit/?id={petro.id}", data=data).status_code == 302
    else:
        assert admin.post(f"/admin/logins/{petro.id}/do/{change}", data={"csrf_token": token}).status_code == 303
    response = operator.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert admin.get("/admin/").status_code == 200


def test_the_staff_password_is_audited_apart_from_the_login_after_the_code(client, db, make_user):
    make_user("olena", role=Role.admin, totp_secret=SECRET)
    token = csrf_token(client)
    client.post("/login", data={"login": "olena", "password": PASSWORD, "csrf_token": token})
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["login.password_ok"]
    right = client.post(
        "/login/code", data={"code": TOTP(SECRET).now(), "csrf_token": csrf_token(client, "/login/code")}
    )
    assert right.status_code == 303
    db.session.expire_all()
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["login.password_ok", "login.second_factor_ok", "login.ok"]


def test_a_staff_members_own_password_change_keeps_this_sessions_second_factor(client, make_user):
    """The profile renews the session for the same login (the others end): the code is not asked again."""
    make_user("olena", role=Role.admin, totp_secret=SECRET)
    assert totp_login(client, "olena").status_code == 303
    page = client.get("/cabinet/profile").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    new = "зелений човен на світязі"
    response = client.post(
        "/cabinet/profile/password",
        data={
            "csrf_token": token,
            "password-current_password": PASSWORD,
            "password-password": new,
            "password-confirm": new,
        },
    )
    assert response.status_code == 303
    assert client.get("/admin/").status_code == 200
