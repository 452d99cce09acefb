"""Reminders before and after the due date, and the disconnection warning (docs/payments.md, "Reminders").

A daily job (`reminders_job`, JOBS_SCHEDULE "reminders"; `flask --app vez reminders send [--date]`) writes, to
the login holding an account (activated, unlocked, with an email):

- `due_soon`: REMINDER_DAYS_BEFORE_DUE days before the newest bill's due date (or later, until the due date,
  when the job missed a day), when the bill and the account still owe and no autopay covers it; only when the
  consumer keeps reminders on (User.reminders);
- `overdue`: the day after the due date (or up to REMINDER_OVERDUE_WITHIN_DAYS after it, when missed), while the
  debt stands; only with reminders on;
- `disconnection`: the warning the retail-market rules require (ПРРЕЕ п. 7.5) before a disconnection staff
  scheduled; always, whatever the consumer chose.

Once per bill (or disconnection) and kind: the INSERT into `reminders` (unique kind + ref) is the claim, in the
same transaction as the letter it queues (the outbox). Two runners at once: the second INSERT waits for the
first (PostgreSQL's unique index; SQLite's one writer) and then adds nothing, so its runner sends nothing.
"""

from __future__ import annotations

import enum
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from vez import audit
from vez.extensions import db
from vez.models import Bill, Disconnection, PersonalAccount, Reminder, User, UserAccount, utcnow
from vez.paylink import link_url, payable_amount
from vez.urls import external_url

log = logging.getLogger("vez.reminders")

DUE_SOON, OVERDUE, DISCONNECTION = "due_soon", "overdue", "disconnection"
LETTER_KINDS = {DUE_SOON: "reminder_due_soon", OVERDUE: "reminder_overdue", DISCONNECTION: "disconnection_warning"}
SUBJECTS = {
    DUE_SOON: _l("Your bill is due soon"),
    OVERDUE: _l("Your bill is overdue"),
    DISCONNECTION: _l("Warning: disconnection for debt"),
}
NOTICE_WORKING_DAYS = 10  # ПРРЕЕ п. 7.5: the warning at least 10 working days before the disconnection
DELIVERY_WORKING_DAYS = 1  # the letter's delivery: the notice is counted from the working day after it is sent
RETRIES = 5  # SQLite's busy writer: a claim unit is run again, its COMMIT included (as vez.payments.settle)


# ---- the date rule of a disconnection -----------------------------------------------------------------------


def is_working_day(day: date) -> bool:
    """Monday to Friday. Under martial law (since 24 February 2022) public holidays are working days (Law
    No. 2136-IX, art. 6, suspends art. 73 of the Labour Code), so no holiday calendar is consulted."""
    return day.weekday() < 5


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start`."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        count -= is_working_day(day)
    return day


def earliest_disconnection(today: date) -> date:
    """The first day a disconnection scheduled today may be planned for: the letter goes today and is counted as
    delivered on the next working day, then come 10 full working days of notice, and the disconnection falls on
    the working day after them (today + 11 working days)."""
    return add_working_days(today, DELIVERY_WORKING_DAYS + NOTICE_WORKING_DAYS)


def disconnection_date_problem(planned_on: date, today: date) -> str | None:
    """`weekend` or `too_soon` when staff may not plan a disconnection on that day; None when they may."""
    if not is_working_day(planned_on):
        return "weekend"
    if planned_on < earliest_disconnection(today):
        return "too_soon"
    return None


# ---- who is due what ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One letter to write: `ref` is `bill:<id>` or `disconnection:<id>`, the claim's unique key with `kind`."""

    kind: str
    ref: str
    account_id: int
    user_id: int
    bill_id: int | None = None
    disconnection_id: int | None = None


def autopay_covers(account_id: int, amount: int) -> bool:
    """An autopay with a saved card whose cap reaches the amount will pay the bill: no `due_soon` reminder
    (the autopay part's own rule, `vez.payments.autopay.covers`)."""
    from vez.payments.autopay import covers

    return covers(account_id, amount)


def _recipients():
    """The login of each account that can get a letter: activated, unlocked, with an email."""
    return (
        select(UserAccount.account_id, User.id.label("user_id"), User.reminders)
        .join(User, User.id == UserAccount.user_id)
        .where(User.activated_at.is_not(None), User.locked_at.is_(None), User.email != "")
        .subquery()
    )


def _not_sent(kind: str, ref):
    return ~exists().where(Reminder.kind == kind, Reminder.ref == ref)


def due_reminders(today: date) -> list[Due]:
    """Every letter the day asks for and no runner has claimed yet (the claim itself decides, see `claim`)."""
    config = current_app.config
    newest = select(Bill.account_id, func.max(Bill.month).label("month")).group_by(Bill.account_id).subquery("newest")
    people = _recipients()
    rows = db.session.execute(
        select(Bill, PersonalAccount.balance, people.c.user_id)
        .join(newest, and_(newest.c.account_id == Bill.account_id, newest.c.month == Bill.month))
        .join(PersonalAccount, PersonalAccount.id == Bill.account_id)
        .join(people, people.c.account_id == Bill.account_id)
        .where(
            people.c.reminders.is_(True),
            Bill.closing_balance > 0,
            PersonalAccount.balance > 0,
            Bill.due_date >= today - timedelta(days=config["REMINDER_OVERDUE_WITHIN_DAYS"]),
            Bill.due_date <= today + timedelta(days=config["REMINDER_DAYS_BEFORE_DUE"]),
        )
        .order_by(Bill.id)
    ).all()
    found = []
    for bill, balance, user_id in rows:
        ref = f"bill:{bill.id}"
        if bill.due_date >= today:  # the reminder's window: N days before the due date, up to the day itself
            kind = DUE_SOON
            if autopay_covers(bill.account_id, payable_amount(bill, balance)):
                continue
        else:  # the day after the due date, up to REMINDER_OVERDUE_WITHIN_DAYS late
            kind = OVERDUE
        if db.session.scalar(select(_not_sent(kind, ref))):
            found.append(Due(kind, ref, bill.account_id, user_id, bill_id=bill.id))
    for disconnection, user_id in db.session.execute(
        select(Disconnection, people.c.user_id)
        .join(people, people.c.account_id == Disconnection.account_id)
        .where(
            Disconnection.cancelled_at.is_(None),
            Disconnection.planned_on >= today,
        )
        .order_by(Disconnection.id)
    ).all():
        if not db.session.scalar(select(_not_sent(DISCONNECTION, f"disconnection:{disconnection.id}"))):
            continue
        found.append(
            Due(
                DISCONNECTION,
                f"disconnection:{disconnection.id}",
                disconnection.account_id,
                user_id,
                disconnection_id=disconnection.id,
            )
        )
    return found


# ---- the claim and the letter -------------------------------------------------------------------------------


def _insert(model):
    dialects = {"postgresql": postgresql, "sqlite": sqlite}
    return dialects[db.session.get_bind().dialect.name].insert(model)


def claim(due: Due) -> bool:
    """Claim the reminder and queue its letter in the caller's transaction: False when another runner (or an
    earlier run) has it. The caller commits the two together, or rolls both back."""
    reminder_id = db.session.execute(
        _insert(Reminder)
        .values(kind=due.kind, ref=due.ref, account_id=due.account_id, user_id=due.user_id)
        .on_conflict_do_nothing(index_elements=["kind", "ref"])
        .returning(Reminder.id)
    ).scalar()
    if reminder_id is None:
        return False
    letter = _letter(due)
    db.session.flush()
    db.session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id)
        .values(letter_id=letter.id)
        .execution_options(synchronize_session=False)
    )
    return True


def _newest_bill(account_id: int) -> Bill | None:
    return db.session.scalar(select(Bill).where(Bill.account_id == account_id).order_by(Bill.month.desc()).limit(1))


def _letter(due: Due):
    from vez.mail import queue_letter

    user = db.session.get(User, due.user_id)
    account = db.session.get(PersonalAccount, due.account_id)
    bill = db.session.get(Bill, due.bill_id) if due.bill_id else _newest_bill(account.id)
    disconnection = db.session.get(Disconnection, due.disconnection_id) if due.disconnection_id else None
    amount = payable_amount(bill, account.balance) if bill is not None else max(account.balance, 0)
    return queue_letter(
        LETTER_KINDS[due.kind],
        to=user.email,
        subject=SUBJECTS[due.kind],
        template="reminder",
        language=user.language,
        user_id=user.id,
        reminder=due.kind,
        number=account.number,
        service=account.service.value,
        amount=amount,
        debt=disconnection.debt if disconnection is not None else None,
        due=bill.due_date if bill is not None else None,
        planned_on=disconnection.planned_on if disconnection is not None else None,
        pay_url=link_url(account.id, bill.id, user.language) if bill is not None and amount > 0 else None,
        login_url=external_url("auth.login", lang=user.language),
    )


def _claim_and_commit(due: Due) -> bool:
    """One reminder, one transaction: the claim and its letter commit together. SQLite's busy writer (another
    runner holds the one write lock) is waited out by running the unit again."""
    for attempt in range(RETRIES):
        try:
            claimed = claim(due)
            db.session.commit()
            return claimed
        except OperationalError as error:
            db.session.rollback()
            if "locked" not in str(error).lower() or attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def send_reminders(today: date) -> Counter:
    """Send what the day asks for, each reminder at most once whoever else runs; returns the count per kind."""
    wanted = due_reminders(today)
    db.session.rollback()  # end the read: each claim is a transaction of its own
    sent: Counter = Counter()
    for due in wanted:
        if _claim_and_commit(due):
            sent[due.kind] += 1
    return sent


def warn_disconnection(disconnection: Disconnection) -> bool:
    """The warning of a disconnection staff just scheduled, queued in their transaction (the panel commits); the
    daily job sends any that could not go then. False when the account has no login that can get a letter."""
    people = _recipients()
    user_id = db.session.scalar(select(people.c.user_id).where(people.c.account_id == disconnection.account_id))
    if user_id is None:
        return False
    due = Due(
        DISCONNECTION,
        f"disconnection:{disconnection.id}",
        disconnection.account_id,
        user_id,
        disconnection_id=disconnection.id,
    )
    return claim(due)


def warning_sent_at(disconnection_id: int) -> datetime | None:
    return db.session.scalar(
        select(Reminder.created_at).where(
            Reminder.kind == DISCONNECTION, Reminder.ref == f"disconnection:{disconnection_id}"
        )
    )


def local_today() -> date:
    """Today in the supplier's time zone (BABEL_DEFAULT_TIMEZONE), as the daily job is given it."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def parse_day(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d").date()


def reminders_job(day_text: str) -> str:
    """The daily job (JOBS_SCHEDULE "reminders"), given the local date; idempotent across runs and hosts."""
    sent = send_reminders(parse_day(day_text))
    return f"{day_text}: " + ", ".join(f"{sent[kind]} {kind}" for kind in (DUE_SOON, OVERDUE, DISCONNECTION))


reminders_cli = AppGroup("reminders", help="Reminders before and after the due date, and disconnection warnings.")


@reminders_cli.command("send")
@click.option("--date", "day_text", default=None, help="The day to send for, YYYY-MM-DD (default: today, Kyiv time).")
def send_command(day_text: str | None) -> None:
    """Send the day's reminders and warnings (each at most once, however often it runs)."""
    if day_text is None:
        day_text = local_today().isoformat()
    try:
        parse_day(day_text)
    except ValueError as error:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--date") from error
    click.echo(f"{reminders_job(day_text)}.")


# ---- staff: scheduling and cancelling a disconnection ------------------------------------------------------


class Scheduled(str, enum.Enum):
    scheduled = "scheduled"  # the row is added and the warning queued (or left to the job: no login)
    no_debt = "no_debt"  # the account owes nothing
    weekend = "weekend"  # not a working day
    too_soon = "too_soon"  # sooner than the notice the rules require
    already = "already"  # the account has a disconnection scheduled and not cancelled


@dataclass(frozen=True)
class Scheduling:
    outcome: Scheduled
    disconnection: Disconnection | None = None
    warned: bool = False  # the warning letter is queued in this transaction


def schedule_disconnection(
    account: PersonalAccount, planned_on: date, today: date, *, actor_id: int, ip: str | None
) -> Scheduling:
    """Schedule a disconnection for debt and queue its warning in the same transaction; the panel commits."""
    if account.balance <= 0:
        return Scheduling(Scheduled.no_debt)
    problem = disconnection_date_problem(planned_on, today)
    if problem is not None:
        return Scheduling(Scheduled(problem))
    if db.session.scalar(
        select(Disconnection.id).where(
            Disconnection.account_id == account.id,
            Disconnection.cancelled_at.is_(None),
            Disconnection.planned_on >= today,
        )
    ):
        return Scheduling(Scheduled.already)
    disconnection = Disconnection(
        account_id=account.id, planned_on=planned_on, debt=account.balance, created_by=actor_id
    )
    db.session.add(disconnection)
    db.session.flush()
    warned = warn_disconnection(disconnection)
    audit.record(
        "admin.disconnection_scheduled",
        actor_id=actor_id,
        ip=ip,
        target=disconnection,
        account=account.number,
        planned_on=planned_on.isoformat(),
        debt=account.balance,
        warned=warned,
    )
    return Scheduling(Scheduled.scheduled, disconnection, warned)


def cancel_disconnection(disconnection: Disconnection, *, actor_id: int, ip: str | None) -> bool:
    """Cancel a scheduled disconnection once (a compare-and-set); False when it was cancelled already."""
    done = db.session.execute(
        update(Disconnection)
        .where(Disconnection.id == disconnection.id, Disconnection.cancelled_at.is_(None))
        .values(cancelled_at=utcnow(), cancelled_by=actor_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        audit.record("admin.disconnection_cancelled", actor_id=actor_id, ip=ip, target=disconnection)
        db.session.refresh(disconnection)
    return bool(done)
