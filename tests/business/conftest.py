"""The business side's fixtures: companies with contracts, points, charges and payments, and their people.

`make_company`, `make_contract`, `make_point`, `company_charge`, `company_pay`, `member` build rows; `acme` is an
LLC with two electricity contracts (three points) and 24 months of charges and payments, administered by the
login `acme_admin`; `rival` is another company (a ФОП with one point) administered by `rival_admin`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from vez.companies.codes import eic_check_character
from vez.companies.ledger import recompute_contract_balances
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
    Service,
)

# Valid codes: EDRPOU 32855961 and 14360570 (check digits right), RNOKPP 1759013776.
ACME_CODE, OTHER_CODE, FOP_CODE = "32855961", "14360570", "1759013776"


def eic(serial: int, prefix: str = "62Z") -> str:
    """A valid 16-character EIC: prefix + zero-padded serial + the ENTSO-E check character."""
    first15 = f"{prefix}{serial:0{15 - len(prefix)}d}"
    return first15 + eic_check_character(first15)


@pytest.fixture
def make_company(db):
    def make(code: str = ACME_CODE, *, name: str = 'ТОВ "Акме"', address: str = "м. Луцьк, вул. Лесі Українки, 1"):
        kind = CompanyKind.sole_trader if len(code) == 10 else CompanyKind.legal
        company = Company(code=code, kind=kind, name=name, address=address)
        db.session.add(company)
        db.session.commit()
        return company

    return make


@pytest.fixture
def make_contract(db, make_subdivision):
    def make(
        company,
        number: str = "1234/25-E",
        *,
        service=Service.electricity,
        starts_on=date(2024, 1, 1),
        payment_form=PaymentForm.actual,
    ):
        subdivision = make_subdivision("900" if service is Service.gas else "108", service)
        contract = Contract(
            company_id=company.id,
            number=number,
            service=service,
            subdivision=subdivision,
            starts_on=starts_on,
            payment_form=payment_form,
        )
        db.session.add(contract)
        db.session.commit()
        return contract

    return make


@pytest.fixture
def make_point(db):
    def make(
        contract,
        serial: int = 1,
        *,
        address: str = "м. Луцьк, вул. Лесі Українки, 1",
        meter_number: str = "0123456",
        voltage_class: str | None = "2",
        gas_pressure: str | None = None,
    ):
        point = MeteringPoint(
            contract_id=contract.id,
            eic=eic(serial),
            address=address,
            meter_number=meter_number,
            voltage_class=voltage_class,
            gas_pressure=gas_pressure,
        )
        db.session.add(point)
        db.session.commit()
        return point

    return make


@pytest.fixture
def company_charge(db):
    def make(point, month: date, volume: str, tariff: str, *, reading_start=None, reading_end=None):
        contract = db.session.get(Contract, point.contract_id)
        amount = int((Decimal(volume) * Decimal(tariff) * 100).quantize(Decimal("1")))
        charge = CompanyCharge(
            point_id=point.id,
            contract_id=point.contract_id,
            month=month,
            volume=Decimal(volume),
            unit=contract.service.unit,
            tariff=Decimal(tariff),
            amount=amount,
            reading_start=reading_start,
            reading_end=reading_end,
        )
        db.session.add(charge)
        db.session.commit()
        recompute_contract_balances([point.contract_id])
        db.session.commit()
        return charge

    return make


@pytest.fixture
def company_pay(db):
    def make(
        contract,
        amount: int,
        paid_at: datetime,
        *,
        source=CompanyPaymentSource.bank,
        status=PaymentStatus.paid,
        reference: str | None = None,
        purpose: str | None = None,
    ):
        payment = CompanyPayment(
            contract_id=contract.id,
            amount=amount,
            paid_at=paid_at,
            source=source,
            status=status,
            reference=reference or f"bank-{contract.id}-{paid_at:%Y%m%d%H%M%S}-{amount}",
            purpose=purpose,
        )
        db.session.add(payment)
        db.session.commit()
        recompute_contract_balances([contract.id])
        db.session.commit()
        return payment

    return make


@pytest.fixture
def member(db, make_user):
    def make(
        company,
        login: str,
        role: CompanyRole = CompanyRole.admin,
        *,
        full_name: str = "Ковальчук Олена Петрівна",
        position: str = "директор",
        user=None,
        **user_fields,
    ):
        user = user or make_user(login, **user_fields)
        db.session.add(
            CompanyMember(company_id=company.id, user_id=user.id, role=role, full_name=full_name, position=position)
        )
        db.session.commit()
        return user

    return make


def months_back(count: int, last: date = date(2026, 10, 1)) -> list[date]:
    """`count` first days of months ending with `last`, oldest first."""
    out, year, month = [], last.year, last.month
    for _ in range(count):
        out.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


@pytest.fixture
def acme(db, make_company, make_contract, make_point, company_charge, company_pay, member):
    """ТОВ "Акме": contract 1234/25-E (points 1 and 2) and 1235/25-E (point 3), 24 months to October 2026, each month
    paid on the 10th of the next month except October 2026 (owed). Administered by `acme_admin`."""
    company = make_company(ACME_CODE)
    first = make_contract(company, "1234/25-E")
    second = make_contract(company, "1235/25-E", payment_form=PaymentForm.planned)
    points = [
        make_point(first, 1, meter_number="1111111"),
        make_point(first, 2, meter_number="2222222"),
        make_point(second, 3, address="м. Луцьк, просп. Волі, 3", voltage_class="1", meter_number="3333333"),
    ]
    for index, month in enumerate(months_back(24)):
        for point, base in zip(points, (1000, 400, 2500), strict=True):
            company_charge(point, month, str(base + 10 * index), "4.32")
        if month < date(2026, 10, 1):
            paid_on = datetime(month.year + (month.month == 12), month.month % 12 + 1, 10, 11)
            for contract in (first, second):
                due = sum(
                    int(Decimal(str(base + 10 * index)) * Decimal("432"))
                    for point, base in zip(points, (1000, 400, 2500), strict=True)
                    if point.contract_id == contract.id
                )
                company_pay(contract, due, paid_on, purpose=f"Оплата за ел. енергію зг. дог. {contract.number}")
    user = member(company, "acme_admin")
    db.session.refresh(first)
    db.session.refresh(second)
    return type("Acme", (), {"company": company, "contracts": [first, second], "points": points, "admin": user})


@pytest.fixture
def rival(db, make_company, make_contract, make_point, company_charge, company_pay, member):
    """ФОП Бондар: one contract 7777/25-E, one point, two months; administered by `rival_admin`."""
    company = make_company(FOP_CODE, name="ФОП Бондар Іван Олегович", address="м. Ковель, вул. Незалежності, 7")
    contract = make_contract(company, "7777/25-E")
    point = make_point(contract, 77, meter_number="7777777")
    company_charge(point, date(2026, 9, 1), "300", "4.32")
    company_charge(point, date(2026, 10, 1), "310", "4.32")
    company_pay(contract, 129600, datetime(2026, 10, 9, 12))
    user = member(company, "rival_admin", full_name="Бондар Іван Олегович", position="ФОП")
    db.session.refresh(contract)
    return type("Rival", (), {"company": company, "contracts": [contract], "points": [point], "admin": user})
