"""The business demo data (docs/companies.md, "Demo data"): valid codes, 24 months per point, the JSON that
`demo-data --json --companies` prints matching the database, the login `company` administering the first
company, created once, and `--json` alone unchanged."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from stdnum.eu import eic as stdnum_eic
from stdnum.ua import edrpou, rntrc

from vez import create_app
from vez.companies.ledger import company_balance, last_payment
from vez.extensions import db
from vez.identity.passwords import verify_password
from vez.models import (
    Charge,
    Company,
    CompanyCharge,
    CompanyKind,
    CompanyMember,
    CompanyPayment,
    CompanyPaymentSource,
    CompanyRole,
    Contract,
    MeteringPoint,
    PaymentStatus,
    Service,
    User,
)
from vez.money import format_plain


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo database for the module (the household demo takes a few seconds)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--json", "--companies"])
    assert result.exit_code == 0, result.output
    return app, runner, json.loads(result.output)


def test_the_companies_are_an_llc_a_sole_trader_and_a_school_with_valid_codes(demo):
    app, _, companies = demo
    assert [c["name"] for c in companies] == [
        'ТОВ "Волинь-Агропостач"',
        "ФОП Ткачук Оксана Василівна",
        "Любешівський ліцей № 1 Любешівської селищної ради",
    ]
    with app.app_context():
        rows = db.session.scalars(select(Company).order_by(Company.id)).all()
        assert [c.kind for c in rows] == [CompanyKind.legal, CompanyKind.sole_trader, CompanyKind.legal]
        assert edrpou.is_valid(rows[0].code) and len(rows[0].code) == 8
        assert rntrc.is_valid(rows[1].code) and len(rows[1].code) == 10
        assert edrpou.is_valid(rows[2].code)
        contracts = {c.code: [(k.service, len(k.points)) for k in c.contracts] for c in rows}
        assert contracts[rows[0].code] == [(Service.electricity, 2), (Service.electricity, 1)]
        assert contracts[rows[1].code] == [(Service.electricity, 1)]
        assert contracts[rows[2].code] == [(Service.gas, 1)]
        points = db.session.scalars(select(MeteringPoint)).all()
        assert len(points) == 5 and all(stdnum_eic.is_valid(p.eic) for p in points)
        gas = next(p for p in points if p.contract.service is Service.gas)
        assert gas.gas_pressure == "low" and gas.voltage_class is None


def test_every_point_has_24_months_up_to_the_household_demos_last(demo):
    app, _, _ = demo
    with app.app_context():
        last_household = db.session.scalar(select(func.max(Charge.month)))
        for point in db.session.scalars(select(MeteringPoint)):
            months = db.session.scalars(
                select(CompanyCharge.month).where(CompanyCharge.point_id == point.id).order_by(CompanyCharge.month)
            ).all()
            assert len(months) == 24 and len(set(months)) == 24 and months[-1] == last_household
        for charge in db.session.scalars(select(CompanyCharge)):
            assert charge.contract_id == charge.point.contract_id
            assert charge.unit == charge.point.contract.service.unit
            assert charge.reading_end - charge.reading_start == charge.volume
            assert abs(charge.amount - charge.volume * charge.tariff * 100) <= 1


def test_the_balances_are_the_ledger_and_the_last_month_is_owed(demo):
    app, _, _ = demo
    with app.app_context():
        owed = 0
        for contract in db.session.scalars(select(Contract)):
            charged = db.session.scalar(
                select(func.sum(CompanyCharge.amount)).where(CompanyCharge.contract_id == contract.id)
            )
            paid = db.session.scalar(
                select(func.coalesce(func.sum(CompanyPayment.amount), 0)).where(
                    CompanyPayment.contract_id == contract.id, CompanyPayment.status == PaymentStatus.paid
                )
            )
            assert contract.balance == charged - paid
            last = db.session.scalar(
                select(func.sum(CompanyCharge.amount))
                .where(CompanyCharge.contract_id == contract.id)
                .group_by(CompanyCharge.month)
                .order_by(CompanyCharge.month.desc())
                .limit(1)
            )
            owed += contract.balance >= last
        assert owed == 3  # all but the ФОП's, which pays ahead
        sources = set(db.session.scalars(select(CompanyPayment.source)))
        assert sources == {CompanyPaymentSource.bank, CompanyPaymentSource.online}
        bank = db.session.scalars(select(CompanyPayment).where(CompanyPayment.source == CompanyPaymentSource.bank))
        assert all(p.payer_code and p.purpose and p.reference for p in bank)


def test_the_json_matches_the_database(demo):
    app, _, companies = demo
    with app.app_context():
        for entry in companies:
            assert set(entry) == {
                "edrpou",
                "name",
                "contract_number",
                "service",
                "last_payment",
                "balance",
                "points",
            }
            company = db.session.scalar(select(Company).where(Company.code == entry["edrpou"]))
            first = min(company.contracts, key=lambda c: c.number)
            assert (entry["name"], entry["contract_number"], entry["service"]) == (
                company.name,
                first.number,
                first.service.value,
            )
            last = last_payment(first.id)
            assert entry["last_payment"] == (format_plain(last.amount) if last else None)
            assert entry["balance"] == format_plain(company_balance(company.id))
            points = [p for c in sorted(company.contracts, key=lambda c: c.number) for p in c.points]
            assert entry["points"] == [
                {"eic": p.eic, "address": p.address, "meter_number": p.meter_number} for p in points
            ]
            assert entry["points"][0]["eic"] in {p.eic for p in first.points}


def test_the_login_company_administers_the_first_company(demo):
    app, _, companies = demo
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login == "company"))
        assert user.is_active and user.email == "company@example.com"
        assert verify_password(user.password_hash, "company12345")[0]
        memberships = db.session.scalars(select(CompanyMember).where(CompanyMember.user_id == user.id)).all()
        assert [(m.company.code, m.role) for m in memberships] == [(companies[0]["edrpou"], CompanyRole.admin)]


def test_demo_data_twice_keeps_one_copy(demo):
    app, runner, companies = demo
    again = runner.invoke(args=["demo-data"])
    assert "left alone" in again.output
    assert json.loads(runner.invoke(args=["demo-data", "--json", "--companies"]).output) == companies
    with app.app_context():
        assert db.session.scalar(select(func.count(Company.id))) == 3
        assert db.session.scalar(select(func.count(User.id)).where(User.login == "company")) == 1


def test_json_alone_prints_the_household_accounts_as_before(demo):
    _, runner, _ = demo
    accounts = json.loads(runner.invoke(args=["demo-data", "--json"]).output)
    assert 180 <= len(accounts) <= 220 and set(accounts[0]) == {
        "number",
        "subdivision_code",
        "subdivision_name",
        "service",
        "holder_surname",
        "meter_number",
        "last_payment",
        "balance",
    }


def test_a_demo_database_from_before_gets_the_companies_once(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        db.create_all()
        from vez.demo import companies, create_demo_data

        real = companies.create_company_demo
        companies.create_company_demo = lambda months: False  # the demo as it was before the business side
        try:
            create_demo_data()
        finally:
            companies.create_company_demo = real
        db.session.commit()
        assert db.session.scalar(select(func.count(Company.id))) == 0
    runner = app.test_cli_runner()
    assert "Demo companies added" in runner.invoke(args=["demo-data"]).output
    assert "left alone" in runner.invoke(args=["demo-data"]).output
    with app.app_context():
        assert db.session.scalar(select(func.count(Company.id))) == 3


def test_production_refuses_the_company_login(demo):
    from vez.demo import DEMO_LOGINS, demo_logins_present

    app, _, _ = demo
    assert "company" in DEMO_LOGINS
    with app.app_context():
        others = User.__table__.update().where(User.login.in_(["demo", "admin"]))
        db.session.execute(others.values(login_key=User.login_key + "-gone"))
        assert demo_logins_present()
        db.session.rollback()
