"""The business side's demo data (docs/companies.md, "Demo data"): an LLC with three points on two electricity
contracts, a ФОП with one shop, a school on gas; 24 months of charges per point (the household demo's months),
their bank and online payments, the balances recomputed; the login `company` administers the LLC, the first.

Deterministic (its own seed), valid codes (the check digits computed by python-stdnum, the EIC check character
by vez.companies.codes), created once: a database already holding companies is left alone.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from stdnum.ua import edrpou, rntrc

from vez.billing import next_month
from vez.companies.codes import eic_check_character
from vez.companies.ledger import company_balance, last_payment, recompute_contract_balances
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.models import (
    Company,
    CompanyCharge,
    CompanyKind,
    CompanyMember,
    CompanyPayment,
    CompanyPaymentSource,
    CompanyRole,
    Contract,
    MeteringPoint,
    PaymentForm,
    PaymentStatus,
    Role,
    Service,
    Subdivision,
    User,
    utcnow,
)
from vez.money import format_plain

SEED = 20250101
COMPANY_LOGIN, COMPANY_PASSWORD = "company", "company12345"
# Hryvnias per unit, VAT included: the universal service's non-household price moves month by month (the
# market), gas for a budget institution follows the supplier's offer.
ELECTRICITY_TARIFFS = ("7.284", "7.412", "7.356", "7.198", "7.530", "7.644")
GAS_TARIFFS = ("16.390", "16.390", "16.874", "17.210")


def _edrpou(first7: str) -> str:
    return first7 + edrpou.calc_check_digit(first7)


def _rnokpp(born: date, serial: str) -> str:
    """A ФОП's RNOKPP: days since 31 December 1899, four more digits (the ninth even for a woman), the check."""
    first9 = f"{(born - date(1899, 12, 31)).days:05d}{serial}"
    return first9 + rntrc.calc_check_digit(first9)


def _eic(first15: str) -> str:
    return first15 + eic_check_character(first15)


# (code, kind, name, address, the director's full name and position,
#  [(contract number, service, subdivision code, starts on, payment form, how it pays,
#    [(EIC, address, meter, voltage class, gas pressure, a month's base volume)])])
COMPANIES = [
    (
        _edrpou("3547812"),
        CompanyKind.legal,
        'ТОВ "Волинь-Агропостач"',
        "43010, м. Луцьк, вул. Рівненська, 76",
        ("Гаврилюк Андрій Степанович", "директор"),
        [
            (
                "101-0417/24",
                Service.electricity,
                "101",
                date(2024, 1, 1),
                PaymentForm.actual,
                "regular",
                [
                    (_eic("62Z4217380562" + "01"), "м. Луцьк, вул. Рівненська, 76 (офіс)", "0117352", "2", None, 1800),
                    (
                        _eic("62Z4217380562" + "02"),
                        "м. Луцьк, вул. Рівненська, 76 (склад)",
                        "0117389",
                        "2",
                        None,
                        4200,
                    ),
                ],
            ),
            (
                "115-0932/24",
                Service.electricity,
                "115",
                date(2024, 3, 1),
                PaymentForm.planned,
                "late",
                [
                    (
                        _eic("62Z9301457781" + "16"),
                        "Луцький р-н, с. Жидичин, вул. Садова, 2 (зерносховище)",
                        "2204518",
                        "1",
                        None,
                        9600,
                    ),
                ],
            ),
        ],
    ),
    (
        _rnokpp(date(1986, 3, 14), "0358"),
        CompanyKind.sole_trader,
        "ФОП Ткачук Оксана Василівна",
        "45000, м. Ковель, вул. Незалежності, 112, кв. 7",
        ("Ткачук Оксана Василівна", "фізична особа — підприємець"),
        [
            (
                "103-0233/24",
                Service.electricity,
                "103",
                date(2024, 6, 1),
                PaymentForm.prepayment,
                "ahead",
                [
                    (
                        _eic("62Z7720913048" + "33"),
                        'м. Ковель, вул. Володимирська, 41 (магазин "Оксана")',
                        "3391027",
                        "2",
                        None,
                        640,
                    ),
                ],
            ),
        ],
    ),
    (
        _edrpou("2614093"),
        CompanyKind.legal,
        "Любешівський ліцей № 1 Любешівської селищної ради",
        "44201, смт Любешів, вул. Незалежності, 38",
        ("Мельник Галина Петрівна", "директор"),
        [
            (
                "900-0057/24",
                Service.gas,
                "900",
                date(2024, 9, 1),
                PaymentForm.actual,
                "budget",
                [
                    (
                        _eic("56XS0001084" + "2715"),
                        "смт Любешів, вул. Незалежності, 38 (котельня)",
                        "G-1084271",
                        None,
                        "low",
                        5200,
                    ),
                ],
            ),
        ],
    ),
]


def _volume(rng: random.Random, service: Service, month: date, base: int) -> int:
    winter = month.month in (11, 12, 1, 2, 3)
    if service is Service.electricity:
        return int(base * (1.25 if winter else 0.95) * rng.uniform(0.85, 1.15))
    if month.month in (6, 7, 8):
        return rng.randint(30, 90)  # a school's boiler in summer: hot water only
    return int(base * (1.0 if winter else 0.35) * rng.uniform(0.85, 1.15))


def _amount(volume: int, tariff: str) -> int:
    return int((Decimal(volume) * Decimal(tariff) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _paid_at(rng: random.Random, month: date, first_day: int, last_day: int) -> datetime:
    return datetime.combine(month, datetime.min.time()) + timedelta(
        days=rng.randint(first_day, last_day) - 1, hours=rng.randint(8, 17), minutes=rng.randint(0, 59)
    )


def _pay(contract: Contract, code: str, amount: int, paid_at: datetime, for_month: date, *, online: bool, user_id):
    what = "електричну енергію" if contract.service is Service.electricity else "природний газ"
    vat = amount - amount * 5 // 6
    if online:
        reference = f"online-{contract.number}-{paid_at:%Y%m%d%H%M}"  # the gateway's order
    else:
        reference = f"PP{paid_at:%y%m%d}{contract.id:03d}{paid_at:%H%M}"  # the bank's document
    db.session.add(
        CompanyPayment(
            contract=contract,
            amount=amount,
            paid_at=paid_at,
            created_at=paid_at,  # history recorded back then (identification asks for an older payment)
            source=CompanyPaymentSource.online if online else CompanyPaymentSource.bank,
            status=PaymentStatus.paid,
            reference=reference,
            purpose=(
                f"Оплата за {what} за {for_month:%m.%Y} згідно з договором № {contract.number}, "
                f"у т.ч. ПДВ 20% {format_plain(vat).replace('.', ',')} грн"
            ),
            payer_code=None if online else code,
            user_id=user_id if online else None,
            settled_at=paid_at if online else None,
        )
    )


def _contract_history(rng, contract: Contract, code: str, habit: str, points, rows, months: list[date], user_id):
    """Charges per point and month, and the payments the habit makes; `rows` are the points' MeteringPoints."""
    readings = {eic: rng.randint(10000, 90000) for eic, *_rest in points}
    tariffs = GAS_TARIFFS if contract.service is Service.gas else ELECTRICITY_TARIFFS
    point_rows = {p.eic: p for p in rows}
    for index, month in enumerate(months):
        tariff = tariffs[(index // 3) % len(tariffs)]
        due = 0
        for eic, _address, _meter, _voltage, _pressure, base in points:
            volume = _volume(rng, contract.service, month, base)
            amount = _amount(volume, tariff)
            due += amount
            db.session.add(
                CompanyCharge(
                    point=point_rows[eic],
                    contract_id=contract.id,
                    month=month,
                    volume=volume,
                    unit=contract.service.unit,
                    tariff=Decimal(tariff),
                    amount=amount,
                    reading_start=readings[eic],
                    reading_end=readings[eic] + volume,
                )
            )
            readings[eic] += volume
        after = next_month(month)
        if after > months[-1]:
            continue  # October's charge is paid in November, which has not come yet: it is owed
        if habit == "regular":  # the whole bill by the 15th, now and then by card
            _pay(contract, code, due, _paid_at(rng, after, 5, 15), month, online=index % 4 == 3, user_id=user_id)
        elif habit == "late":  # planned payments: two parts, the second late, the last one not yet
            if index >= len(months) - 3:
                first = due // 2
                _pay(contract, code, first, _paid_at(rng, after, 10, 20), month, online=False, user_id=user_id)
                continue
            _pay(contract, code, due // 2, _paid_at(rng, month, 12, 20), month, online=False, user_id=user_id)
            _pay(contract, code, due - due // 2, _paid_at(rng, after, 18, 27), month, online=False, user_id=user_id)
        elif habit == "ahead":  # a shop pays ahead, in round sums, by card
            rounded = -(-due // 50000) * 50000
            _pay(contract, code, rounded, _paid_at(rng, after, 1, 5), after, online=True, user_id=None)
        else:  # a budget institution: the treasury pays the bill in one transfer, late in the next month
            _pay(contract, code, due, _paid_at(rng, after, 20, 28), month, online=False, user_id=user_id)


def _company_login() -> User:
    user = User(
        login=COMPANY_LOGIN,
        email="company@example.com",
        email_key="company@example.com",
        phone="+380991234567",
        password_hash=hash_password(COMPANY_PASSWORD),
        role=Role.consumer,
        activated_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_company_demo(months: list[date]) -> bool:
    """Add the demo companies unless the database holds companies already; False when left alone (or when the
    subdivisions the contracts name are missing)."""
    if db.session.scalar(select(func.count(Company.id))):
        return False
    subdivisions = {s.code: s for s in db.session.scalars(select(Subdivision))}
    needed = {c[2] for *_head, contracts in COMPANIES for c in contracts}
    if not needed <= subdivisions.keys():
        return False
    rng = random.Random(SEED)
    user = db.session.scalar(select(User).where(User.login_key == COMPANY_LOGIN)) or _company_login()
    for order, (code, kind, name, address, (director, position), contracts) in enumerate(COMPANIES):
        company = Company(code=code, kind=kind, name=name, address=address)
        db.session.add(company)
        db.session.flush()
        if order == 0:  # the first company: the demo login is its administrator
            db.session.add(
                CompanyMember(
                    company_id=company.id,
                    user_id=user.id,
                    role=CompanyRole.admin,
                    full_name=director,
                    position=position,
                )
            )
        for number, service, sub_code, starts_on, payment_form, habit, points in contracts:
            contract = Contract(
                company=company,
                number=number,
                service=service,
                subdivision=subdivisions[sub_code],
                starts_on=starts_on,
                payment_form=payment_form,
            )
            db.session.add(contract)
            rows = [
                MeteringPoint(
                    contract=contract,
                    eic=eic,
                    address=point_address,
                    meter_number=meter,
                    voltage_class=voltage,
                    gas_pressure=pressure,
                )
                for eic, point_address, meter, voltage, pressure, _base in points
            ]
            db.session.add_all(rows)
            db.session.flush()
            _contract_history(rng, contract, code, habit, points, rows, months, user.id if order == 0 else None)
    db.session.flush()
    recompute_contract_balances()
    return True


def describe_companies() -> list[dict]:
    """The companies as they stand now, in the JSON shape the README states: the first contract (by number)
    with its last payment, the company's balance, every point of the company (by contract, then EIC)."""
    rows = []
    for company in db.session.scalars(select(Company).order_by(Company.id)):
        contracts = db.session.scalars(
            select(Contract).where(Contract.company_id == company.id).order_by(Contract.number)
        ).all()
        first = contracts[0] if contracts else None
        last = last_payment(first.id) if first else None
        points = db.session.scalars(
            select(MeteringPoint)
            .join(Contract, Contract.id == MeteringPoint.contract_id)
            .where(Contract.company_id == company.id)
            .order_by(Contract.number, MeteringPoint.eic)
        ).all()
        rows.append(
            {
                "edrpou": company.code,
                "name": company.name,
                "contract_number": first.number if first else None,
                "service": first.service.value if first else None,
                "last_payment": format_plain(last.amount) if last else None,
                "balance": format_plain(company_balance(company.id)),
                "points": [{"eic": p.eic, "address": p.address, "meter_number": p.meter_number} for p in points],
            }
        )
    return rows
