"""docs/security.md F 34-35, G 36, I 45, E 32: redirects, sizes, headers, error pages, CSRF everywhere."""

import re

import pytest
from werkzeug.routing import BaseConverter

from tests.conftest import PASSWORD, csrf_token, https_client

EVIL_NEXT = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "\\\\evil.example",
    "http:evil.example",
    "/%2F%2Fevil.example/",
    "///evil.example",
    " //evil.example",
    "\t//evil.example",
    "HTTPS://evil.example",
    "data:text/html,hi",
]


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_34_next_never_leaves_the_site(client, make_user, target):
    """docs/security.md 34: a foreign or scheme `next` gives the default page."""
    make_user("ivan")
    token = csrf_token(client)
    response = client.post("/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": token, "next": target})
    assert response.headers["Location"] == "/cabinet"


def test_34_a_local_next_is_honoured(client, make_user):
    make_user("ivan")
    token = csrf_token(client, "/login?next=/cabinet%3Fx%3D1")
    html = client.get("/login?next=/cabinet%3Fx%3D1").get_data(as_text=True)
    assert 'value="/cabinet?x=1"' in html
    response = client.post(
        "/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": token, "next": "/cabinet?x=1"}
    )
    assert response.headers["Location"] == "/cabinet?x=1"


def test_35_a_two_mebibyte_body_is_refused(client):
    """docs/security.md 35: 413 for an oversized body."""
    response = client.post("/login", data={"login": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_35_a_100_kib_password_is_refused_before_hashing(client, make_user, monkeypatch):
    import vez.identity.login as login_module

    calls = []
    monkeypatch.setattr(login_module, "verify_password", lambda *a: calls.append(a) or (False, None))
    make_user("ivan")
    token = csrf_token(client)
    response = client.post("/login", data={"login": "ivan", "password": "p" * 100 * 1024, "csrf_token": token})
    assert response.status_code == 422
    assert calls == []


def test_35_sql_shaped_input_is_just_a_wrong_login(client):
    token = csrf_token(client)
    response = client.post(
        "/login", data={"login": "' OR 1=1; DROP TABLE users; --", "password": "x' OR '1'='1", "csrf_token": token}
    )
    assert response.status_code == 422
    assert client.get("/healthz").status_code == 200


HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
CSP = "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'"


def assert_decided_headers(response):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith(CSP)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "Server" not in response.headers or not re.search(r"\d", response.headers["Server"])


def test_36_headers_on_every_kind_of_answer(app, client, auth, make_user):
    """docs/security.md 36: the decided headers on 200 (public and logged in), 302, 404, 429 and 500."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    make_user("ivan")
    public = client.get("/")
    assert public.status_code == 200 and public.headers["Cache-Control"] == "no-store"
    redirect = client.get("/cabinet")
    assert redirect.status_code == 302
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    failing = client.get("/boom-for-test")
    assert failing.status_code == 500
    auth.login()
    private = client.get("/cabinet")
    assert private.status_code == 200 and private.headers["Cache-Control"] == "no-store"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1 per hour"
    other = https_client(app)
    token = csrf_token(other)
    other.post("/login", data={"login": "x", "password": "y", "csrf_token": token})
    throttled = other.post("/login", data={"login": "x", "password": "y", "csrf_token": token})
    assert throttled.status_code == 429
    for response in (public, redirect, missing, failing, private, throttled):
        assert_decided_headers(response)


def test_45_a_failing_route_answers_500_with_an_incident_id_and_no_traceback(app, client):
    """docs/security.md 45."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert re.search(r"Номер інциденту: [0-9a-f]{8}", html)
    assert "Traceback" not in html and "secret internals" not in html
    assert not app.debug


@pytest.mark.parametrize(
    "code, path, text_uk, text_en",
    [
        (404, "/no-such-page", "Сторінку не знайдено", "Page not found"),
        (405, "/logout", "Ця дія тут недоступна", "This action is not allowed here"),
    ],
)
def test_error_pages_speak_the_users_language(client, code, path, text_uk, text_en):
    assert text_uk in client.get(path).get_data(as_text=True)
    client.get("/?lang=en")
    response = client.get(path)
    assert response.status_code == code
    assert text_en in response.get_data(as_text=True)


def test_a_csrf_failure_page_says_what_to_do(client):
    response = client.post("/login", data={"login": "x", "password": "y"})
    assert response.status_code == 400
    assert "Оновіть сторінку" in response.get_data(as_text=True)


# Server to server, signed envelopes: the gateway's callback and the sandbox bank's LiqPay-shaped status API.
CSRF_EXEMPT_PREFIXES = ("/payments/callback/", "/payments/sandbox/api/request")


def _sample_url(rule):
    values = {}
    for arg in rule.arguments:
        converter: BaseConverter = rule._converters[arg]
        name = type(converter).__name__
        values[arg] = 1 if name in ("IntegerConverter",) else "1"
    return rule.build(values, append_unknown=False)[1]


def test_32_every_post_route_refuses_a_missing_csrf_token(app, client, auth, make_user):
    """docs/security.md 32: every POST route but the payment callback refuses a missing CSRF token."""
    make_user("ivan")
    auth.login()
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(CSRF_EXEMPT_PREFIXES):
            continue
        url = _sample_url(rule)
        response = client.post(url, data={"x": "1"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        checked += 1
    assert checked >= 2


def test_32_the_htmx_header_token_is_accepted(client, make_user):
    make_user("ivan")
    token = csrf_token(client)
    response = client.post(
        "/login", data={"login": "ivan", "password": PASSWORD}, headers={"X-CSRFToken": token, "HX-Request": "true"}
    )
    assert response.status_code == 303
