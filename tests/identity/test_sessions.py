"""docs/security.md D: sessions (24-27)."""

import time
from datetime import timedelta

import time_machine
from flask_login import login_fresh

from tests.conftest import _CSRF, csrf_token, https_client


def cookies(response):
    return {c.split("=")[0]: c for c in response.headers.getlist("Set-Cookie")}


def test_24_session_cookie_attributes(client, auth, make_user):
    """docs/security.md 24: __Host-session is Secure, HttpOnly, SameSite=Lax, Path=/, no Domain."""
    make_user("ivan")
    response = auth.login()
    cookie = cookies(response)["__Host-session"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_24_remember_cookie_is_at_most_30_days_secure_httponly(client, auth, make_user):
    make_user("ivan")
    with time_machine.travel("2030-01-01 10:00", tick=False):
        response = auth.login(remember="y")
    cookie = cookies(response)["__Host-remember"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "Domain" not in cookie
    assert "Expires=Thu, 31 Jan 2030" in cookie  # 30 days


def test_25_logout_ends_captured_session_and_remember_cookies(app, client, auth, make_user):
    """docs/security.md 25: the session and remember cookies captured before logout no longer open the cabinet."""
    make_user("ivan")
    auth.login(remember="y")
    session_cookie = client.get_cookie("__Host-session").value
    remember_cookie = client.get_cookie("__Host-remember").value
    auth.logout()
    for name, value in (("__Host-session", session_cookie), ("__Host-remember", remember_cookie)):
        thief = https_client(app)
        thief.set_cookie(name, value, domain="localhost")
        assert thief.get("/cabinet").status_code == 302, name


def test_26_idle_for_31_minutes_means_logging_in_again(client, auth, make_user):
    """docs/security.md 26: idle timeout of 30 minutes."""
    make_user("ivan")
    with time_machine.travel("2030-01-01 10:00", tick=False) as t:
        auth.login()
        t.shift(timedelta(minutes=29))
        assert client.get("/cabinet").status_code == 200
        t.shift(timedelta(minutes=31))
        assert client.get("/cabinet").status_code == 302


def test_26_twelve_hours_of_activity_means_logging_in_again(client, auth, make_user):
    """docs/security.md 26: absolute lifetime of 12 hours, however active."""
    make_user("ivan")
    with time_machine.travel("2030-01-01 08:00", tick=False) as t:
        auth.login()
        for _ in range(12 * 3):
            assert client.get("/cabinet").status_code == 200
            t.shift(timedelta(minutes=20))
        t.shift(timedelta(minutes=1))
        assert client.get("/cabinet").status_code == 302


def test_26_a_remembered_session_is_not_fresh(app, client, auth, make_user):
    make_user("ivan")
    auth.login(remember="y")
    remember_cookie = client.get_cookie("__Host-remember").value
    browser = https_client(app)  # the browser was closed: only the remember cookie is left
    browser.set_cookie("__Host-remember", remember_cookie, domain="localhost")
    with browser:
        assert browser.get("/cabinet").status_code == 200
        assert not login_fresh()


def test_27_login_renews_the_session(client, auth, make_user):
    """docs/security.md 27: a marker set before login is gone, and the cookie value changes."""
    make_user("ivan")
    csrf_token(client)
    with client.session_transaction() as session:
        session["marker"] = "planted"
    before = client.get_cookie("__Host-session").value
    auth.login()
    assert client.get_cookie("__Host-session").value != before
    with client.session_transaction() as session:
        assert "marker" not in session


def test_a_password_change_elsewhere_ends_this_session(db, client, auth, make_user):
    from vez.identity.sessions import end_all_sessions

    user = make_user("ivan")
    auth.login()
    end_all_sessions(user)
    db.session.commit()
    assert client.get("/cabinet").status_code == 302


def test_26_an_unchanged_session_cookie_is_sent_again_only_once_a_minute_old(client, auth, make_user):
    """docs/performance.md: the same cookie is not signed again on every page; the idle timeout still slides."""
    make_user("ivan")
    with time_machine.travel("2030-01-01 10:00", tick=False) as t:
        auth.login()
        t.shift(timedelta(seconds=30))
        assert "__Host-session" not in cookies(client.get("/cabinet"))
        t.shift(timedelta(seconds=31))
        assert "__Host-session" in cookies(client.get("/cabinet"))  # a minute old: signed again, sliding idleness
        for _ in range(3):  # 3 × 25 minutes of use, each page within the idle timeout of the cookie's signature
            t.shift(timedelta(minutes=25))
            assert client.get("/cabinet").status_code == 200
        t.shift(timedelta(minutes=30, seconds=1))
        assert client.get("/cabinet").status_code == 302


def test_26_a_changed_session_is_sent_at_once(app, client, auth, make_user):
    make_user("ivan")
    auth.login()
    opened = app.session_interface.open_session(app, _request_with(app, client))
    assert opened["_user_id"] and not app.session_interface.should_set_cookie(app, opened)
    opened["changed"] = True
    assert app.session_interface.should_set_cookie(app, opened)


def _request_with(app, client):
    from flask import Request

    cookie = client.get_cookie("__Host-session").value
    return Request.from_values("/", headers={"Cookie": f"__Host-session={cookie}"})


def test_the_login_is_the_sessions_own_unchanged_user(app, db, make_user):
    """Read by one Core statement, the login is attached as if the ORM had loaded it: the same object for the
    session's later reads, nothing to write back, and a change to it is written as usual."""
    from flask import session

    from vez.extensions import db as _db
    from vez.identity.sessions import AUTH_AT, load_user, login_id
    from vez.models import User

    ivan = make_user("ivan")

    with app.test_request_context("/cabinet"):
        session[AUTH_AT] = int(time.time())
        user = load_user(login_id(ivan, 0))
        assert user is not None and user in _db.session and not _db.session.dirty
        assert _db.session.get(User, ivan.id) is user
        assert user.login == "ivan" and user.role == ivan.role
        user.phone = "+380671112233"
        _db.session.commit()
    _db.session.expire_all()
    assert _db.session.get(User, ivan.id).phone == "+380671112233"


def test_27_the_logins_answer_carries_the_new_sessions_csrf_secret(client, auth, make_user):
    """The session renewed at login has a CSRF secret of its own from the start (not the visitor's old one), so
    the first page after the login changes nothing and sends no cookie, and its forms post."""
    make_user("ivan")
    client.get("/login")
    with client.session_transaction() as before:
        old = before["csrf_token"]
    auth.login()
    with client.session_transaction() as after:
        assert after["csrf_token"] and after["csrf_token"] != old
    page = client.get("/cabinet/profile")
    assert page.status_code == 200 and "__Host-session" not in cookies(page)
    token = _CSRF.search(page.get_data(as_text=True))
    form = {"csrf_token": token.group(1) or token.group(2), "prefs-language": "uk"}
    answer = client.post("/cabinet/profile/preferences", data=form)
    assert answer.status_code in (302, 303), answer.status_code


def test_a_login_changed_in_the_database_is_read_anew_on_the_next_request(app, db, client, auth, make_user):
    """The login is read on every request; a row changed by anyone (here another connection's SQL) is what the
    next request sees: its language at once, its ended sessions at once (docs/performance.md, vez.replay)."""
    from sqlalchemy import text

    user = make_user("ivan")
    auth.login()
    assert client.get("/cabinet?lang=uk").status_code == 200
    client.delete_cookie("lang")
    assert 'lang="uk"' in client.get("/cabinet").get_data(as_text=True)  # read again on the driver's cursor
    with db.engine.begin() as other:
        other.execute(text("UPDATE users SET language = 'en' WHERE id = :id"), {"id": user.id})
    assert 'lang="en"' in client.get("/cabinet").get_data(as_text=True)
    with db.engine.begin() as other:
        other.execute(text("UPDATE users SET session_version = session_version + 1 WHERE id = :id"), {"id": user.id})
    assert client.get("/cabinet").status_code == 302


def test_a_csrf_token_signed_by_vez_is_the_very_token_flask_wtf_signs(app, client):
    """vez.csrf signs without trying zlib on a 40-character secret; the token is byte for byte Flask-WTF's, and
    Flask-WTF validates it."""
    from flask import g
    from flask_wtf.csrf import generate_csrf, validate_csrf

    from vez import csrf

    with time_machine.travel("2030-01-01 10:00", tick=False), app.test_request_context("/"):
        theirs = generate_csrf()  # makes the session's secret
        g.pop("csrf_token")
        ours = csrf.token()
        assert ours == theirs
        validate_csrf(ours)
    with app.test_request_context("/"):
        from flask import session

        g.pop("csrf_token", None)  # the app context (and its g) outlives the request context
        made = csrf.token()  # a new visitor: the secret is made here, as Flask-WTF makes it
        assert len(session["csrf_token"]) == 40
        validate_csrf(made)


def test_a_visitors_session_cookie_is_left_uncompressed_and_a_logins_compressed(client, auth, make_user):
    """Either way Flask reads it back; zlib is tried only where it can shorten the cookie."""
    client.get("/login")
    visitor = client.get_cookie("__Host-session").value
    make_user("ivan")
    auth.login()
    login = client.get_cookie("__Host-session").value
    assert not visitor.startswith(".") and login.startswith(".")
    assert client.get("/cabinet").status_code == 200
