"""Who may open the panel (docs/security.md 31): every /admin URL, by role, and the staff's second factor."""

from __future__ import annotations

import re

from tests.admin.conftest import SECRET, totp_login
from tests.conftest import PASSWORD, csrf_token, https_client
from vez.identity.totp import TOTP
from vez.models import AuditEvent, User

READ_ENDPOINT_SUFFIXES = (".index_view", ".details_view", ".index", ".run", "admin.index")
WRITE_ENDPOINT_SUFFIXES = (".create_view", ".edit_view", ".delete_view", ".action_view", ".ajax_update")


def admin_urls(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule under /admin but the static files, ids filled in with 1."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint.endswith(".static"):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{arg}>", "csv" if arg == "export_type" else "1", url)
        if rule.endpoint.endswith("details_view") or rule.endpoint.endswith("edit_view"):
            url += "?id=1"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((rule.endpoint, method, url))
    return urls


def test_the_enumeration_finds_every_view(app):
    endpoints = {e for e, _m, _u in admin_urls(app)}
    for view in ("accounts", "logins", "charges", "bills", "payments_admin", "outbox", "audit", "subdivisions"):
        assert f"{view}.index_view" in endpoints
    for view in ("companies", "contracts", "points", "company_people", "company_invitations", "company_documents"):
        assert f"{view}.index_view" in endpoints  # the business side (tests/admin/test_companies.py)
    assert {
        "admin.index",
        "import.index",
        "import.run",
        "logins.operate",
        "payments_admin.reverse",
        "outbox.resend",
        "companies.unlock_identification",
    } <= endpoints


def test_e31_every_admin_url_sends_anonymous_visitors_to_the_login(app, client):
    """docs/security.md 31: anonymous → the login page, for every /admin URL and method."""
    for endpoint, method, url in admin_urls(app):
        response = client.open(
            url, method=method, data={"csrf_token": csrf_token(client)} if method == "POST" else None
        )
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.headers["Location"].startswith(("/login?next=/admin", "/login?next=%2Fadmin")), (endpoint, url)


def test_e31_every_admin_url_refuses_a_consumer(app, client, auth, make_user):
    """docs/security.md 31: a logged-in consumer gets 403 on every /admin URL and method."""
    make_user("ivan")
    assert auth.login().status_code == 303
    token = csrf_token(client, "/")
    for endpoint, method, url in admin_urls(app):
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 403, (endpoint, method, url, response.status_code)


def test_an_operator_reads_every_view_but_writes_nothing_an_admin_may(app, operator_client, make_account, make_staff):
    make_account()
    token = csrf_token(operator_client, "/admin/")
    for endpoint, method, url in admin_urls(app):
        if method == "GET" and endpoint.endswith(READ_ENDPOINT_SUFFIXES):
            response = operator_client.get(url)
            assert response.status_code in (200, 302, 404), url  # 302 or 404: no such row
            assert not response.headers.get("Location", "").startswith("/login"), url
        elif endpoint.endswith(WRITE_ENDPOINT_SUFFIXES):
            response = operator_client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (endpoint, method, url, response.status_code)
    for path in ("/admin/payments/1/reverse", "/admin/import/"):
        assert operator_client.post(path, data={"csrf_token": token, "reason": "x"}).status_code == 403
    for op in ("activate", "lock", "end_sessions", "reset_second_factor"):
        assert (
            operator_client.post(f"/admin/logins/1/do/{op}", data={"csrf_token": token, "reason": "x"}).status_code
            == 403
        )


def test_an_admin_opens_every_read_view(app, admin_client, make_account):
    make_account()
    for endpoint, method, url in admin_urls(app):
        if method == "GET" and endpoint.endswith(READ_ENDPOINT_SUFFIXES + (".create_view", ".edit_view")):
            response = admin_client.get(url)
            assert response.status_code in (200, 302, 404), url
            assert not response.headers.get("Location", "").startswith("/login"), url


def test_e31_no_view_shows_a_password_hash_a_totp_secret_or_a_letter_body(admin_client, db, make_user):
    from vez.mail import queue_letter

    user = make_user("ivan")
    queue_letter(
        "test", to="ivan@example.com", subject="s", template="login_reminder", language="uk", user_id=user.id, user=user
    )
    db.session.commit()
    staff = db.session.scalar(db.select(User).where(User.login == "olena"))
    pages = "".join(
        admin_client.get(p).get_data(as_text=True)
        for p in (
            "/admin/logins/",
            f"/admin/logins/details/?id={user.id}",
            f"/admin/logins/details/?id={staff.id}",
            f"/admin/logins/edit/?id={user.id}",
            "/admin/outbox/",
            "/admin/outbox/details/?id=1",
            "/admin/audit/",
        )
    )
    assert "$argon2" not in pages
    assert SECRET not in pages
    assert "password_hash" not in pages and "totp_secret" not in pages and "session_version" not in pages
    assert "/recovery" not in pages and "cabinet.test" not in pages  # no link (token) from a letter body


def test_the_panel_carries_a_nonce_csp_and_local_assets_only(admin_client):
    response = admin_client.get("/admin/accounts/")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = response.get_data(as_text=True)
    assert "unsafe-inline" not in csp
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all(f'nonce="{nonce}"' in s for s in scripts)
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_panel_speaks_ukrainian_and_english(admin_client):
    uk = admin_client.get("/admin/accounts/?lang=uk").get_data(as_text=True)
    assert "Особові рахунки" in uk or "Рахунки" in uk
    assert "Пошук" in uk  # Flask-Admin's own catalog
    assert '<html lang="uk">' in uk
    en = admin_client.get("/admin/accounts/?lang=en").get_data(as_text=True)
    assert "Accounts" in en and "Search" in en and '<html lang="en">' in en


# ---- the second factor ------------------------------------------------------------------------------


def test_e31_a_staff_password_alone_does_not_open_the_panel(client, make_staff):
    make_staff("olena")
    token = csrf_token(client)
    response = client.post("/login", data={"login": "olena", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/login/code"
    assert client.get("/admin/").status_code == 302
    assert client.get("/cabinet").status_code == 302


def test_the_right_code_opens_the_panel_and_a_wrong_one_does_not(client, make_staff, db):
    make_staff("olena")
    token = csrf_token(client)
    client.post("/login", data={"login": "olena", "password": PASSWORD, "csrf_token": token, "next": "/admin/audit/"})
    wrong = client.post("/login/code", data={"code": "000000", "csrf_token": csrf_token(client, "/login/code")})
    assert wrong.status_code == 422
    assert client.get("/admin/").status_code == 302
    right = client.post(
        "/login/code", data={"code": TOTP(SECRET).now(), "csrf_token": csrf_token(client, "/login/code")}
    )
    assert right.status_code == 303
    assert client.get("/admin/").status_code == 200
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"login.second_factor_failed", "login.second_factor_ok"} <= actions


def test_a_used_code_is_not_accepted_again(app, make_staff):
    make_staff("olena")
    first = https_client(app)
    assert totp_login(first, "olena").status_code == 303
    second = https_client(app)
    assert totp_login(second, "olena").status_code == 422


def test_wrong_codes_are_limited(client, make_staff):
    make_staff("olena")
    token = csrf_token(client)
    client.post("/login", data={"login": "olena", "password": PASSWORD, "csrf_token": token})
    token = csrf_token(client, "/login/code")  # the login renewed the session
    statuses = [client.post("/login/code", data={"code": "000000", "csrf_token": token}).status_code for _ in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    right = client.post("/login/code", data={"code": TOTP(SECRET).now(), "csrf_token": token})
    assert right.status_code == 429


def test_the_code_page_needs_a_right_password_first(client):
    assert client.get("/login/code").status_code == 303


def test_a_staff_login_without_a_secret_enrols_with_a_qr_code(client, make_staff, db):
    staff = make_staff("olena", secret=None)
    token = csrf_token(client)
    client.post("/login", data={"login": "olena", "password": PASSWORD, "csrf_token": token})
    page = client.get("/login/code").get_data(as_text=True)
    token = csrf_token(client, "/login/code")
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    assert client.post("/login/code", data={"code": TOTP(secret).now(), "csrf_token": token}).status_code == 303
    db.session.refresh(staff)
    assert staff.totp_secret == secret


def test_consumers_log_in_without_a_code(auth, make_user):
    make_user("ivan")
    assert auth.login().headers["Location"] == "/cabinet"
