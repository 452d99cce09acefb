"""/healthz is the process alive, /readyz its dependencies reachable (docs/security.md, "Liveness and
readiness"; the database outage itself, live on PostgreSQL: test_live_postgres.py test_44_*)."""

from __future__ import annotations

import time

import pytest

from bench.server import free_port
from tests.conftest import https_client
from vez import create_app
from vez.extensions import db as _db
from vez.extensions import limiter


def test_alive_answers_without_asking_the_database(app, client, monkeypatch):

    def no_database(*args, **kwargs):
        raise AssertionError("/healthz asked the database")

    # Undone before the fixture's teardown, which does use the database (drop_all on PostgreSQL).
    with monkeypatch.context() as patch:
        patch.setattr(_db.engine, "connect", no_database)
        patch.setattr(_db.session, "execute", no_database)
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_ready_names_each_check_and_its_result(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_set_no_cookie_and_are_never_stored(client, path):
    response = client.get(path)
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"


def test_ready_is_503_naming_every_redis_that_does_not_answer(tmp_path, redis_server):
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ready.sqlite3'}",
            "RATELIMIT_STORAGE_URI": redis_server.url,
            "JOBS_REDIS_URL": nobody,
            "CACHE_REDIS_URL": redis_server.url,
        }
    )
    client = https_client(app)
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "checks": {"database": "ok", "rate_limits": "ok", "jobs": "unreachable", "cache": "ok"},
    }
    redis_server.stop()
    assert client.get("/readyz").json["checks"] == {
        "database": "ok",
        "rate_limits": "unreachable",
        "jobs": "unreachable",
        "cache": "unreachable",
    }
    assert client.get("/healthz").status_code == 200  # alive all the same


def test_a_database_that_does_not_answer_makes_ready_503_within_the_check_time(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}"})
    response = https_client(app).get("/readyz")
    assert response.status_code == 503 and response.json["checks"] == {"database": "unreachable"}


def test_probes_are_never_rate_limited(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'limited.sqlite3'}",
            "RATELIMIT_APPLICATION": "3 per minute",
        }
    )
    try:
        with app.app_context():
            _db.create_all()
        client = https_client(app)
        for _ in range(6):
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code == 200
        assert [client.get("/company").status_code for _ in range(4)][-1] == 429  # the limit is live elsewhere
    finally:  # the module-level limiter keeps application limits for every later app (docs/architecture.md)
        limiter.limit_manager.set_application_limits([])
