"""What the API says about an account, a month, a bill and a payment: plain JSON values (docs/api.md, "Formats").

Money is a string with two decimals beside `currency` ("1234.50", "UAH"; a balance below zero is an overpayment),
volumes and tariffs strings with three, months `YYYY-MM`, days `YYYY-MM-DD`, moments ISO 8601 in UTC with `Z`.
Each shape here is described by the schema of the same name in vez/api/schemas.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from vez.models import Bill, Charge, CompanyCharge, Contract, MeteringPoint, Payment, PersonalAccount
from vez.money import format_plain
from vez.urls import external_url

CURRENCY = "UAH"


def money(kopiykas: int | None) -> str | None:
    return None if kopiykas is None else format_plain(kopiykas)


def thousandths(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.3f}"


def month(value: date | None) -> str | None:
    return None if value is None else f"{value:%Y-%m}"


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def moment(value: datetime | None) -> str | None:
    """A stored moment (naive UTC) as `2026-10-30T18:00:00Z`."""
    if value is None:
        return None
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def account(account: PersonalAccount, bill: Bill | None, charge: Charge | None, autopay: bool) -> dict:
    """`bill`: the account's newest bill; `charge`: its newest charge (the tariff now); `autopay`: on with a card."""
    owes = account.balance > 0
    return {
        "number": account.number,
        "service": account.service.value,
        "subdivision": {"code": account.subdivision.code, "name": account.subdivision.name_uk},
        "address": account.address,
        "currency": CURRENCY,
        "balance": money(account.balance),
        "amount_due": money(max(account.balance, 0)),
        "due_date": day(bill.due_date) if bill is not None and owes else None,
        "last_bill": month(bill.month) if bill is not None else None,
        "tariff": thousandths(charge.tariff) if charge is not None else None,
        "unit": charge.unit if charge is not None else account.service.unit,
        "autopay": autopay,
        "links": {
            "self": external_url("api.account", number=account.number),
            "months": external_url("api.months", number=account.number),
            "bills": external_url("api.bills", number=account.number),
            "payments": external_url("api.payments", number=account.number),
        },
    }


def month_row(charge: Charge, bill: Bill | None) -> dict:
    """One billing month: what was charged, and from its bill (once issued) what was paid and what remained."""
    return {
        "month": month(charge.month),
        "volume": thousandths(charge.volume),
        "unit": charge.unit,
        "tariff": thousandths(charge.tariff),
        "currency": CURRENCY,
        "charged": money(charge.amount),
        "paid": money(bill.paid) if bill is not None else None,
        "closing_balance": money(bill.closing_balance) if bill is not None else None,
        "readings": {"start": thousandths(charge.reading_start), "end": thousandths(charge.reading_end)},
    }


def bill_row(account: PersonalAccount, bill: Bill) -> dict:
    return {
        "month": month(bill.month),
        "number": bill.number,
        "issued_on": day(bill.issued_on),
        "due_date": day(bill.due_date),
        "currency": CURRENCY,
        "opening_balance": money(bill.opening_balance),
        "charged": money(bill.charged),
        "paid": money(bill.paid),
        "closing_balance": money(bill.closing_balance),
        "amount_due": money(bill.amount_due),
        "pdf": external_url("api.bill_pdf", number=account.number, month=month(bill.month)),
    }


def payment_row(payment: Payment) -> dict:
    return {
        "id": payment.id,
        "at": moment(payment.paid_at),
        "currency": CURRENCY,
        "amount": money(payment.amount),
        "status": payment.status.value,
        "source": payment.source.value,
        "settled_at": moment(payment.settled_at),
    }


def contract(contract: Contract, points: list[MeteringPoint], last_month: date | None) -> dict:
    """A company's contract (a token made by one of its administrators): its balance and its metering points."""
    return {
        "id": contract.id,
        "number": contract.number,
        "company": {"code": contract.company.code, "name": contract.company.name},
        "service": contract.service.value,
        "subdivision": {"code": contract.subdivision.code, "name": contract.subdivision.name_uk},
        "currency": CURRENCY,
        "balance": money(contract.balance),
        "amount_due": money(max(contract.balance, 0)),
        "last_month": month(last_month),
        "points": [{"eic": point.eic, "address": point.address} for point in points],
        "links": {"months": external_url("api.contract_months", contract_id=contract.id)},
    }


def contract_month(when: date, amount: int, charges: list[CompanyCharge]) -> dict:
    """A contract's billing month: the total and each metering point's charge."""
    return {
        "month": month(when),
        "currency": CURRENCY,
        "charged": money(amount),
        "points": [
            {
                "eic": charge.point.eic,
                "volume": thousandths(charge.volume),
                "unit": charge.unit,
                "tariff": thousandths(charge.tariff),
                "charged": money(charge.amount),
                "readings": {"start": thousandths(charge.reading_start), "end": thousandths(charge.reading_end)},
            }
            for charge in charges
        ],
    }
