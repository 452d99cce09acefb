"""`flask demo-data`: the contract the README's "Demo logins" states."""

import json

from vez import create_app
from vez.extensions import db
from vez.models import Service, User


def demo_json(tmp_path, name):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}"})
    with app.app_context():
        db.create_all()
    result = app.test_cli_runner().invoke(args=["demo-data", "--json"])
    assert result.exit_code == 0, result.output
    return app, json.loads(result.output)


def test_demo_data_is_deterministic(tmp_path):
    _, first = demo_json(tmp_path, "a.db")
    _, second = demo_json(tmp_path, "b.db")
    assert first == second


def test_demo_accounts_follow_the_contract(tmp_path):
    _, accounts = demo_json(tmp_path, "a.db")
    assert 180 <= len(accounts) <= 220
    assert set(accounts[0]) == {
        "number",
        "subdivision_code",
        "subdivision_name",
        "service",
        "holder_surname",
        "meter_number",
        "last_payment",
        "balance",
    }
    for a in accounts:
        assert len(a["number"]) == 9 and a["number"].isdigit()
        assert a["number"][0] in ("9" if a["service"] == "gas" else "534")
        assert (a["subdivision_name"] == "ПРИРОДНИЙ ГАЗ") == (a["service"] == "gas")
    firsts = {a["number"][0] for a in accounts}
    assert {"3", "4", "5", "9"} <= firsts
    balances = [int(a["balance"].replace(".", "")) for a in accounts]
    assert any(b > 0 for b in balances) and any(b < 0 for b in balances)
    assert any(a["last_payment"] is None for a in accounts)
    assert all(a["last_payment"] is None or a["last_payment"].count(".") == 1 for a in accounts)


def test_demo_logins_exist_and_demo_holds_electricity_and_gas(tmp_path):
    app, _ = demo_json(tmp_path, "a.db")
    with app.app_context():
        demo = db.session.query(User).filter_by(login="demo").one()
        assert demo.is_active
        assert sorted(a.service for a in demo.accounts) == [Service.electricity, Service.gas]
        admin = db.session.query(User).filter_by(login="admin").one()
        assert admin.role.value == "admin" and admin.totp_secret == "JBSWY3DPEHPK3PXP"


def test_demo_data_leaves_a_filled_database_alone(tmp_path):
    app, first = demo_json(tmp_path, "a.db")
    again = app.test_cli_runner().invoke(args=["demo-data"])
    assert "left alone" in again.output
    with app.app_context():
        assert db.session.query(User).count() == 3  # demo, admin and company (the business demo)


def test_demo_data_is_refused_in_production(tmp_path):
    app = create_app(
        {
            "ENV_MODE": "production",
            "SECRET_KEY": "x" * 40,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
        }
    )
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "production" in result.output
