"""Monthly bills ("Генерація рахунків"): opening balance, charged, paid, closing balance, due date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from vez.extensions import db
from vez.models import Bill, Charge, Payment, PaymentStatus, PersonalAccount

DUE_DAY = 20  # bills are due by the 20th of the month after the billed one


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def parse_month(text: str) -> date:
    """`YYYY-MM` → the first day of that month; ValueError otherwise."""
    parsed = datetime.strptime(text, "%Y-%m")
    return date(parsed.year, parsed.month, 1)


def _sums(stmt) -> dict[int, int]:
    return {account_id: int(total) for account_id, total in db.session.execute(stmt)}


def generate_bills(month: date, issued_on: date | None = None) -> list[Bill]:
    """Make the month's bill for every account that has one due; accounts already billed are left alone."""
    start, end = month, next_month(month)
    billed = set(db.session.scalars(select(Bill.account_id).where(Bill.month == start)))
    received = Payment.status == PaymentStatus.received
    charged_before = _sums(
        select(Charge.account_id, func.sum(Charge.amount)).where(Charge.month < start).group_by(Charge.account_id)
    )
    paid_before = _sums(
        select(Payment.account_id, func.sum(Payment.amount))
        .where(received, Payment.paid_at < datetime.combine(start, datetime.min.time()))
        .group_by(Payment.account_id)
    )
    charged = _sums(
        select(Charge.account_id, func.sum(Charge.amount)).where(Charge.month == start).group_by(Charge.account_id)
    )
    paid = _sums(
        select(Payment.account_id, func.sum(Payment.amount))
        .where(
            received,
            Payment.paid_at >= datetime.combine(start, datetime.min.time()),
            Payment.paid_at < datetime.combine(end, datetime.min.time()),
        )
        .group_by(Payment.account_id)
    )
    accounts = db.session.execute(select(PersonalAccount.id, PersonalAccount.number)).all()
    bills = []
    for account_id, number in accounts:
        if account_id in billed or (account_id not in charged and account_id not in charged_before):
            continue
        opening = charged_before.get(account_id, 0) - paid_before.get(account_id, 0)
        bill = Bill(
            account_id=account_id,
            month=start,
            number=f"{number}-{start:%Y%m}",
            issued_on=issued_on or end,
            opening_balance=opening,
            charged=charged.get(account_id, 0),
            paid=paid.get(account_id, 0),
            closing_balance=opening + charged.get(account_id, 0) - paid.get(account_id, 0),
            due_date=date(end.year, end.month, DUE_DAY),
        )
        bills.append(bill)
    db.session.add_all(bills)
    return bills
