"""`flask demo-data`: realistic, deterministic demo data for an empty database."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from vez.billing import generate_bills, next_month
from vez.demo import companies, places
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.ledger import last_payment, recompute_balances
from vez.models import (
    BranchKind,
    Charge,
    Payment,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    Role,
    Service,
    Subdivision,
    User,
    UserAccount,
    utcnow,
)
from vez.money import format_plain, parse_kopiykas

SEED = 20190101
MONTHS = 24
FIRST_MONTH = date(2024, 11, 1)  # 24 months: November 2024 .. October 2026
ELECTRICITY_TARIFF = "4.32"  # UAH per kWh for households since 1 June 2024
GAS_TARIFF = "7.96"  # UAH per m³, the supplier's annual household offer
DEMO_LOGIN, DEMO_PASSWORD = "demo", "demo12345"
ADMIN_LOGIN, ADMIN_PASSWORD, ADMIN_TOTP_SECRET = "admin", "admin12345", "JBSWY3DPEHPK3PXP"
DEMO_LOGINS = (DEMO_LOGIN, ADMIN_LOGIN, companies.COMPANY_LOGIN)
# Electricity accounts: some never paid, some behind, some ahead; the rest pay each month.
HABITS = ["regular"] * 12 + ["debtor"] * 3 + ["overpayer"] * 2 + ["never"] * 1 + ["rounder"] * 2


def _months() -> list[date]:
    months, m = [], FIRST_MONTH
    for _ in range(MONTHS):
        months.append(m)
        m = next_month(m)
    return months


def _number(rng: random.Random, first: str, taken: set[str]) -> str:
    while True:
        number = first + "".join(rng.choice("0123456789") for _ in range(8))
        if number not in taken:
            taken.add(number)
            return number


def _holder(rng: random.Random) -> str:
    surname = rng.choice(places.SURNAMES_M)
    if rng.random() < 0.5:
        return f"{surname} {rng.choice(places.FIRST_M)} {rng.choice(places.PATRONYMIC_M)}"
    # Most -ук/-юк/-енко surnames do not change for women; -ич does not either.
    return f"{surname} {rng.choice(places.FIRST_F)} {rng.choice(places.PATRONYMIC_F)}"


def _address(rng: random.Random, town: str, villages: list[str]) -> str:
    place = rng.choice(villages) if villages and rng.random() < 0.7 else town
    street = rng.choice(places.STREETS)
    flat = f", кв. {rng.randint(1, 120)}" if place.startswith("м.") and rng.random() < 0.6 else ""
    prefix = f"{town}, " if villages and place != town else ""
    return f"{prefix}{place}, {street}, {rng.randint(1, 150)}{flat}"


def _volume(rng: random.Random, service: Service, month: date, base: int) -> int:
    winter = month.month in (11, 12, 1, 2, 3)
    if service is Service.electricity:
        return max(20, int(base * (1.35 if winter else 0.9) * rng.uniform(0.8, 1.2)))
    return int(base * rng.uniform(0.8, 1.2)) if winter else rng.randint(4, 18)


def _kopiykas(volume: int, tariff: str) -> int:
    return volume * parse_kopiykas(tariff, grammar="plain")


def _make_subdivisions() -> dict[str, Subdivision]:
    made = {}
    for order, (code, name_uk, name_en, kind, _town, _villages) in enumerate(places.SUBDIVISIONS):
        service = Service.gas if kind == "gas" else Service.electricity
        made[code] = Subdivision(
            code=code, name_uk=name_uk, name_en=name_en, service=service, kind=BranchKind(kind), sort_order=order
        )
    db.session.add_all(made.values())
    return made


def _make_account(rng, subdivision, service, number, town, villages, habit):
    account = PersonalAccount(
        number=number,
        subdivision=subdivision,
        service=service,
        holder_name=_holder(rng),
        address=_address(rng, town, villages),
        meter_number=f"{rng.randint(10, 99)}{rng.randint(100000, 999999)}",
    )
    db.session.add(account)
    base = rng.randint(120, 380) if service is Service.electricity else rng.randint(90, 260)
    tariff = ELECTRICITY_TARIFF if service is Service.electricity else GAS_TARIFF
    reading = rng.randint(1000, 40000)
    start = rng.randint(0, 6) if habit != "never" else MONTHS - rng.randint(1, 3)
    months = _months()[start:]
    for i, month in enumerate(months):
        volume = _volume(rng, service, month, base)
        amount = _kopiykas(volume, tariff)
        db.session.add(
            Charge(
                account=account,
                month=month,
                volume=volume,
                unit=service.unit,
                tariff=tariff,
                amount=amount,
                reading_start=reading,
                reading_end=reading + volume,
            )
        )
        reading += volume
        if habit == "never" or (habit == "debtor" and i >= len(months) - rng.randint(2, 4)):
            continue
        paid = amount
        if habit == "overpayer":
            paid = amount + rng.choice([5000, 10000, 20000])
        elif habit == "rounder":
            paid = -(-amount // 10000) * 10000  # up to whole hundreds of hryvnias
        if next_month(month) > date(2026, 10, 1):
            continue  # October's charge is paid in November, which has not come yet
        paid_at = datetime.combine(next_month(month), datetime.min.time()) + timedelta(
            days=rng.randint(3, 24), hours=rng.randint(8, 20), minutes=rng.randint(0, 59)
        )
        source = rng.choices(list(PaymentSource), weights=[6, 2, 3])[0]
        db.session.add(
            Payment(
                account=account,
                amount=paid,
                paid_at=paid_at,
                created_at=paid_at,  # history recorded back then: older than IDENTIFY_RECENT_PAYMENT_DAYS
                source=source,
                status=PaymentStatus.paid,
                reference=f"{source.value}-{number}-{paid_at:%Y%m%d%H%M}",
            )
        )
    return account


def create_demo_data(accounts: int = 200) -> None:
    rng = random.Random(SEED)
    subdivisions = _make_subdivisions()
    taken: set[str] = set()
    electric = [s for s in places.SUBDIVISIONS if s[3] != "gas"]
    made = []
    for i in range(accounts):
        habit = HABITS[i % len(HABITS)]
        if i % 5 == 4:
            service, sub_row = Service.gas, places.SUBDIVISIONS[-1]
            town, villages = rng.choice(places.GAS_TOWNS), []
            first = "9"
        else:
            service, sub_row = Service.electricity, electric[i % len(electric)]
            town, villages = sub_row[4], sub_row[5]
            first = "5" if i % 23 not in (3, 7) else ("3" if i % 23 == 3 else "4")
        number = _number(rng, first, taken)
        made.append(_make_account(rng, subdivisions[sub_row[0]], service, number, town, villages, habit))
    db.session.flush()
    for month in _months():
        generate_bills(month, issued_on=next_month(month))
    recompute_balances()
    _make_logins(made)
    db.session.flush()
    companies.create_company_demo(_months())


def _make_logins(accounts: list[PersonalAccount]) -> None:
    now = utcnow()
    demo = User(
        login=DEMO_LOGIN,
        email="demo@example.com",
        email_key="demo@example.com",
        phone="+380501234567",
        password_hash=hash_password(DEMO_PASSWORD),
        role=Role.consumer,
        activated_at=now,
    )
    admin = User(
        login=ADMIN_LOGIN,
        email="admin@example.com",
        email_key="admin@example.com",
        phone="+380671234567",
        password_hash=hash_password(ADMIN_PASSWORD),
        role=Role.admin,
        activated_at=now,
        totp_secret=ADMIN_TOTP_SECRET,
    )
    db.session.add_all([demo, admin])
    db.session.flush()
    # The demo login holds the first regularly-paying electricity account and the first gas account.
    electricity = next(a for a in accounts if a.service is Service.electricity)
    gas = next(a for a in accounts if a.service is Service.gas)
    db.session.add_all([UserAccount(user_id=demo.id, account_id=a.id) for a in (electricity, gas)])


def describe_accounts() -> list[dict]:
    """The demo personal accounts as they stand now, in the JSON shape the README states."""
    rows = []
    for account in db.session.scalars(select(PersonalAccount).order_by(PersonalAccount.id)):
        last = last_payment(account.id)
        rows.append(
            {
                "number": account.number,
                "subdivision_code": account.subdivision.code,
                "subdivision_name": account.subdivision.name_uk,
                "service": account.service.value,
                "holder_surname": account.holder_surname,
                "meter_number": account.meter_number,
                "last_payment": format_plain(last.amount) if last else None,
                "balance": format_plain(account.balance),
            }
        )
    return rows


def _is_demo_database() -> bool:
    return bool(db.session.scalar(select(func.count(User.id)).where(User.login_key == DEMO_LOGIN)))


def demo_logins_present() -> bool:
    return bool(db.session.scalar(select(func.count(User.id)).where(User.login_key.in_(DEMO_LOGINS))))


@click.command("demo-data")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print the demo personal accounts as JSON.")
@click.option("--companies", "of_companies", is_flag=True, help="With --json: print the demo companies instead.")
def demo_data_command(as_json: bool, of_companies: bool) -> None:
    """Fill an empty database with realistic demo data; leave a filled one alone."""
    if current_app.config["ENV_MODE"] == "production" and not current_app.config["LOCAL_DEMO"]:
        raise click.ClickException("Demo data is refused in production mode (unless VEZ_LOCAL_DEMO, on loopback).")
    if db.session.scalar(select(func.count(PersonalAccount.id))) == 0:
        create_demo_data()
        db.session.commit()
        if not as_json:
            click.echo(
                "Demo data created: 200 personal accounts, 3 companies, logins demo/demo12345, admin/admin12345 "
                "and company/company12345."
            )
    elif _is_demo_database() and companies.create_company_demo(_months()):  # filled before the business side came
        db.session.commit()
        if not as_json:
            click.echo("Demo companies added, login company/company12345; the rest left alone.")
    elif not as_json:
        click.echo("The database already holds data; left alone.")
    if as_json:
        described = companies.describe_companies() if of_companies else describe_accounts()
        click.echo(json.dumps(described, ensure_ascii=False, indent=1))
