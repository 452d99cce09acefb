"""Password and login recovery (docs/security.md C19–C23)."""

from __future__ import annotations

import re
import statistics
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token, https_client
from vez.models import AuditEvent, Letter

NEW = "нова довга фраза для входу"


@pytest.fixture
def ivan(make_user):
    return make_user("ivan", email="ivan@ukr.net")


def ask_password(client, login, email, ip="10.7.0.1", **kw):
    token = csrf_token(client, "/recovery/password")
    return client.post(
        "/recovery/password",
        data={"pw-login": login, "pw-email": email, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
        **kw,
    )


def ask_login(client, email, ip="10.7.0.1"):
    token = csrf_token(client, "/recovery/login")
    return client.post(
        "/recovery/login", data={"lg-email": email, "csrf_token": token}, environ_base={"REMOTE_ADDR": ip}
    )


def letters(db, kind):
    db.session.expire_all()
    return list(db.session.scalars(select(Letter).where(Letter.kind == kind).order_by(Letter.id)))


def reset_path(db) -> str:
    return re.search(r"https://cabinet\.test(/recovery/password/\S+)", letters(db, "reset")[-1].body_text).group(1)


def test_the_page_has_both_forms_with_the_guides_texts(client):
    page = client.get("/recovery/password").get_data(as_text=True)
    for text in (
        "Відновлення пароля та логіну",
        "Відновлення пароля",
        "Відновлення логіна",
        "Відправити",
        "Логін повинен повністю співпадати з вказаним при реєстрації",
        "буде надіслано листа з ім'ям користувача",
    ):
        assert text in page, text
    assert client.get("/recovery/login").get_data(as_text=True).count("<form") >= 2


def test_the_login_form_links_to_recovery(client):
    assert 'href="/recovery/password"' in client.get("/").get_data(as_text=True)


def test_c19_match_wrong_pair_and_unknown_login_answer_the_same_and_only_a_match_mails(app, client, ivan, db):
    """C19: same answer and time; only the matching pair queues a letter."""
    app.config["RECOVERY_ANSWER_SECONDS"] = 0.15
    cases = {
        "match": ("ivan", "ivan@ukr.net"),
        "wrong": ("ivan", "other@ukr.net"),
        "unknown": ("nobody", "ivan@ukr.net"),
        "case": ("IVAN", "ivan@ukr.net"),
    }
    times = {name: [] for name in cases}
    answers = set()
    from vez.identity.limits import RECOVERY_PER_EMAIL

    for round_ in range(3):
        RECOVERY_PER_EMAIL.reset("ivan@ukr.net")  # the per-email limit is C23's business
        for n, (name, (login, email)) in enumerate(cases.items()):
            started = time.perf_counter()
            response = ask_password(https_client(app), login, email, ip=f"10.8.{round_}.{n}")
            times[name].append(time.perf_counter() - started)
            answers.add((response.status_code, response.headers["Location"]))
    assert answers == {(303, "/recovery/password?sent=password")}
    medians = [statistics.median(t) for t in times.values()]
    assert max(medians) < min(medians) * 1.25, times
    assert len(letters(db, "reset")) == 3  # the matches only; the login must match exactly
    page = client.get("/recovery/password?sent=password").get_data(as_text=True)
    assert "Якщо введені дані відповідають зареєстрованому обліковому запису" in page


def test_c20_the_reset_link_sets_a_new_password_once(client, ivan, db, auth):
    """C20: single use."""
    ask_password(client, "ivan", "ivan@ukr.net")
    path = reset_path(db)
    assert "Новий пароль" in client.get(path).get_data(as_text=True)
    token = csrf_token(client, path)
    response = client.post(path, data={"password": NEW, "confirm": NEW, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get(path).status_code == 410
    assert auth.login("ivan", NEW).status_code == 303


def test_c20_the_reset_link_expires_after_an_hour(client, ivan, db):
    """C20: one hour (time travel)."""
    now = datetime(2026, 11, 20, 9, 0)
    with time_machine.travel(now, tick=False):
        ask_password(client, "ivan", "ivan@ukr.net")
        path = reset_path(db)
    with time_machine.travel(now + timedelta(minutes=59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(now + timedelta(minutes=61), tick=False):
        page = client.get(path)
        assert page.status_code == 410 and "одну годину" in page.get_data(as_text=True)


def test_c20_a_newer_link_kills_the_older(client, ivan, db):
    """C20: only the newest link works."""
    ask_password(client, "ivan", "ivan@ukr.net")
    old = reset_path(db)
    ask_password(client, "ivan", "ivan@ukr.net")
    assert client.get(old).status_code == 410
    assert client.get(reset_path(db)).status_code == 200


def test_c20_a_password_changed_by_other_means_kills_the_link(client, ivan, db):
    """C20: the link carries a fingerprint of the password hash."""
    from vez.identity.passwords import hash_password

    ask_password(client, "ivan", "ivan@ukr.net")
    path = reset_path(db)
    ivan.password_hash = hash_password("зовсім інший пароль тут")
    db.session.commit()
    assert client.get(path).status_code == 410


def test_c20_the_new_password_follows_the_policy(client, ivan, db):
    ask_password(client, "ivan", "ivan@ukr.net")
    path = reset_path(db)
    token = csrf_token(client, path)
    response = client.post(path, data={"password": "qwerty123456", "confirm": "qwerty123456", "csrf_token": token})
    assert response.status_code == 422 and "надто поширений" in response.get_data(as_text=True)
    response = client.post(path, data={"password": NEW, "confirm": NEW + "x", "csrf_token": token})
    assert response.status_code == 422 and "Паролі не збігаються" in response.get_data(as_text=True)


def test_c21_a_forged_host_header_does_not_change_the_mailed_link(app, client, ivan, db):
    """C21: links in letters come from EXTERNAL_URL, never from the request's Host."""
    app.config["WTF_CSRF_ENABLED"] = False  # the session cookie belongs to localhost, not to the forged host
    token = ""
    client.post(
        "/recovery/password",
        data={"pw-login": "ivan", "pw-email": "ivan@ukr.net", "csrf_token": token},
        headers={
            "Host": "evil.example",
            "X-Forwarded-Host": "evil.example",
            "Referer": "https://evil.example/recovery/password",
        },
    )
    letter = letters(db, "reset")[-1]
    assert "evil.example" not in letter.body_text and "evil.example" not in letter.body_html
    assert "https://cabinet.test/recovery/password/" in letter.body_text


def test_c22_a_reset_ends_every_session_sends_a_notice_and_does_not_log_in(app, client, ivan, db, auth):
    """C22: earlier sessions and remember cookies are refused; a notice goes to the address; no auto-login."""
    auth.login("ivan", PASSWORD, remember="y")
    assert client.get("/cabinet").status_code == 200
    session_cookie = client.get_cookie("__Host-session").value
    remember_cookie = client.get_cookie("__Host-remember").value
    stranger = https_client(app)
    ask_password(stranger, "ivan", "ivan@ukr.net")
    path = reset_path(db)
    response = stranger.post(path, data={"password": NEW, "confirm": NEW, "csrf_token": csrf_token(stranger, path)})
    assert response.headers["Location"] == "/login"
    assert stranger.get("/cabinet").status_code == 302  # no automatic login
    old = https_client(app)
    old.set_cookie("__Host-session", session_cookie, domain="localhost")
    assert old.get("/cabinet").status_code == 302
    remembered = https_client(app)
    remembered.set_cookie("__Host-remember", remember_cookie, domain="localhost")
    assert remembered.get("/cabinet").status_code == 302
    notice = letters(db, "password_changed")
    assert len(notice) == 1 and notice[0].recipient == "ivan@ukr.net" and "ivan" in notice[0].body_text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "recovery.password_changed"))


def test_c23_login_recovery_answers_the_same_and_the_login_is_only_in_the_letter(client, ivan, db):
    """C23: the same answer for a known and an unknown email; the login only in the letter."""
    known = ask_login(client, "IVAN@ukr.net")
    unknown = ask_login(client, "nobody@ukr.net")
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    page = client.get(known.headers["Location"]).get_data(as_text=True)
    assert "ivan" not in page.replace("ivan@", "")
    reminder = letters(db, "login_reminder")
    assert len(reminder) == 1 and "ivan" in reminder[0].body_text and reminder[0].recipient == "ivan@ukr.net"


def test_c23_three_an_hour_per_email(client, ivan, db):
    """C23: the 4th request for one email within the hour is refused."""
    for i in range(3):
        assert ask_login(client, "ivan@ukr.net", ip=f"10.9.0.{i}").status_code == 303
    refused = ask_login(client, "ivan@ukr.net", ip="10.9.0.9")
    assert refused.status_code == 429 and "Забагато запитів" in refused.get_data(as_text=True)
    assert len(letters(db, "login_reminder")) == 3


def test_c23_ten_an_hour_per_address(client, ivan, db):
    """C23: the 11th request from one address within the hour is refused."""
    for i in range(10):
        assert ask_login(client, f"someone{i}@ukr.net", ip="10.9.1.1").status_code == 303
    assert ask_login(client, "ivan@ukr.net", ip="10.9.1.1").status_code == 429
    assert ask_password(client, "ivan", "ivan@ukr.net", ip="10.9.1.1").status_code == 429
    assert ask_login(client, "ivan@ukr.net", ip="10.9.1.2").status_code == 303


def test_recovery_in_english(client):
    client.set_cookie("lang", "en", domain="localhost")
    page = client.get("/recovery/password").get_data(as_text=True)
    assert "Password and login recovery" in page and "Login recovery" in page


def test_empty_recovery_forms_are_field_errors(client):
    token = csrf_token(client, "/recovery/password")
    response = client.post("/recovery/password", data={"csrf_token": token})
    assert response.status_code == 422 and "Введіть логін" in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["not an email", "ivan@", "ivan ukr.net"])
def test_login_recovery_answers_not_an_email_with_a_field_error_and_sends_nothing(client, ivan, db, email):
    """Only the format is checked: a well-formed unknown address still gets the same "sent" answer (C19)."""
    response = ask_login(client, email)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="lg-email-error"' in html and "Це недійсна адреса електронної пошти." in html
    assert "recovery-sent" not in html and letters(db, "login_reminder") == []


def test_login_recovery_of_a_well_formed_unknown_address_answers_sent(client, ivan, db):
    response = ask_login(client, "nobody@ukr.net")
    assert response.status_code == 303 and response.headers["Location"] == "/recovery/login?sent=login"
    assert letters(db, "login_reminder") == []
