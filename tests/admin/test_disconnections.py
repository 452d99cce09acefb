"""Staff schedule a disconnection for debt in the panel (admins, second factor), the warning goes at once."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date
from sqlalchemy import select

from tests.conftest import csrf_token
from vez.models import AuditEvent, Disconnection, Letter, Reminder
from vez.reminders import earliest_disconnection, local_today


def earliest(app):
    with app.app_context():
        return earliest_disconnection(local_today())


def a_weekend_after(day):
    while day.weekday() < 5:
        day += timedelta(days=1)
    return day


def schedule(client, account_id: int, day: str):
    token = csrf_token(client, f"/admin/accounts/details/?id={account_id}")
    return client.post(f"/admin/accounts/{account_id}/disconnection", data={"planned_on": day, "csrf_token": token})


def test_an_admin_schedules_a_disconnection_and_the_warning_goes_at_once(
    app, admin_client, make_account, make_user, db
):
    account = make_account(balance=50_000)
    make_user("ivan", accounts=[account])
    day = earliest(app)
    page = admin_client.get(f"/admin/accounts/details/?id={account.id}").get_data(as_text=True)
    assert format_date(day, "medium", locale="uk") in page and "Запланувати відключення" in page
    assert schedule(admin_client, account.id, day.isoformat()).status_code == 303
    row = db.session.scalar(select(Disconnection))
    assert row.planned_on == day and row.debt == 50_000
    [letter] = db.session.scalars(select(Letter).where(Letter.kind == "disconnection_warning")).all()
    assert letter.recipient == "ivan@example.com"
    assert db.session.scalar(select(Reminder.letter_id)) == letter.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "admin.disconnection_scheduled"))
    assert event.data["planned_on"] == day.isoformat() and event.data["warned"] is True
    listing = admin_client.get("/admin/disconnections/").get_data(as_text=True)
    assert "529471247" in listing and "Надіслано" in listing


def test_a_date_too_soon_or_on_a_weekend_is_refused(app, admin_client, make_account, db):
    account = make_account(balance=50_000)
    day = earliest(app)
    schedule(admin_client, account.id, (day - timedelta(days=1)).isoformat())
    schedule(admin_client, account.id, a_weekend_after(day).isoformat())
    assert db.session.scalars(select(Disconnection)).all() == []


def test_no_debt_no_disconnection(app, admin_client, make_account, db):
    account = make_account(balance=0)
    schedule(admin_client, account.id, earliest(app).isoformat())
    assert db.session.scalars(select(Disconnection)).all() == []


def test_an_operator_may_not_schedule(app, operator_client, make_account, db):
    account = make_account(balance=50_000)
    assert schedule(operator_client, account.id, earliest(app).isoformat()).status_code == 403
    assert db.session.scalars(select(Disconnection)).all() == []


def test_an_admin_cancels_it_once_and_it_is_audited(app, admin_client, make_account, db):
    account = make_account(balance=50_000)
    schedule(admin_client, account.id, earliest(app).isoformat())
    row = db.session.scalar(select(Disconnection))
    token = csrf_token(admin_client, f"/admin/disconnections/details/?id={row.id}")
    for _ in range(2):
        answer = admin_client.post(f"/admin/disconnections/{row.id}/cancel", data={"csrf_token": token})
        assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(Disconnection, row.id).cancelled_at is not None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("admin.disconnection%")).order_by(AuditEvent.id)
    )
    assert list(actions) == ["admin.disconnection_scheduled", "admin.disconnection_cancelled"]
