"""The render cache (vez.rendercache, docs/performance.md): a logged-in page is rendered once for the same login,
page, language and data, and never shows anything but what a fresh rendering would."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import delete, text

from tests.conftest import https_client
from vez.extensions import db as _db
from vez.models import PaymentSource, User, UserAccount
from vez.rendercache import Uncacheable, fingerprint, kept, render_page

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def pages(app):
    return app.extensions["vez.rendercache"]


def tokens(html: str) -> set[str]:
    return {a or b for a, b in CSRF.findall(html)}


def without_tokens(html: str) -> str:
    for token in tokens(html):
        html = html.replace(token, "")
    return html


def test_the_cabinet_is_rendered_once_for_the_same_data(app, logged_in):
    first = logged_in.get("/cabinet").get_data(as_text=True)
    hits = pages(app).hits
    again = logged_in.get("/cabinet").get_data(as_text=True)
    assert pages(app).hits == hits + 1
    assert without_tokens(again) == without_tokens(first)  # the token is signed with the second it is sent


@pytest.mark.parametrize(
    "path", ["/cabinet", "/cabinet/accounts/529471247", "/cabinet/accounts/529471247/bills/2026-10"]
)
def test_every_kept_page_is_served_from_the_cache_the_second_time(app, logged_in, path):
    logged_in.get(path)
    hits = pages(app).hits
    assert logged_in.get(path).status_code == 200
    assert pages(app).hits == hits + 1


def test_a_payment_credited_shows_at_once(app, db, logged_in, ivan, pay):
    """Changed data is another key: no stale balance, no waiting for the cache."""
    from vez.ledger import recompute_balances

    before = logged_in.get("/cabinet").get_data(as_text=True)
    assert "432,00" in before
    pay(ivan[1], 43200, datetime(2026, 11, 3, 12), source=PaymentSource.online)
    recompute_balances()
    db.session.commit()
    after = logged_in.get("/cabinet").get_data(as_text=True)
    assert after != before
    assert "Нічого сплачувати" in after or "432,00" not in after.split('class="accounts"')[0]


def test_another_login_never_gets_this_logins_page(app, db, ivan, petro, auth, client):
    auth.login()
    ivans = client.get("/cabinet").get_data(as_text=True)
    other = https_client(app)
    from tests.conftest import AuthActions

    AuthActions(other).login("petro")
    petros = other.get("/cabinet").get_data(as_text=True)
    assert "531111111" in petros and "529471247" not in petros
    assert "529471247" in ivans and "531111111" not in ivans


def test_each_session_gets_its_own_csrf_token_in_a_kept_page(app, db, ivan, auth, client):
    """A second browser of the same login is served the kept page with its own session's token, which works."""
    from tests.conftest import AuthActions

    auth.login()
    second = https_client(app)
    AuthActions(second).login()
    client.get("/cabinet")  # the first browser's page is rendered and kept
    hits = pages(app).hits
    html = second.get("/cabinet").get_data(as_text=True)
    assert pages(app).hits == hits + 1
    (token,) = tokens(html)
    assert "\x00" not in html
    assert second.post("/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert second.get("/cabinet").status_code == 302  # logged out: the kept page's token was this session's


def test_the_one_time_key_of_a_form_is_new_on_each_page_shown(app, logged_in):
    keys = set()
    for _ in range(3):
        html = logged_in.get("/cabinet/accounts/529471247").get_data(as_text=True)
        keys |= set(re.findall(r'name="key" type="hidden" value="([^"]+)"', html))
    assert len(keys) == 3


def test_data_as_of_is_the_moment_of_this_answer(app, ivan, auth, client):
    """The offline copy's note says when this page was sent, not when it was first rendered."""
    with time_machine.travel(datetime(2031, 11, 20, 8, 0), tick=False) as t:
        auth.login()
        first = client.get("/cabinet").get_data(as_text=True)
        t.shift(25 * 60)
        second = client.get("/cabinet").get_data(as_text=True)
    assert "10:00" in first.split('id="offline-note"')[1][:300]  # 08:00 UTC is 10:00 in Kyiv
    assert "10:25" in second.split('id="offline-note"')[1][:300]
    assert "1901" not in second


def test_a_flashed_message_is_never_kept(app, logged_in):
    logged_in.get("/cabinet")
    with logged_in.session_transaction() as session:
        session["_flashes"] = [("info", "Один раз")]
    assert "Один раз" in logged_in.get("/cabinet").get_data(as_text=True)
    assert "Один раз" not in logged_in.get("/cabinet").get_data(as_text=True)


def test_a_row_changed_behind_the_orms_back_is_a_new_page(app, db, logged_in, ivan):
    """The kept page's statements are run again as sent: a change by plain SQL (an import, a staff script) shows
    at once, with nothing told to the cache."""
    before = logged_in.get("/cabinet/accounts/529471247").get_data(as_text=True)
    assert "612,34" not in before
    db.session.execute(text("UPDATE charges SET amount = 61234 WHERE amount = 51840"))
    db.session.commit()
    after = logged_in.get("/cabinet/accounts/529471247").get_data(as_text=True)
    assert "612,34" in after


def test_an_account_taken_from_the_login_is_refused_at_once_not_served_from_the_cache(app, db, logged_in, ivan):
    path = "/cabinet/accounts/529471247/bills/2026-10"
    assert logged_in.get(path).status_code == 200
    assert logged_in.get(path).status_code == 200  # kept
    db.session.execute(delete(UserAccount).where(UserAccount.account_id == ivan[1].id))
    db.session.commit()
    assert logged_in.get(path).status_code == 404
    assert logged_in.get("/cabinet/accounts/529471247").status_code == 404


def test_a_lazy_load_while_rendering_is_among_the_reads_checked(app, db, ivan, make_user, make_account):
    from flask_login import login_user

    second = make_account("540000002")
    other = make_user("olha", accounts=[make_account("540000001"), second])

    app.jinja_env.loader = ChoiceLoader([DictLoader({"lazy.html": "{{ user.accounts|length }}"}), app.jinja_loader])
    with app.test_request_context("/cabinet"):
        login_user(_db.session.get(User, ivan[0].id))

        def build():
            user = _db.session.get(User, other.id)
            _db.session.expire(user, ["accounts"])
            return render_page("lazy.html", user=user)

        assert kept(build) == "2"
        assert kept(build) == "2" and pages(app).hits == 1
        db.session.execute(delete(UserAccount).where(UserAccount.account_id == second.id))
        assert kept(build) == "1"


def test_a_build_that_writes_is_never_kept(app, db, ivan):
    from flask_login import login_user

    app.jinja_env.loader = ChoiceLoader([DictLoader({"w.html": "written"}), app.jinja_loader])
    with app.test_request_context("/cabinet"):
        login_user(_db.session.get(User, ivan[0].id))

        def build():
            _db.session.execute(text("UPDATE users SET login = login WHERE id = :id"), {"id": ivan[0].id})
            return render_page("w.html")

        with pytest.raises(RuntimeError, match="not kept"):
            kept(build)
        app.config["RENDER_CACHE_STRICT"] = False
        assert kept(build) == "written"
        assert not pages(app).pages


def test_the_tests_fail_a_view_that_depends_on_what_the_key_does_not_hold(app, ivan):
    """RENDER_CACHE_STRICT renders every kept page again: a page that would differ (here, on a counter) fails."""
    from flask_login import login_user

    app.jinja_env.loader = ChoiceLoader([DictLoader({"n.html": "{{ n }}"}), app.jinja_loader])
    calls = []
    with app.test_request_context("/cabinet"):
        login_user(_db.session.get(User, ivan[0].id))

        def build():
            calls.append(1)
            return render_page("n.html", n=len(calls))

        assert kept(build) == "1"
        with pytest.raises(RuntimeError, match="differs from a fresh rendering"):
            kept(build)


def test_only_the_newest_bill_is_marked_for_offline_reading_from_the_cache_too(app, logged_in):
    for _ in range(2):
        assert "Vez-Snapshot-Owner" in logged_in.get("/cabinet/accounts/529471247/bills/2026-10").headers
        assert "Vez-Snapshot-Owner" not in logged_in.get("/cabinet/accounts/529471247/bills/2026-09").headers


def test_a_value_the_fingerprint_cannot_vouch_for_is_refused(app, ivan):
    with pytest.raises(Uncacheable):
        fingerprint({"x": object()})
    assert fingerprint([1, "a", None]) == (1, "a", None)


def test_the_cache_is_bounded(app, logged_in):
    app.config["RENDER_CACHE_BYTES"] = 50_000
    for path in ("/cabinet", "/cabinet/accounts/529471247", "/cabinet/accounts/912345678", "/cabinet?year=1"):
        logged_in.get(path)
    assert 0 < pages(app).size <= 50_000


def test_off_when_the_setting_is_zero(app, logged_in):
    app.config["RENDER_CACHE_BYTES"] = 0
    logged_in.get("/cabinet")
    logged_in.get("/cabinet")
    assert pages(app).hits == 0 and not pages(app).pages


def test_a_kept_statement_that_fails_is_a_miss_and_the_page_is_rendered(app, logged_in):
    """A statement that no longer runs (a column gone in a deploy, a broken connection) is never an error of the
    cache: the page is built through SQLAlchemy, which reports whatever is wrong itself."""
    import dataclasses

    first = logged_in.get("/cabinet").get_data(as_text=True)
    store = pages(app)
    for key, entry in list(store.pages.items()):
        store.pages[key] = dataclasses.replace(entry, reads=(("SELECT no_such_column FROM users", (), []),))
    hits = store.hits
    again = logged_in.get("/cabinet")
    assert again.status_code == 200 and store.hits == hits
    assert without_tokens(again.get_data(as_text=True)) == without_tokens(first)


def test_a_request_holds_one_connection_when_its_session_opens_its_own(app, db, client, auth, make_user):
    """The driver connection a hit's readings check out goes back to the pool once the session opens its own
    connection (a miss, a view using the ORM), so a request never holds two (vez.replay)."""
    from flask import g

    from vez import replay

    make_user("ivan")
    auth.login()
    with app.test_request_context("/cabinet"):
        replay._connection()  # a hit's readings: a pooled driver connection
        assert g.get("vez_driver") is not None
        db.session.connection()  # the session opens its own
        assert g.get("vez_driver") is None
        assert replay._connection()[1] is True  # and the readings go over the session's
