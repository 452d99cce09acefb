"""The app factory and its configuration."""

import pytest

from vez import create_app
from vez.config import DEV_SECRET_KEY
from vez.demo import create_demo_data
from vez.extensions import db

STRONG = "a-production-secret-key-of-sufficient-length-0123456789"
REDIS = "redis://127.0.0.1:6379/0"  # production refuses memory:// (tests/app/test_modes.py); never contacted


def test_testing_config_is_used_for_tests(app):
    assert app.testing
    assert app.config["ENV_MODE"] == "testing"


def test_every_key_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("VEZ_SUPPLIER_PHONE", "0 800 000 000")
    monkeypatch.setenv("VEZ_MAIL_PORT", "2525")
    app = create_app({"TESTING": True})
    assert app.config["SUPPLIER_PHONE"] == "0 800 000 000"
    assert app.config["MAIL_PORT"] == 2525  # JSON-parsed, as Flask's from_prefixed_env does


def test_default_database_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("VEZ_SQLALCHEMY_DATABASE_URI", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/vez.sqlite3")


@pytest.mark.parametrize("secret", [DEV_SECRET_KEY, "short", ""])
def test_production_refuses_a_default_or_short_secret_key(secret, tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {"ENV_MODE": "production", "SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}
        )


def test_production_refuses_debug_mode(tmp_path):
    with pytest.raises(RuntimeError, match="debug"):
        create_app(
            {
                "ENV_MODE": "production",
                "SECRET_KEY": STRONG,
                "DEBUG": True,
                "RATELIMIT_STORAGE_URI": REDIS,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
            }
        )


def test_production_refuses_a_database_with_the_demo_logins(tmp_path):
    url = f"sqlite:///{tmp_path}/p.db"
    dev = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with dev.app_context():
        db.create_all()
        create_demo_data(accounts=5)
        db.session.commit()
    with pytest.raises(RuntimeError, match="demo logins"):
        create_app(
            {
                "ENV_MODE": "production",
                "SECRET_KEY": STRONG,
                "SQLALCHEMY_DATABASE_URI": url,
                "RATELIMIT_STORAGE_URI": REDIS,
            }
        )


def test_production_starts_with_a_strong_secret_and_no_demo_logins(tmp_path):
    app = create_app(
        {
            "ENV_MODE": "production",
            "SECRET_KEY": STRONG,
            "RATELIMIT_STORAGE_URI": REDIS,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
        }
    )
    assert not app.debug
    # Templates are compiled once per worker and never checked for changes on a request (docs/performance.md).
    assert app.jinja_env.auto_reload is False
    assert app.config["RENDER_CACHE_BYTES"] > 0 and app.config["RENDER_CACHE_STRICT"] is False


def test_health_check_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_a_logged_in_visitor_gets_the_503_page_when_the_database_is_away(client, make_user, auth, monkeypatch):
    """The error page must not ask the database who the visitor is (live: tests/app/test_live_cluster.py)."""
    from sqlalchemy.exc import OperationalError

    make_user("ivan")
    assert auth.login().status_code == 303

    def away(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "get", away)
    monkeypatch.setattr(db.session, "execute", away)  # the login is loaded by a statement of its own
    response = client.get("/cabinet")
    assert response.status_code == 503
    assert "Сервіс тимчасово недоступний" in response.get_data(as_text=True)


def test_a_kept_page_gets_the_503_page_when_the_database_goes_away(client, make_user, auth, monkeypatch):
    """A login and a page kept by the worker are checked on the driver's own connection (vez.replay), whose
    errors SQLAlchemy does not wrap: the check gives way to SQLAlchemy, which reports the outage its usual way
    (the 503 page, not a 500; live: tests/app/test_live_cluster.py with PostgreSQL stopped)."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    make_user("ivan")
    assert auth.login().status_code == 303
    assert client.get("/cabinet").status_code == 200
    assert client.get("/cabinet").status_code == 200  # the login and the page, both checked on the driver

    def driver_away(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    def away(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    with monkeypatch.context() as away_now:  # undone before the database fixture's teardown needs a connection
        away_now.setattr(db.engine, "raw_connection", driver_away)
        away_now.setattr(db.session, "connection", away)
        response = client.get("/cabinet")
    assert response.status_code == 503
    assert "Сервіс тимчасово недоступний" in response.get_data(as_text=True)


def test_flask_limiter_checks_requests_only_when_an_operator_configures_a_limit(app):
    """vez's limits are rows of the database (vez.identity.limits); Flask-Limiter enforces what an operator sets
    (RATELIMIT_APPLICATION and the like: tests/app/test_health.py shows it live). With none set, it is off and
    adds no hook to every request; a view that declared a limit of its own would need it on."""
    from vez.extensions import limiter

    assert app.config["RATELIMIT_ENABLED"] is False
    hooks = [getattr(f, "__qualname__", repr(f)) for f in app.before_request_funcs[None]]
    assert not [hook for hook in hooks if "Limiter" in hook], hooks
    assert not limiter._marked_for_limiting, "a view declares a Flask-Limiter limit: vez/__init__.py turns it off"
