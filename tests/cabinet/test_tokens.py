"""The profile's API access tokens (docs/api.md, "Tokens"): made with the password and shown once, stored as a
fingerprint, scoped to the login's accounts, listed with their last use, revoked with one click, outliving a
password change unless asked."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.cabinet.test_profile import NEW_PASSWORD, letters, post
from tests.conftest import PASSWORD
from vez.identity import api_tokens
from vez.models import ApiToken, AuditEvent


def make(client, **fields):
    data = {"token-name": "Home Assistant", "token-days": "90", "token-scope": "all"}
    data["token-current_password"] = PASSWORD
    data.update(fields)
    return post(client, "/cabinet/profile/tokens", **data)


def secret_of(response) -> str:
    return re.search(r'id="token-secret" type="text" readonly value="(vez_[^"]+)"', response.get_data(as_text=True))[1]


def test_a_token_is_shown_once_never_cached_and_kept_only_as_its_fingerprint(app, db, logged_in, ivan):
    response = make(logged_in)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    secret = secret_of(response)
    assert len(secret) == 47 and "Authorization: Bearer " + secret in response.get_data(as_text=True)
    token = db.session.scalar(select(ApiToken))
    assert token.digest == api_tokens.digest(secret) and secret not in (token.digest, token.hint)
    assert token.all_accounts and (token.expires_at - token.created_at).days == 90
    listing = logged_in.get("/cabinet/profile/tokens").get_data(as_text=True)
    assert "Home Assistant" in listing and token.hint in listing and secret not in listing
    assert api_tokens.authenticate(secret, ip="10.0.0.1").id == token.id


def test_making_a_token_sends_a_notice_and_is_audited(db, logged_in, ivan):
    make(logged_in, **{"token-days": "30"})
    notice = letters(db, "account-changed")
    assert [letter.recipient for letter in notice] == ["ivan@example.com"]
    assert "Home Assistant" in notice[0].body_text and "API" in notice[0].body_text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.token_created"))
    assert event.data["days"] == 30 and event.data["accounts"] == "all"


def test_a_wrong_password_or_no_name_makes_nothing_and_keeps_what_was_typed(db, logged_in, ivan):
    response = make(logged_in, **{"token-current_password": "not my password", "token-name": "Сенсор"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Поточний пароль невірний" in page
    assert 'value="Сенсор"' in page and 'aria-invalid="true"' in page
    response = make(logged_in, **{"token-name": " "})
    assert response.status_code == 422 and "Назвіть токен" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_some_accounts_reads_only_the_ticked_ones_and_none_ticked_is_refused(db, logged_in, ivan, petro):
    _user, power, _gas = ivan
    response = make(logged_in, **{"token-scope": "some"})
    assert response.status_code == 422 and "Позначте принаймні один рахунок" in response.get_data(as_text=True)
    # Another login's account sent by hand is not a choice the form offers: refused, nothing made.
    response = make(logged_in, **{"token-scope": "some", "token-accounts": str(petro[1].id)})
    assert response.status_code == 422 and db.session.scalar(select(func.count(ApiToken.id))) == 0
    response = make(logged_in, **{"token-scope": "some", "token-accounts": str(power.id)})
    assert response.status_code == 201
    token = db.session.scalar(select(ApiToken))
    assert not token.all_accounts and api_tokens.readable_account_ids(token) == [power.id]


def test_revoking_is_one_click_and_only_of_ones_own_tokens(app, db, logged_in, ivan, petro):
    secret = secret_of(make(logged_in))
    token = db.session.scalar(select(ApiToken))
    other = api_tokens.create(petro[0], "Petro's", 30, account_ids=None, ip=None)
    db.session.commit()
    assert post(logged_in, f"/cabinet/profile/tokens/{other.token.id}/revoke").status_code == 404
    response = post(logged_in, f"/cabinet/profile/tokens/{token.id}/revoke")
    assert response.status_code == 303
    assert "відкликано" in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert api_tokens.authenticate(secret, ip=None) is None
    assert api_tokens.authenticate(other.secret, ip=None) is not None
    assert post(logged_in, f"/cabinet/profile/tokens/{token.id}/revoke").status_code == 404  # once


def test_a_password_change_keeps_tokens_unless_asked(db, logged_in, ivan):
    first = secret_of(make(logged_in))
    page = logged_in.get("/cabinet/profile").get_data(as_text=True)
    assert "Також відкликати мої токени доступу до API" in page
    change = {"password-current_password": PASSWORD, "password-password": NEW_PASSWORD}
    change["password-confirm"] = NEW_PASSWORD
    assert post(logged_in, "/cabinet/profile/password", **change).status_code == 303
    assert api_tokens.authenticate(first, ip=None) is not None
    second = secret_of(make(logged_in, **{"token-current_password": NEW_PASSWORD}))
    back = {"password-current_password": NEW_PASSWORD, "password-password": PASSWORD + " знову"}
    back.update({"password-confirm": PASSWORD + " знову", "password-revoke_tokens": "y"})
    assert post(logged_in, "/cabinet/profile/password", **back).status_code == 303
    db.session.expire_all()
    assert api_tokens.authenticate(first, ip=None) is None and api_tokens.authenticate(second, ip=None) is None


def test_a_locked_login_or_an_expired_token_opens_nothing(db, logged_in, ivan):
    from datetime import timedelta

    from vez.models import utcnow

    secret = secret_of(make(logged_in))
    token = db.session.scalar(select(ApiToken))
    ivan[0].locked_at = utcnow()
    db.session.commit()
    assert api_tokens.authenticate(secret, ip=None) is None
    ivan[0].locked_at = None
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api_tokens.authenticate(secret, ip=None) is None


def test_the_pages_in_english(logged_in, ivan):
    page = logged_in.get("/cabinet/profile/tokens?lang=en").get_data(as_text=True)
    assert "API access tokens" in page and "Make the token" in page and "You have no tokens." in page
