"""The public-page cache is shared by every host (Redis), a staff edit of what it shows appears everywhere at
once, and a cache that does not answer never breaks a page (docs/architecture.md, "No state in a process")."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import text

from tests.admin.conftest import SECRET, totp_login
from tests.conftest import PASSWORD, csrf_token, https_client
from vez import create_app
from vez.extensions import db as _db
from vez.identity.passwords import hash_password
from vez.models import BranchKind, Role, Service, Subdivision, User, utcnow

PAGES = ("/", "/company", "/login", "/registration", "/registration?lang=en")


@pytest.fixture
def two_hosts(tmp_path, redis_server):
    """Two apps, as on two hosts: one database, one Redis (made outside any app's context, like gunicorn's)."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "CACHE_REDIS_URL": redis_server.url,
    }
    hosts = create_app(config), create_app(config)
    with hosts[0].app_context():
        _db.create_all()
    yield hosts
    for host in hosts:
        with host.app_context():
            _db.engine.dispose()


def add_subdivision(app, name_uk: str = "Любешівська філія") -> int:
    with app.app_context():
        sub = Subdivision(
            code="108",
            name_uk=name_uk,
            name_en="Liubeshiv branch",
            service=Service.electricity,
            kind=BranchKind.district,
        )
        _db.session.add(sub)
        _db.session.commit()
        return sub.id


def rename_quietly(app, name_uk: str) -> None:
    """Behind the cache's back: a plain connection, no session, no hook."""
    with app.app_context(), _db.engine.begin() as conn:
        conn.execute(text("UPDATE subdivisions SET name_uk = :name"), {"name": name_uk})


@pytest.fixture
def admin(make_user):
    return make_user("olena", role=Role.admin, totp_secret=SECRET)


def edit_in_the_panel(app, sub_id: int, name_uk: str) -> None:
    panel = https_client(app)
    assert totp_login(panel, "olena").status_code == 303
    form = {
        "csrf_token": csrf_token(panel, "/admin/"),
        "code": "108",
        "name_uk": name_uk,
        "name_en": "Liubeshiv branch",
        "service": "electricity",
        "kind": "district",
        "sort_order": "0",
    }
    assert panel.post(f"/admin/subdivisions/edit/?id={sub_id}", data=form).status_code == 302


def page(app, path: str = "/registration") -> str:
    return https_client(app).get(path).get_data(as_text=True)


def test_a_page_rendered_on_one_host_is_served_from_the_shared_cache_on_the_other(two_hosts):
    a, b = two_hosts
    add_subdivision(a)
    assert "Любешівська філія" in page(a)
    rename_quietly(a, "Змінено тихо")
    assert "Любешівська філія" in page(b)  # B never rendered it: A's copy, from Redis


def test_a_subdivision_edited_in_the_panel_on_one_host_shows_on_the_other_at_once(two_hosts):
    a, b = two_hosts
    sub_id = add_subdivision(a)
    with a.app_context():
        _db.session.add(
            User(
                login="olena",
                login_key="olena",
                email="olena@example.com",
                email_key="olena@example.com",
                phone="+380501234567",
                password_hash=hash_password(PASSWORD),
                role=Role.admin,
                totp_secret=SECRET,
                activated_at=utcnow(),
            )
        )
        _db.session.commit()
    for host in two_hosts:
        assert "Любешівська філія" in page(host)
    edit_in_the_panel(a, sub_id, "Ковельська філія")
    assert "Ковельська філія" in page(b) and "Любешівська філія" not in page(b)


def test_a_rolled_back_edit_keeps_the_cached_pages(two_hosts):
    a, b = two_hosts
    add_subdivision(a)
    assert "Любешівська філія" in page(a)
    rename_quietly(a, "Змінено тихо")
    with a.app_context():
        _db.session.scalar(_db.select(Subdivision)).name_uk = "Не збережено"
        _db.session.flush()
        _db.session.rollback()
        _db.session.commit()  # a later commit of the same session: the rolled-back write is forgotten
    assert "Любешівська філія" in page(b)  # nothing committed: no new generation


def test_a_bulk_update_through_the_session_makes_the_pages_stale(two_hosts):
    a, b = two_hosts
    add_subdivision(a)
    assert "Любешівська філія" in page(b)
    with a.app_context():
        _db.session.execute(_db.update(Subdivision).values(name_uk="Ківерцівська філія"))
        _db.session.commit()
    assert "Ківерцівська філія" in page(b)


def test_redis_stopped_pages_still_answer_and_the_cache_is_skipped_for_a_while(two_hosts, redis_server, caplog):
    a, _b = two_hosts
    add_subdivision(a)
    for path in PAGES:
        assert https_client(a).get(path).status_code == 200
    redis_server.stop()
    caplog.set_level(logging.WARNING, "vez.pagecache")
    started = time.monotonic()
    for path in PAGES:
        response = https_client(a).get(path)
        assert response.status_code == 200 and 'name="csrf_token"' in response.get_data(as_text=True)
    assert time.monotonic() - started < 5
    warnings = [r for r in caplog.records if r.name == "vez.pagecache"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()  # then skipped, not retried each time


def test_in_the_process_an_admin_edit_shows_in_the_registration_list_at_once(app, make_subdivision, admin):
    sub = make_subdivision("108", name_uk="Любешівська філія")
    assert "Любешівська філія" in page(app)
    edit_in_the_panel(app, sub.id, "Ковельська філія")
    assert "Ковельська філія" in page(app)
