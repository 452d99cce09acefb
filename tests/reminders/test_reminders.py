"""Reminders and disconnection warnings: each kind on its day, the consumer's choice, autopay, once only."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import postgres_app
from vez.extensions import db as _db
from vez.models import Autopay, Disconnection, Letter, PersonalAccount, Reminder, User, UserAccount
from vez.reminders import (
    add_working_days,
    disconnection_date_problem,
    earliest_disconnection,
    send_reminders,
)

DUE = date(2026, 11, 20)  # a Friday


@pytest.fixture
def owing(make_account, make_user, make_bill):
    """ivan holds 529471247, which owes 500.00 on its October bill due 20 November 2026."""
    account = make_account(balance=50_000)
    user = make_user("ivan", accounts=[account])
    bill = make_bill(account, due=DUE)
    return user, account, bill


def letters(kind: str | None = None) -> list[Letter]:
    stmt = select(Letter).order_by(Letter.id)
    if kind:
        stmt = stmt.where(Letter.kind == kind)
    return list(_db.session.scalars(stmt))


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (date(2026, 11, 16), None),
        (date(2026, 11, 17), "reminder_due_soon"),  # 3 days before
        (date(2026, 11, 20), "reminder_due_soon"),  # a missed day: late, but before the due date passed
        (date(2026, 11, 21), "reminder_overdue"),
        (date(2026, 11, 27), "reminder_overdue"),  # up to 7 days late
        (date(2026, 11, 28), None),
    ],
)
def test_each_kind_goes_on_its_days(app, owing, today, kind):
    sent = send_reminders(today)
    assert [letter.kind for letter in letters()] == ([kind] if kind else [])
    assert sum(sent.values()) == (1 if kind else 0)


def test_the_due_soon_letter_carries_the_pay_link_and_the_login_link(app, owing):
    user, account, bill = owing
    send_reminders(date(2026, 11, 17))
    [letter] = letters()
    assert letter.recipient == user.email and "529471247" in letter.subject + letter.body_text
    assert "500,00" in letter.body_text and "https://cabinet.test/pay/" in letter.body_text
    assert "https://cabinet.test/login" in letter.body_text and "Сплатити в один дотик" in letter.body_html
    reminder = _db.session.scalar(select(Reminder))
    assert (reminder.kind, reminder.ref, reminder.letter_id) == ("due_soon", f"bill:{bill.id}", letter.id)


def test_the_letter_is_in_the_consumers_language(app, owing, db):
    user, _, _ = owing
    db.session.get(User, user.id).language = "en"
    db.session.commit()
    send_reminders(date(2026, 11, 17))
    [letter] = letters()
    assert "Pay in one tap" in letter.body_html and "is due by" in letter.body_text and "?lang=en" in letter.body_text


def test_each_reminder_goes_once_however_often_the_job_runs(app, owing):
    for _ in range(3):
        send_reminders(date(2026, 11, 17))
        send_reminders(date(2026, 11, 18))
    send_reminders(date(2026, 11, 21))
    send_reminders(date(2026, 11, 22))
    assert [letter.kind for letter in letters()] == ["reminder_due_soon", "reminder_overdue"]


def test_nothing_goes_when_reminders_are_off(app, owing, db):
    user, _, _ = owing
    db.session.get(User, user.id).reminders = False
    db.session.commit()
    send_reminders(date(2026, 11, 17))
    send_reminders(date(2026, 11, 21))
    assert letters() == []


def test_nothing_goes_when_nothing_is_owed(app, owing, db):
    _, account, _ = owing
    db.session.get(PersonalAccount, account.id).balance = 0
    db.session.commit()
    send_reminders(date(2026, 11, 17))
    assert letters() == []


@pytest.mark.parametrize(("activated", "locked"), [(False, False), (True, True)])
def test_a_login_not_activated_or_locked_gets_nothing(app, make_account, make_user, make_bill, db, activated, locked):
    account = make_account(balance=50_000)
    user = make_user("ivan", accounts=[account], activated=activated)
    if locked:
        from vez.models import utcnow

        db.session.get(User, user.id).locked_at = utcnow()
        db.session.commit()
    make_bill(account, due=DUE)
    send_reminders(date(2026, 11, 17))
    assert letters() == []


def test_an_autopay_covering_the_bill_stops_the_due_soon_reminder_only(app, owing, db):
    user, account, _ = owing
    db.session.add(
        Autopay(account_id=account.id, user_id=user.id, max_amount=100_000, consent_version="1", card_token="tok")
    )
    db.session.commit()
    send_reminders(date(2026, 11, 17))
    assert letters() == []
    send_reminders(date(2026, 11, 21))  # it did not pay after all: the debt stands
    assert [letter.kind for letter in letters()] == ["reminder_overdue"]


@pytest.mark.parametrize(("token", "cap"), [(None, 100_000), ("tok", 10_000)])
def test_an_autopay_without_a_card_or_under_the_amount_does_not_cover(app, owing, db, token, cap):
    user, account, _ = owing
    db.session.add(
        Autopay(account_id=account.id, user_id=user.id, max_amount=cap, consent_version="1", card_token=token)
    )
    db.session.commit()
    send_reminders(date(2026, 11, 17))
    assert [letter.kind for letter in letters()] == ["reminder_due_soon"]


def test_only_the_newest_bill_is_reminded(app, owing, make_bill):
    _, account, _ = owing
    make_bill(account, month=date(2026, 11, 1), due=date(2026, 12, 20))
    send_reminders(date(2026, 11, 21))  # the October bill's debt is carried into November's
    assert letters() == []


# ---- the disconnection warning ----------------------------------------------------------------------------


def test_working_days_skip_weekends_and_not_holidays():
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday → Monday
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 25)  # Christmas: a working day under martial law
    assert earliest_disconnection(date(2026, 11, 2)) == date(2026, 11, 17)  # Monday + 11 working days


@pytest.mark.parametrize(
    ("planned", "problem"),
    [
        (date(2026, 11, 16), "too_soon"),
        (date(2026, 11, 17), None),
        (date(2026, 11, 21), "weekend"),
        (date(2026, 12, 1), None),
    ],
)
def test_the_disconnection_date_rule(planned, problem):
    assert disconnection_date_problem(planned, date(2026, 11, 2)) == problem


def test_the_disconnection_warning_goes_even_with_reminders_off_and_once(app, owing, db):
    user, account, _ = owing
    db.session.get(User, user.id).reminders = False
    d = Disconnection(account_id=account.id, planned_on=date(2026, 12, 1), debt=50_000)
    db.session.add(d)
    db.session.commit()
    send_reminders(date(2026, 11, 10))
    send_reminders(date(2026, 11, 11))
    [letter] = letters()
    assert letter.kind == "disconnection_warning" and "500,00" in letter.body_text
    assert "1 груд. 2026" in letter.body_text and "https://cabinet.test/pay/" in letter.body_text


def test_a_cancelled_disconnection_warns_nobody(app, owing, db):
    _, account, _ = owing
    from vez.models import utcnow

    db.session.add(
        Disconnection(account_id=account.id, planned_on=date(2026, 12, 1), debt=50_000, cancelled_at=utcnow())
    )
    db.session.commit()
    send_reminders(date(2026, 11, 10))
    assert letters() == []


# ---- two runners at once ----------------------------------------------------------------------------------


def _many_owing(db, count: int = 12):
    from vez.models import BranchKind, Service, Subdivision

    sub = Subdivision(code="108", service=Service.electricity, name_uk="Л", name_en="L", kind=BranchKind.district)
    db.session.add(sub)
    db.session.flush()
    from vez.models import Bill

    for i in range(count):
        account = PersonalAccount(
            number=f"5294712{i:02d}",
            service=Service.electricity,
            subdivision=sub,
            holder_name="Петренко Степан Іванович",
            address="смт Любешів",
            meter_number="1",
            balance=10_000,
        )
        user = User(
            login=f"user{i}",
            login_key=f"user{i}",
            login_skeleton=f"user{i}",
            email=f"user{i}@example.com",
            email_key=f"user{i}@example.com",
            phone="+380501234567",
            password_hash="x",
            activated_at=date(2026, 1, 1),
        )
        db.session.add_all([account, user])
        db.session.flush()
        db.session.add(UserAccount(user_id=user.id, account_id=account.id))
        db.session.add(
            Bill(
                account_id=account.id,
                month=date(2026, 10, 1),
                number=f"b{i}",
                issued_on=date(2026, 11, 1),
                opening_balance=0,
                charged=10_000,
                paid=0,
                closing_balance=10_000,
                due_date=DUE,
            )
        )
    db.session.commit()


def _second_app(url: str):
    """Another app on the same database, made outside the test's app context (as another host would be)."""
    from vez import create_app

    made = []
    thread = threading.Thread(target=lambda: made.append(create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})))
    thread.start()
    thread.join(30)
    return made[0]


def _race(apps, today: date) -> list[int]:
    barrier, results = threading.Barrier(len(apps)), []

    def run(app):
        with app.app_context():
            barrier.wait()
            results.append(sum(send_reminders(today).values()))
            _db.session.remove()

    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_runners_on_one_sqlite_file_send_each_reminder_once(app, db, tmp_path):
    _many_owing(db)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("the SQLite file case")
    other = _second_app(url)
    results = _race([app, other], date(2026, 11, 17))
    assert sum(results) == 12
    assert db.session.scalar(select(func.count(Letter.id))) == 12
    assert db.session.scalar(select(func.count(Reminder.id))) == 12
    with other.app_context():
        _db.engine.dispose()


def test_two_runners_on_postgresql_send_each_reminder_once():
    with postgres_app("reminders", "prove reminders go once under concurrent runners") as app:
        _many_owing(_db)
        other = _second_app(app.config["SQLALCHEMY_DATABASE_URI"])
        results = _race([app, other, other], date(2026, 11, 17))
        assert sum(results) == 12
        assert _db.session.scalar(select(func.count(Letter.id))) == 12
        with other.app_context():
            _db.engine.dispose()


def test_the_cli_sends_for_a_given_date(app, owing, runner):
    result = runner.invoke(args=["reminders", "send", "--date", "2026-11-17"])
    assert result.exit_code == 0 and "1 due_soon, 0 overdue, 0 disconnection" in result.output
    assert runner.invoke(args=["reminders", "send", "--date", "17.11.2026"]).exit_code == 2


def test_the_job_is_scheduled_daily_at_nine(app):
    from vez.scheduler import entries

    [entry] = [e for e in entries(app.config["JOBS_SCHEDULE"]) if e.name == "reminders"]
    assert entry.job == "vez.reminders.reminders_job" and entry.describe() == "reminders daily at 09:00"
    assert entry.args("2026-11-17") == ("2026-11-17",)
