"""Only a live bearer token opens the API: every other way in is the same 401 (docs/api.md, "Tokens")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from vez.identity import api_tokens
from vez.models import ApiToken, utcnow


def _assert_unauthorized(response, challenge: str = 'Bearer realm="vez", error="invalid_token"') -> None:
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == challenge
    body = response.get_json()
    assert body["status"] == 401 and body["type"] == "about:blank" and body["title"] == "Unauthorized"
    assert body["detail"]
    assert "Set-Cookie" not in response.headers


def test_a_live_token_reads_the_accounts(api, ivan_secret):
    response = api("/api/v1/accounts", ivan_secret)
    assert response.status_code == 200
    assert [a["number"] for a in response.get_json()["accounts"]] == ["529471247", "912345678"]


def test_no_token_is_401_with_a_bearer_challenge(api, ivan):
    _assert_unauthorized(api("/api/v1/accounts"), 'Bearer realm="vez"')


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer vez_" + "A" * 43,  # well-formed, unknown
        "Bearer not-a-vez-token",
        "Bearer ",
        "Basic aXZhbjpwYXNzd29yZA==",
        "Bearer vez_" + "A" * 200,
    ],
)
def test_a_wrong_token_is_the_same_401(app, ivan, authorization):
    client = app.test_client(use_cookies=False)
    response = client.get("/api/v1/accounts", headers={"Authorization": authorization})
    challenge = 'Bearer realm="vez"' if not authorization.lower().startswith("bearer") else None
    _assert_unauthorized(response, challenge or 'Bearer realm="vez", error="invalid_token"')


def _token_of(secret: str, db) -> ApiToken:
    return db.session.query(ApiToken).filter_by(digest=api_tokens.digest(secret)).one()


def test_an_expired_token_is_401(api, db, ivan_secret):
    _token_of(ivan_secret, db).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _assert_unauthorized(api("/api/v1/accounts", ivan_secret))


def test_a_revoked_token_is_401(api, db, ivan, ivan_secret):
    assert api_tokens.revoke(ivan[0], _token_of(ivan_secret, db).id, ip=None)
    db.session.commit()
    _assert_unauthorized(api("/api/v1/accounts", ivan_secret))


def test_a_locked_logins_token_is_401_at_once(api, db, ivan, ivan_secret):
    ivan[0].locked_at = utcnow()
    db.session.commit()
    _assert_unauthorized(api("/api/v1/accounts/529471247", ivan_secret))


def test_a_logged_in_session_cookie_without_a_token_is_401(auth, client, ivan):
    """No cookie ever authenticates the API: the cabinet's own session opens nothing here."""
    auth.login()
    assert client.get("/cabinet").status_code == 200
    response = client.get("/api/v1/accounts")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="vez"'
    assert client.get("/api/v1/accounts/529471247/bills/2026-10.pdf").status_code == 401


def test_every_refusal_has_the_same_body(api, db, ivan, ivan_secret):
    """Unknown, expired and revoked answer byte for byte alike: nothing tells them apart."""
    unknown = api("/api/v1/accounts", "vez_" + "B" * 43).get_data()
    _token_of(ivan_secret, db).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api("/api/v1/accounts", ivan_secret).get_data() == unknown


def test_a_use_is_recorded_with_its_address(api, db, ivan_secret):
    api("/api/v1/accounts", ivan_secret)
    db.session.expire_all()
    token = _token_of(ivan_secret, db)
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"


def test_the_description_needs_no_token(api):
    response = api("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"] == "3.1.0"


def test_a_session_cookie_beside_a_token_changes_nothing(auth, client, ivan, petro, make_token):
    """The bearer decides whose data it is: ivan's cabinet cookie with petro's token reads petro's accounts only."""
    auth.login()
    response = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {make_token(petro[0])}"})
    assert [a["number"] for a in response.get_json()["accounts"]] == ["531111111"]
