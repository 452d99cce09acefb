"""Monthly bills ("Генерація рахунків"): opening balance, charged, paid, closing balance, due date."""

from __future__ import annotations

from datetime import date, datetime

import click
from babel.dates import format_date
from flask import current_app
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vez.extensions import db
from vez.models import Bill, Charge, Payment, PaymentStatus, PersonalAccount, Service, User, UserAccount

DUE_DAY = 20  # bills are due by the 20th of the month after the billed one


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def days_overdue(bill: Bill, *, balance: int, newest: bool, today: date) -> int:
    """Days past the bill's due date while its debt stands; 0 when the bill is not overdue.

    Only the newest bill can be overdue: an older bill's debt is carried into the next one's opening balance.
    Its debt stands while it asked for money and the account still owes (`balance`, received payments only).
    """
    if not newest or bill.amount_due <= 0 or balance <= 0 or today <= bill.due_date:
        return 0
    return (today - bill.due_date).days


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
    received = Payment.status == PaymentStatus.paid
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


def period_uk(month: date) -> str:
    """`жовтень 2026`: the purpose line is read by banks, so it is Ukrainian in every interface language."""
    return format_date(month, "LLLL yyyy", locale="uk")


def purpose_line(account: PersonalAccount, month: date) -> str:
    """The payment purpose printed on the bill and put in its QR code (at most 140 characters)."""
    service = "електроенергію" if account.service is Service.electricity else "природний газ"
    return f"Оплата за {service} за {period_uk(month)}, о/р {account.number}, {account.holder_surname}"[:140]


def queue_ebills(bills: list[Bill]) -> int:
    """The e-bill letter of the month to every activated login that chose paperless bills; returns the count."""
    from vez.mail import queue_letter
    from vez.paylink import link_url

    by_account = {bill.account_id: bill for bill in bills}
    if not by_account:
        return 0
    month = bills[0].month
    rows = db.session.execute(
        select(User, PersonalAccount)
        .join(UserAccount, UserAccount.user_id == User.id)
        .join(PersonalAccount, PersonalAccount.id == UserAccount.account_id)
        .join(Bill, (Bill.account_id == PersonalAccount.id) & (Bill.month == month))
        .where(User.paperless.is_(True), User.activated_at.is_not(None), User.locked_at.is_(None))
    ).all()
    cfg, sent = current_app.config, 0
    for user, account in rows:
        bill = by_account.get(account.id)
        if bill is None:
            continue
        queue_letter(
            "ebill",
            to=user.email,
            subject=_l("Your bill for electricity or gas"),
            template="ebill",
            language=user.language,
            user_id=user.id,
            number=account.number,
            month=month,
            month_key=f"{month:%Y-%m}",
            amount=bill.amount_due,
            due=bill.due_date,
            supplier=cfg["SUPPLIER_NAME"],
            edrpou=cfg["SUPPLIER_EDRPOU"],
            iban=cfg["SUPPLIER_IBAN"],
            purpose=purpose_line(account, month),
            # docs/payments.md, "One-tap pay links": only a bill that asks for money carries one.
            pay_url=link_url(account.id, bill.id, user.language) if bill.amount_due > 0 else None,
        )
        sent += 1
    return sent


def monthly_bills_job(month_text: str) -> str:
    """The job (scheduled monthly for the month before): the month's bills and the e-bill letters of the new
    ones, in one transaction. Idempotent: a second run finds every account billed and queues nothing; two runs
    at once collide on the unique (account, month) of a bill, and the loser's retry finds the work done."""
    month = parse_month(month_text)
    bills = generate_bills(month)
    db.session.flush()
    letters = queue_ebills(bills)
    db.session.commit()
    return f"{month:%Y-%m}: {len(bills)} bills made, {letters} e-bill letters queued"


bills_cli = AppGroup("bills", help="Monthly bills.")


@bills_cli.command("generate")
@click.option("--month", "month_text", required=True, help="The billed month, YYYY-MM.")
def generate_command(month_text: str) -> None:
    """Make the month's bills (idempotent) and queue the e-bill letters of the new ones."""
    try:
        parse_month(month_text)
    except ValueError as error:
        raise click.BadParameter("expected YYYY-MM", param_hint="--month") from error
    click.echo(f"{monthly_bills_job(month_text)}.")
