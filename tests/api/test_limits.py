"""Each token has API_LIMIT_PER_TOKEN requests (60 a minute by default), 304s included; then 429 + Retry-After."""

from __future__ import annotations

import time_machine


def test_the_limit_is_60_a_minute_by_default(app):
    assert app.config["API_LIMIT_PER_TOKEN"] == "60 per minute"


def test_over_the_limit_is_429_with_retry_after_and_304s_count(app, api, ivan, make_token, ivan_secret):
    app.config["API_LIMIT_PER_TOKEN"] = "5 per minute"
    with time_machine.travel("2026-11-10 12:00:00", tick=False):
        etag = api("/api/v1/accounts", ivan_secret).headers["ETag"]
        answers = [api("/api/v1/accounts", ivan_secret, **{"If-None-Match": etag}).status_code for _ in range(4)]
        assert answers == [304] * 4
        refused = api("/api/v1/accounts", ivan_secret, **{"If-None-Match": etag})
        assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
        assert refused.headers["Retry-After"] == "60"
        assert refused.get_json()["status"] == 429
        # Another token of the same login has its own count.
        assert api("/api/v1/accounts", make_token(ivan[0])).status_code == 200
    with time_machine.travel("2026-11-10 12:00:30", tick=False):
        assert api("/api/v1/accounts", ivan_secret).headers["Retry-After"] == "30"
    with time_machine.travel("2026-11-10 12:01:01", tick=False):
        assert api("/api/v1/accounts", ivan_secret).status_code == 200


def test_the_limit_is_configurable(app, api, ivan_secret):
    app.config["API_LIMIT_PER_TOKEN"] = "2 per hour"
    assert [api("/api/v1/accounts", ivan_secret).status_code for _ in range(3)] == [200, 200, 429]


def test_refused_tokens_count_nothing(app, api, ivan_secret):
    """A wrong token is refused before the counter: it cannot use up someone's limit."""
    app.config["API_LIMIT_PER_TOKEN"] = "1 per minute"
    for _ in range(3):
        api("/api/v1/accounts", "vez_" + "C" * 43)
    assert api("/api/v1/accounts", ivan_secret).status_code == 200
