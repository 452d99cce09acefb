"""Activation: the page, the POST, the welcome letter, and every dead link (docs/security.md B16)."""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from tests.conftest import PASSWORD
from vez.identity.recovery import request_password_reset
from vez.models import AuditEvent


def test_get_shows_the_branch_the_number_and_the_button_and_activates_nothing(reg, account):
    reg.register(account)
    page = reg.client.get(reg.activation_path()).get_data(as_text=True)
    assert "Активація облікового запису" in page
    assert "ТОВ «Волиньелектрозбут»: Любешівська філія" in page and f"№ {account.number}" in page
    assert "Активувати!" in page
    assert reg.user().activated_at is None  # a mail scanner's prefetch activates nothing


def test_post_activates_then_the_success_page_has_the_login_form(reg, account):
    reg.register(account)
    response = reg.client.post(reg.activation_path(), data={"csrf_token": reg.token()})
    assert response.status_code == 303
    page = reg.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Реєстрацію успішно завершено! Щоб увійти до свого облікового запису, введіть логін та пароль" in page
    assert 'id="login-form"' in page
    assert reg.user().activated_at is not None


def test_the_welcome_letter_names_the_login_and_the_email(reg, account):
    reg.register(account)
    reg.client.post(reg.activation_path(), data={"csrf_token": reg.token()})
    welcome = reg.letters("welcome")[0]
    assert "petro" in welcome.body_text and "petro@ukr.net" in welcome.body_text
    assert "petro" in welcome.body_html


def test_the_letter_is_in_the_registrants_language(reg, client, account):
    client.set_cookie("lang", "en", domain="localhost")
    reg.register(account)
    letter = reg.letters("activation")[0]
    assert letter.subject == "Registration"
    assert "If you did not register, ignore this message." in letter.body_text


def test_the_activation_letter_is_the_guides(reg, account):
    reg.register(account)
    letter = reg.letters("activation")[0]
    assert letter.subject == "Реєстрація"
    assert "Для завершення реєстрації, перейдіть за посиланням нижче" in letter.body_text
    assert "Якщо Ви не реєструвалися - ігноруйте це повідомлення." in letter.body_text
    assert "https://cabinet.test/activate/" in letter.body_text and "https://cabinet.test/activate/" in letter.body_html


def test_b16_activated_login_then_enters_the_cabinet(reg, account, auth):
    """B16: not activated → refused; activated → the cabinet."""
    reg.register(account)
    assert auth.login("petro", PASSWORD).status_code == 403
    reg.client.post(reg.activation_path(), data={"csrf_token": reg.token()})
    assert auth.login("petro", PASSWORD).status_code == 303
    assert account.number in reg.client.get("/cabinet").get_data(as_text=True)


def test_b16_second_use_of_an_activation_link_is_refused(reg, account):
    """B16: single use."""
    reg.register(account)
    path = reg.activation_path()
    assert reg.client.post(path, data={"csrf_token": reg.token()}).status_code == 303
    again = reg.client.post(path, data={"csrf_token": reg.token()})
    assert again.status_code == 410 and "уже активовано" in again.get_data(as_text=True)
    assert reg.client.get(path).status_code == 410


def test_b16_expired_activation_link_is_refused_and_offers_a_new_letter(reg, account):
    """B16: valid 72 hours (time travel)."""
    now = datetime(2026, 11, 20, 9, 0)
    with time_machine.travel(now, tick=False):
        reg.register(account)
        path = reg.activation_path()
    with time_machine.travel(now + timedelta(hours=71), tick=False):
        assert reg.client.get(path).status_code == 200
    with time_machine.travel(now + timedelta(hours=73), tick=False):
        page = reg.client.get(path)
        assert page.status_code == 410 and "72 години" in page.get_data(as_text=True)
        assert reg.client.post(path, data={"csrf_token": reg.token()}).status_code == 410
        assert reg.user().activated_at is None
        resent = reg.client.post(path + "/resend", data={"csrf_token": reg.token()})
        assert resent.headers["Location"] == "/registration/sent"
        assert len(reg.letters("activation_again")) == 1


def test_b16_another_users_link_is_not_this_users(reg, account, make_account, app, client):
    """B16: a link activates only the login it was made for; a forged id fails the signature."""
    reg.register(account)
    path = reg.activation_path()
    token = path.rsplit("/", 1)[1]
    payload, _, rest = token.partition(".")
    import base64
    import json

    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["u"] += 1
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode() + "." + rest
    assert reg.client.get(f"/activate/{forged}").status_code == 404
    assert reg.client.get("/activate/not-a-token").status_code == 404
    assert "пошкоджене" in reg.client.get("/activate/not-a-token").get_data(as_text=True)


def test_b16_a_recovery_token_at_activate_is_refused(reg, account, make_user, app, db):
    """B16: one salt per purpose."""
    make_user("ivan")
    with app.test_request_context():
        assert request_password_reset("ivan", "ivan@example.com", ip=None)
        db.session.commit()
    reset_link = reg.letters("reset")[0].body_text
    token = reset_link.split("/recovery/password/")[1].split()[0]
    assert reg.client.get(f"/activate/{token}").status_code == 404
    reg.register(account)
    activation = reg.activation_path().rsplit("/", 1)[1]
    assert reg.client.get(f"/recovery/password/{activation}").status_code == 404


def test_activation_is_audited(reg, account, db):
    reg.register(account)
    reg.client.post(reg.activation_path(), data={"csrf_token": reg.token()})
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "activation.done"))


def test_activation_without_csrf_is_refused(reg, account):
    reg.register(account)
    assert reg.client.post(reg.activation_path()).status_code == 400
