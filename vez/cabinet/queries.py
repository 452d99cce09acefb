"""What the cabinet reads, always scoped to the login that asks (docs/security.md 29).

Every function takes the login's id and reaches rows only through `user_accounts`; the number of
statements does not depend on how many accounts, charges or payments there are (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased

from vez.billing import days_overdue, next_month
from vez.extensions import db
from vez.holdings import account_of, accounts_of, held_by  # noqa: F401 (the cabinet's callers use these names)
from vez.models import UNFINISHED, Bill, Certificate, Charge, Payment, PaymentStatus, PersonalAccount


@dataclass
class Card:
    account: PersonalAccount
    bill: Bill | None = None
    last_payment: Payment | None = None  # the newest paid one: money that reached the account
    unfinished: Payment | None = None  # the newest order still created or pending (not money yet)
    days_overdue: int = 0  # the newest bill's days past its due date while the account owes


def cards_of(user_id: int, today: date) -> list[Card]:
    """The /cabinet cards: each account with its newest bill, newest paid payment and newest unfinished order, in
    one statement."""
    rows = db.session.execute(_cards_statement(), {"user_id": user_id})
    return [
        Card(
            account,
            bill,
            payment,
            unfinished,
            days_overdue(bill, balance=account.balance, newest=True, today=today) if bill else 0,
        )
        for account, bill, payment, unfinished in rows
    ]


@cache
def _cards_statement() -> Select:
    """Built once per process (the login is a bound parameter): building it was a tenth of a /cabinet request."""
    newest_bill = (
        select(Bill.id)
        .where(Bill.account_id == PersonalAccount.id)
        .order_by(Bill.month.desc())
        .limit(1)
        .correlate(PersonalAccount)
        .scalar_subquery()
    )

    def newest(*states: PaymentStatus):
        return (
            select(Payment.id)
            .where(Payment.account_id == PersonalAccount.id, Payment.status.in_(states))
            .order_by(Payment.paid_at.desc(), Payment.id.desc())
            .limit(1)
            .correlate(PersonalAccount)
            .scalar_subquery()
        )

    order = aliased(Payment)
    return (
        held_by(bindparam("user_id"))
        .add_columns(Bill, Payment, order)
        .outerjoin(Bill, Bill.id == newest_bill)
        .outerjoin(Payment, Payment.id == newest(PaymentStatus.paid))
        .outerjoin(order, order.id == newest(*UNFINISHED))
        .order_by(PersonalAccount.service, PersonalAccount.number)
    )


@dataclass
class Summary:
    """The cabinet's first screen: what is due across the login's accounts, by when, and which to pay."""

    total_due: int  # kopiykas: the debts added up (an overpaid account does not offset another's debt)
    nearest_due: date | None  # the earliest due date of a bill on an account that still owes
    to_pay: list[Card]  # the accounts that owe, the one due first first


def summary_of(cards: list[Card]) -> Summary:
    """From the cards already read: no statement of its own."""
    owing = [card for card in cards if card.account.balance > 0]
    owing.sort(key=lambda card: (card.bill.due_date if card.bill else date.max, card.account.number))
    due_dates = [card.bill.due_date for card in owing if card.bill]
    return Summary(sum(card.account.balance for card in owing), min(due_dates, default=None), owing)


@dataclass
class History:
    """One account's charges, bills and payments over a window of months [start, end)."""

    start: date
    end: date
    charges: list[Charge] = field(default_factory=list)
    bills: list[Bill] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    year_before: dict[date, Charge] = field(default_factory=dict)  # month → the charge a year earlier
    years: list[int] = field(default_factory=list)
    year: int | None = None  # the calendar year shown, None for the latest twelve months


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def _year_back(month: date) -> date:
    return date(month.year - 1, month.month, 1)


def history(account: PersonalAccount, year: int | None = None) -> History:
    """The calendar year asked for when it has data, else the twelve months up to the newest charge or bill."""
    statements = _history_statements()
    first, last, newest_bill = db.session.execute(statements.bounds, {"account": account.id}).one()
    latest = max([m for m in (last, newest_bill) if m is not None], default=None)
    years = sorted(range(first.year, latest.year + 1), reverse=True) if first and latest else []
    if year in years:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    else:  # no year asked, or one without data: the latest twelve months
        anchor = latest or date.today().replace(day=1)
        end = next_month(anchor)
        start = date(end.year - 1, end.month, 1)
    result = History(start=start, end=end, years=years, year=year if year in years else None)
    window = {"account": account.id, "start": start, "end": end}
    by_month = {
        charge.month: charge
        for charge in db.session.scalars(statements.charges, {**window, "start": _year_back(start)})
    }
    result.charges = [charge for month, charge in by_month.items() if month >= start]
    result.year_before = {
        charge.month: by_month[_year_back(charge.month)]
        for charge in result.charges
        if _year_back(charge.month) in by_month
    }
    result.bills = list(db.session.scalars(statements.bills, window))
    # Every attempt, marked with its state, except an order whose checkout was only shown (`created`): a consumer
    # expects to see a payment that failed, not a page they opened (docs/payments.md, "States"). The latest
    # twelve months run up to now for payments: this month's (today's, an autopay's) come before its bill does.
    until = _at(end) if result.year else datetime.max
    result.payments = list(db.session.scalars(statements.payments, {**window, "start": _at(start), "until": until}))
    return result


@dataclass(frozen=True)
class _HistoryStatements:
    bounds: Select  # the first and last charged month and the newest bill's month
    charges: Select
    bills: Select
    payments: Select


@cache
def _history_statements() -> _HistoryStatements:
    """Built once per process, the account and the window as bound parameters (building them cost more than
    running them on an account page)."""
    account, start, end = bindparam("account"), bindparam("start"), bindparam("end")
    charged = select(func.min(Charge.month)).where(Charge.account_id == account).scalar_subquery()
    last = select(func.max(Charge.month)).where(Charge.account_id == account).scalar_subquery()
    billed = select(func.max(Bill.month)).where(Bill.account_id == account).scalar_subquery()
    return _HistoryStatements(
        bounds=select(charged, last, billed),
        charges=select(Charge)
        .where(Charge.account_id == account, Charge.month >= start, Charge.month < end)
        .order_by(Charge.month),
        bills=select(Bill)
        .where(Bill.account_id == account, Bill.month >= start, Bill.month < end)
        .order_by(Bill.month),
        payments=select(Payment)
        .where(
            Payment.account_id == account,
            Payment.status != PaymentStatus.created,
            Payment.paid_at >= start,
            Payment.paid_at < bindparam("until"),
        )
        .order_by(Payment.paid_at.desc(), Payment.id.desc()),
    )


def bill_month(account: PersonalAccount, month: date) -> tuple[Bill, Charge | None, bool] | None:
    """A month's bill, its charge and whether it is the newest bill, in one statement; None without a bill."""
    row = db.session.execute(_bill_month_statement(), {"account": account.id, "month": month}).first()
    return None if row is None else (row[0], row[1], not row[2])


@cache
def _bill_month_statement() -> Select:
    account, month = bindparam("account"), bindparam("month")
    later = select(Bill.id).where(Bill.account_id == account, Bill.month > month).exists()
    return (
        select(Bill, Charge, later)
        .outerjoin(Charge, (Charge.account_id == Bill.account_id) & (Charge.month == Bill.month))
        .where(Bill.account_id == account, Bill.month == month)
    )


def received_in(account: PersonalAccount, month: date) -> list[Payment]:
    """The payments a bill lists: received during its month."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.account_id == account.id,
                Payment.status == PaymentStatus.paid,
                Payment.paid_at >= _at(month),
                Payment.paid_at < _at(next_month(month)),
            )
            .order_by(Payment.paid_at)
        )
    )


def all_charges(account: PersonalAccount) -> list[Charge]:
    return list(db.session.scalars(select(Charge).where(Charge.account_id == account.id).order_by(Charge.month)))


def all_bills(account: PersonalAccount) -> list[Bill]:
    return list(db.session.scalars(select(Bill).where(Bill.account_id == account.id).order_by(Bill.month)))


def newest_charges(account_ids: list[int]) -> dict[int, Charge]:
    """Each account's newest charge (its current tariff and unit), in one statement."""
    newest = (
        select(Charge.account_id, func.max(Charge.month).label("month"))
        .where(Charge.account_id.in_(account_ids))
        .group_by(Charge.account_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(Charge).join(newest, (Charge.account_id == newest.c.account_id) & (Charge.month == newest.c.month))
    )
    return {charge.account_id: charge for charge in rows}


def all_payments(account: PersonalAccount) -> list[Payment]:
    """Every payment and attempt of the account, as the history lists them (no order only shown: `created`)."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(Payment.account_id == account.id, Payment.status != PaymentStatus.created)
            .order_by(Payment.paid_at, Payment.id)
        )
    )


def certificate_by_code(code: str) -> Certificate | None:
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if not code or len(code) > 24:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))
