"""docs/security.md, "Sessions bound to a second factor", remember cookies: the cookie
carries its login's time, checked on the server, and each login gives a new one; a restore gets its own 12-hour
absolute limit."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from flask_login.utils import encode_cookie

from tests.conftest import AuthActions, https_client


def remembered_browser(app, value: str):
    browser = https_client(app)  # the browser was closed: only the remember cookie is left
    browser.set_cookie("__Host-remember", value, domain="localhost")
    return browser


def test_a_remember_cookie_restores_nothing_after_remember_cookie_duration(app, client, auth, make_user):
    make_user("ivan")
    lifetime = app.config["REMEMBER_COOKIE_DURATION"]
    with time_machine.travel("2030-01-01 10:00", tick=False) as clock:
        auth.login(remember="y")
        stolen = client.get_cookie("__Host-remember").value
        clock.shift(lifetime - timedelta(minutes=1))
        assert remembered_browser(app, stolen).get("/cabinet").status_code == 200
        clock.shift(timedelta(minutes=2))  # the browser would have dropped it; a thief's copy does not expire
        browser = remembered_browser(app, stolen)
        assert browser.get("/cabinet").status_code == 302
        assert browser.get_cookie("__Host-remember") is None  # and the answer deletes it


def test_each_login_gives_a_new_remember_cookie(app, make_user):
    """Two logins of one login in the same second (two browsers, no logout between): two different cookies."""
    make_user("ivan")
    values = set()
    with time_machine.travel("2030-01-01 10:00", tick=False):
        for _ in range(2):
            browser = https_client(app)
            assert AuthActions(browser).login(remember="y").status_code == 303
            values.add(browser.get_cookie("__Host-remember").value)
    assert len(values) == 2


def test_a_cookie_without_an_issue_time_restores_nothing(app, make_user):
    """The old form, `user:version`, signed with the app's key: it never expired on the server."""
    user = make_user("ivan")
    with app.test_request_context():
        old = encode_cookie(f"{user.id}:{user.session_version}")
    assert remembered_browser(app, old).get("/cabinet").status_code == 302


def test_a_restored_session_gets_12_hours_from_the_restore(app, client, auth, make_user):
    make_user("ivan")
    with time_machine.travel("2030-01-01 08:00", tick=False) as clock:
        auth.login(remember="y")
        cookie = client.get_cookie("__Host-remember").value
        clock.shift(timedelta(days=20))
        browser = remembered_browser(app, cookie)
        for _ in range(12 * 3):
            assert browser.get("/cabinet").status_code == 200
            clock.shift(timedelta(minutes=20))
        clock.shift(timedelta(minutes=1))
        browser.delete_cookie("__Host-remember", domain="localhost")
        assert browser.get("/cabinet").status_code == 302
