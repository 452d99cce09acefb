"""The offline snapshot, the server's half (docs/offline.md): which answers the worker may keep, for whom and until
when; the wipe at logout and login; the worker's scope; the manifest; nothing of it on / or the login page."""

from __future__ import annotations

import json
import re
import time

import pytest

from vez.cabinet.offline import OWNER, UNTIL

KEPT = [
    "/cabinet",
    "/cabinet/accounts/529471247",
    "/cabinet/accounts/529471247/bills/2026-10",
    "/cabinet/accounts/529471247/bills/2026-10.pdf",
]
NOT_KEPT = [
    "/cabinet/accounts/529471247/bills/2026-09",  # an older bill: only the newest is kept
    "/cabinet/accounts/529471247/bills/2026-09.pdf",
    "/cabinet/accounts/529471247?year=2025",  # another year of the page, not the page as it opens
    "/cabinet/profile",
    "/cabinet/accounts/529471247/pay",
    "/cabinet/accounts/529471247/export.csv",
]


@pytest.mark.parametrize("path", KEPT)
def test_the_cabinet_its_accounts_and_the_newest_bill_may_be_kept(logged_in, path):
    response = logged_in.get(path)
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers[OWNER])
    assert response.headers["Cache-Control"] == "no-store"  # kept by the worker only, never by the HTTP cache


@pytest.mark.parametrize("path", NOT_KEPT)
def test_other_pages_are_never_marked_for_keeping(logged_in, path):
    response = logged_in.get(path)
    assert response.status_code == 200, path
    assert OWNER not in response.headers and UNTIL not in response.headers


def test_an_htmx_partial_of_the_account_page_is_not_kept(logged_in):
    response = logged_in.get("/cabinet/accounts/529471247", headers={"HX-Request": "true"})
    assert response.status_code == 200 and OWNER not in response.headers


def test_the_snapshot_lasts_as_long_as_the_idle_session(app, logged_in):
    until = int(logged_in.get("/cabinet").headers[UNTIL])
    idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    assert abs(until - (time.time() + idle)) < 5


def test_a_remembered_login_keeps_its_snapshot_as_long_as_the_remember_cookie(app, client, auth, ivan):
    assert auth.login(remember="y").status_code == 303
    until = int(client.get("/cabinet").headers[UNTIL])
    remember = app.config["REMEMBER_COOKIE_DURATION"].total_seconds()
    assert abs(until - (time.time() + remember)) < 5


def test_the_owner_key_differs_between_logins_and_changes_after_logout(app, client, auth, ivan, petro):
    auth.login()
    first = client.get("/cabinet").headers[OWNER]
    assert client.get("/cabinet/accounts/912345678").headers[OWNER] == first  # one login, one key
    auth.logout()
    auth.login()
    again = client.get("/cabinet").headers[OWNER]
    auth.logout()
    auth.login("petro")
    other = client.get("/cabinet").headers[OWNER]
    assert len({first, again, other}) == 3


def test_logout_tells_the_browser_to_wipe_the_snapshot(logged_in, auth):
    response = auth.logout()
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_a_login_starts_on_a_wiped_device_and_a_failed_one_wipes_nothing(client, auth, ivan):
    assert "Clear-Site-Data" not in auth.login(password="wrong password here").headers
    response = auth.login()
    assert response.status_code == 303 and response.headers["Clear-Site-Data"] == '"storage"'


def test_logged_in_pages_carry_the_hidden_note_the_worker_and_the_manifest(logged_in):
    html = logged_in.get("/cabinet").get_data(as_text=True)
    note = re.search(
        r'<div class="note" id="offline-note" role="status" data-snapshot="live" hidden>'
        r"(.*?)</div>",
        html,
        re.S,
    )
    assert note and re.search(r"\d{1,2} \w+\. \d{4}\s?р\., \d{2}:\d{2}", note.group(1))  # rendered now, in Ukrainian
    assert re.search(r'<script src="/static/js/offline\.js\?v=\w+" data-worker="/static/js/sw\.js\?v=\w+" defer>', html)
    assert re.search(r'<link rel="manifest" href="/brand/uk/manifest\.webmanifest\?v=\w+">', html)
    assert html.count("data-snapshot-keep") == 4  # the newest bill and its PDF, of each of the two accounts
    assert 'action="/logout" class="inline" data-wipe-snapshot' in html


def test_the_note_says_data_as_of_in_english(logged_in):
    html = logged_in.get("/cabinet?lang=en").get_data(as_text=True)
    assert re.search(r"Data as of \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M", html)
    assert "Paying and changing anything need the network." in html


@pytest.mark.parametrize("path", ["/", "/login", "/company", "/registration"])
def test_public_pages_reference_neither_the_worker_nor_the_manifest(client, path):
    html = client.get(path).get_data(as_text=True)
    for needle in ("sw.js", "offline.js", "manifest", "offline-note"):
        assert needle not in html, (path, needle)


def test_the_worker_may_control_the_cabinet_and_nothing_wider(logged_in):
    html = logged_in.get("/cabinet").get_data(as_text=True)
    url = re.search(r'data-worker="([^"]+)"', html).group(1)
    with logged_in.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Service-Worker-Allowed"] == "/cabinet"
        assert response.mimetype in ("text/javascript", "application/javascript")
        assert "immutable" in response.headers["Cache-Control"]  # its URL carries its fingerprint
    with logged_in.get("/static/js/focus.js") as other:
        assert "Service-Worker-Allowed" not in other.headers


def test_the_csp_keeps_workers_and_manifests_to_this_site(logged_in):
    csp = logged_in.get("/cabinet").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.mark.parametrize(("language", "short"), [("uk", "ВЕЗ"), ("en", "VEZ")])
def test_the_manifest_puts_the_cabinet_on_a_home_screen(app, client, language, short):
    response = client.get(f"/brand/{language}/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/cabinet" and manifest["display"] == "standalone"
    assert manifest["lang"] == language and manifest["name"] and manifest["short_name"]
    assert manifest["theme_color"] == app.config["BRAND_COLOR"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"any", "192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200 and image.mimetype == icon["type"], icon


def test_the_manifest_of_an_unknown_language_is_not_found(client):
    assert client.get("/brand/xx/manifest.webmanifest").status_code == 404
