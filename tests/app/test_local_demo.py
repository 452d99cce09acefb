"""LOCAL_DEMO: `make cluster`'s one setting that lets production hold the demo logins and the sandbox gateway,
on a loopback address only, said in the log and on every page (docs/security.md, "Local demonstration")."""

import logging

import pytest

from tests.conftest import csrf_token, https_client
from vez import create_app
from vez.demo import create_demo_data
from vez.extensions import db
from vez.payments import providers

STRONG = "a-production-secret-key-of-sufficient-length-0123456789"
REDIS = "redis://127.0.0.1:6379/0"  # never contacted: the storage client connects on first use
BANNER_UK = "Локальна демонстрація"
BANNER_EN = "Local demonstration: demo logins and a test payment gateway, no real money."


def production(tmp_path, **config):
    return create_app(
        {
            "ENV_MODE": "production",
            "SECRET_KEY": STRONG,
            "RATELIMIT_STORAGE_URI": REDIS,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
            **config,
        }
    )


@pytest.fixture
def demo_database(tmp_path):
    """A database holding the demo logins, as `make cluster` loads it."""
    dev = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    with dev.app_context():
        db.create_all()
        create_demo_data(accounts=5)
        db.session.commit()
        db.engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["https://cabinet.example.ua", "http://10.0.0.5:8080", "http://0.0.0.0:8080", "http://127.0.0.1.nip.io"],
)
def test_production_refuses_local_demo_on_an_address_that_is_not_loopback(url, tmp_path):
    with pytest.raises(RuntimeError, match="LOCAL_DEMO .* loopback"):
        production(tmp_path, LOCAL_DEMO=True, EXTERNAL_URL=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"])
def test_production_takes_local_demo_on_a_loopback_address(url, tmp_path):
    assert production(tmp_path, LOCAL_DEMO=1, EXTERNAL_URL=url).config["LOCAL_DEMO"] is True


@pytest.mark.parametrize("flag", [0, False, "0", "no", "yes", ""])
def test_anything_but_one_or_true_leaves_local_demo_off(flag, tmp_path):
    app = production(tmp_path, LOCAL_DEMO=flag, EXTERNAL_URL="https://cabinet.example.ua")
    assert app.config["LOCAL_DEMO"] is False


def test_local_demo_from_the_environment_is_refused_with_a_public_address(monkeypatch, tmp_path):
    monkeypatch.setenv("VEZ_LOCAL_DEMO", "1")
    monkeypatch.setenv("VEZ_EXTERNAL_URL", "https://cabinet.example.ua")
    with pytest.raises(RuntimeError, match="LOCAL_DEMO"):
        production(tmp_path)


def test_local_demo_lets_production_start_with_the_demo_logins_and_says_so(demo_database, tmp_path, caplog):
    with pytest.raises(RuntimeError, match="demo logins"):
        production(tmp_path, EXTERNAL_URL="http://127.0.0.1:8080")
    with caplog.at_level(logging.WARNING, logger="vez"):
        app = production(tmp_path, LOCAL_DEMO=True, EXTERNAL_URL="http://127.0.0.1:8080")
    assert any("LOCAL_DEMO is on" in r.getMessage() and "127.0.0.1:8080" in r.getMessage() for r in caplog.records)
    with app.app_context():
        db.engine.dispose()


def test_local_demo_lets_production_load_the_demo_data(tmp_path):
    refused = production(tmp_path, EXTERNAL_URL="http://127.0.0.1:8080").test_cli_runner().invoke(args=["demo-data"])
    assert refused.exit_code != 0 and "refused in production" in refused.output
    app = production(tmp_path, LOCAL_DEMO=True, EXTERNAL_URL="http://127.0.0.1:8080")
    with app.app_context():
        db.create_all()
    loaded = app.test_cli_runner().invoke(args=["demo-data"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        db.engine.dispose()


def test_local_demo_keeps_the_sandbox_gateway_in_production(tmp_path):
    plain = production(tmp_path, EXTERNAL_URL="http://127.0.0.1:8080")
    with plain.app_context():
        assert providers.get("sandbox") is None
    demo = production(tmp_path, LOCAL_DEMO=True, EXTERNAL_URL="http://127.0.0.1:8080")
    with demo.app_context():
        assert providers.get("sandbox") is not None


def test_no_banner_without_local_demo(client):
    for path in ("/", "/login", "/registration"):
        assert BANNER_UK not in client.get(path).get_data(as_text=True)


def test_every_page_shows_the_local_demo_banner_in_both_languages(tmp_path):
    app = create_app({"TESTING": True, "LOCAL_DEMO": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"})
    with app.app_context():
        db.create_all()
    client = https_client(app)
    for path in ("/", "/login", "/registration", "/no-such-page"):
        assert BANNER_UK in client.get(path).get_data(as_text=True)
    assert BANNER_EN in client.get("/login?lang=en").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_the_staff_panel_shows_the_local_demo_banner(app, client, make_user):
    from tests.admin.conftest import totp_login
    from vez.models import Role

    make_user("olena", role=Role.admin, totp_secret="JBSWY3DPEHPK3PXP")
    assert totp_login(client, "olena").status_code == 303
    app.config["LOCAL_DEMO"] = True
    assert BANNER_UK in client.get("/admin/").get_data(as_text=True)
    assert csrf_token(client, "/admin/")
