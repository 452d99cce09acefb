"""The scheduler (vez.scheduler): each periodic job once per period, however many schedulers run at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import current_app
from sqlalchemy import func, select

from tests.conftest import postgres_app
from vez import create_app
from vez.config import Config
from vez.extensions import db
from vez.models import Bill, ScheduledRun
from vez.scheduler import Entry, Scheduler, entries, latest_runs

ROOT = Path(__file__).resolve().parents[2]
KYIV = ZoneInfo("Europe/Kyiv")
TEST_SCHEDULE = {
    "minutely": {"job": "tests.jobs.test_scheduler.record", "every": 60},
    "monthly": {"job": "tests.jobs.test_scheduler.record", "day": 1, "hour": 6},
}
calls: list[tuple] = []
calls_lock = threading.Lock()


def record(*args) -> str:
    with calls_lock:
        calls.append((current_app.name, *args))
    return f"recorded {args!r}"


def explode() -> None:
    raise RuntimeError("the gateway is down")


def side_by_side(app, moments: list[datetime], schedulers: int = 2) -> list[Scheduler]:
    """`schedulers` schedulers in threads of their own (own app context, own database connection); at each
    moment the clock is moved and all of them tick together."""
    barrier = threading.Barrier(schedulers + 1)
    made: list[Scheduler] = []
    errors: list[BaseException] = []

    def loop() -> None:
        with app.app_context():
            scheduler = Scheduler(app)
            made.append(scheduler)
            try:
                for _ in moments:
                    barrier.wait(timeout=30)  # the clock has moved
                    scheduler.tick()
                    barrier.wait(timeout=30)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
                barrier.abort()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=loop) for _ in range(schedulers)]
    with time_machine.travel(moments[0], tick=False) as traveller:
        for thread in threads:
            thread.start()
        for moment in moments:
            traveller.move_to(moment)
            barrier.wait(timeout=30)
            barrier.wait(timeout=30)
        for thread in threads:
            thread.join(30)
    assert not errors, errors
    return made


def assert_each_period_ran_once(schedulers: list[Scheduler]) -> None:
    # 03:57 to 04:03 UTC on 1 November 2026: seven minutes; 06:00 in Kyiv (EET) is 04:00 UTC, so the
    # monthly job runs the current period at the start (September's) and October's at 04:00.
    start = datetime(2026, 11, 1, 3, 57, tzinfo=UTC)
    minutes = {str(int((start + timedelta(minutes=m)).timestamp()) // 60) for m in range(7)}
    expected = {("minutely", m) for m in minutes} | {("monthly", "2026-09"), ("monthly", "2026-10")}
    rows = db.session.execute(select(ScheduledRun.name, ScheduledRun.period, ScheduledRun.state)).all()
    assert sorted((n, p) for n, p, _s in rows) == sorted(expected)  # one row per period, no more
    assert {s for _n, _p, s in rows} == {"done"}
    assert sorted(call[1:] for call in calls) == sorted([()] * 7 + [("2026-09",), ("2026-10",)])  # ran once each
    assert [s.claims for s in schedulers] == [len(expected)] * len(schedulers)  # each tried every period: a race


MOMENTS = [datetime(2026, 11, 1, 3, 57, tzinfo=UTC) + timedelta(seconds=20 * i) for i in range(19)]


def test_two_schedulers_at_once_run_each_period_exactly_once_on_sqlite(app, db):
    app.config["JOBS_SCHEDULE"] = TEST_SCHEDULE
    calls.clear()
    assert_each_period_ran_once(side_by_side(app, MOMENTS))


@pytest.mark.postgres
def test_two_schedulers_at_once_run_each_period_exactly_once_on_postgresql(worker_id):
    with postgres_app(f"scheduler_{worker_id}", "prove the scheduler's claim") as app:
        assert db.engine.dialect.name == "postgresql"
        app.config["JOBS_SCHEDULE"] = TEST_SCHEDULE
        calls.clear()
        assert_each_period_ran_once(side_by_side(app, MOMENTS, schedulers=3))


def test_the_monthly_bills_fire_on_the_day_not_before_and_once(app, db, make_account, make_charge):
    """Day 1 at 06:00 in Kyiv bills the month before; a restart later in the month runs nothing again."""
    account = make_account("529471247")
    make_charge(account, date(2026, 10, 1), 43200)
    app.config["JOBS_SCHEDULE"] = {"bills": Config.JOBS_SCHEDULE["bills"]}
    scheduler = Scheduler(app)
    with time_machine.travel(datetime(2026, 10, 20, 12, 0, tzinfo=KYIV), tick=False):
        assert scheduler.tick() == ["bills-2026-09"]  # back after a pause: the current period, September
    for moment in (datetime(2026, 10, 31, 23, 59, tzinfo=KYIV), datetime(2026, 11, 1, 5, 59, 59, tzinfo=KYIV)):
        with time_machine.travel(moment, tick=False):
            assert scheduler.tick() == []
    assert db.session.scalar(select(func.count(Bill.id))) == 0
    with time_machine.travel(datetime(2026, 11, 1, 6, 0, tzinfo=KYIV), tick=False):
        assert scheduler.tick() == ["bills-2026-10"]
    (bill,) = db.session.scalars(select(Bill)).all()
    assert bill.month == date(2026, 10, 1) and bill.charged == 43200
    run = db.session.scalars(select(ScheduledRun).where(ScheduledRun.period == "2026-10")).one()
    assert run.state == "done" and run.detail == "2026-10: 1 bills made, 0 e-bill letters queued"
    assert run.claimed_by.rsplit(":", 1)[1] == str(os.getpid())
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=KYIV), tick=False):
        assert Scheduler(app).tick() == []  # a restarted scheduler: October is claimed already
    assert db.session.scalar(select(func.count(ScheduledRun.id))) == 2


def test_a_period_is_computed_from_the_clock():
    every = Entry("outbox", "vez.mail.send_due_job", every=60)
    moment = datetime(2026, 11, 1, 4, 0, 59, tzinfo=UTC)
    assert every.period(moment, KYIV) == str(int(moment.timestamp()) // 60) == every.period(moment, UTC)
    monthly = Entry("bills", "vez.billing.monthly_bills_job", day=3, hour=6)
    assert monthly.period(datetime(2027, 1, 3, 5, 59, tzinfo=KYIV), KYIV) == "2026-11"
    assert monthly.period(datetime(2027, 1, 3, 6, 0, tzinfo=KYIV), KYIV) == "2026-12"
    assert monthly.args("2026-12") == ("2026-12",) and every.args("123") == ()
    daily = Entry("reminders", "vez.reminders.daily_job", hour=9)
    assert daily.period(datetime(2027, 1, 1, 8, 59, tzinfo=KYIV), KYIV) == "2026-12-31"
    assert daily.period(datetime(2027, 1, 1, 9, 0, tzinfo=KYIV), KYIV) == "2027-01-01"
    assert daily.period(datetime(2027, 1, 1, 6, 59, tzinfo=UTC), KYIV) == "2026-12-31"  # 08:59 in Kyiv
    assert daily.period(datetime(2027, 1, 1, 7, 0, tzinfo=UTC), KYIV) == "2027-01-01"
    assert daily.args("2027-01-01") == ("2027-01-01",) and daily.describe() == "reminders daily at 09:00"


def test_a_job_that_fails_without_redis_is_kept_with_its_error_and_the_next_period_runs(app, db):
    app.config["JOBS_SCHEDULE"] = {"reconcile": {"job": "tests.jobs.test_scheduler.explode", "every": 300}}
    scheduler = Scheduler(app)
    with time_machine.travel(datetime(2026, 11, 1, 4, 0, tzinfo=UTC), tick=False) as traveller:
        (failed,) = scheduler.tick()
        traveller.shift(300)
        assert scheduler.tick() != [failed]
    run = db.session.scalars(select(ScheduledRun).where(ScheduledRun.job_id == failed)).one()
    assert run.state == "failed" and run.detail == "RuntimeError: the gateway is down"
    assert [r.job_id for r in latest_runs()] != [failed]  # the dashboard shows the newest run of each job


def test_the_schedule_comes_from_vez_jobs_schedule_as_json_or_one_value_at_a_time(monkeypatch):
    default = json.dumps(Config.JOBS_SCHEDULE, sort_keys=True)
    monkeypatch.setenv("VEZ_JOBS_SCHEDULE", json.dumps({"outbox": {"job": "vez.mail.send_due_job", "every": 15}}))
    app = create_app({"TESTING": True})
    assert [e.describe() for e in entries(app.config["JOBS_SCHEDULE"])] == ["outbox every 15 s"]
    monkeypatch.delenv("VEZ_JOBS_SCHEDULE")
    monkeypatch.setenv("VEZ_JOBS_SCHEDULE__bills__day", "5")
    monkeypatch.setenv("VEZ_JOBS_SCHEDULE__reconcile", "null")
    app = create_app({"TESTING": True})
    assert [e.describe() for e in entries(app.config["JOBS_SCHEDULE"])] == [
        "outbox every 60 s",
        "bills monthly on day 5 at 06:00",
        "reminders daily at 09:00",
        "autopay daily at 10:00",
    ]
    assert json.dumps(Config.JOBS_SCHEDULE, sort_keys=True) == default  # the class's defaults are untouched


@pytest.mark.parametrize(
    "schedule, message",
    [
        ({"Bills!": {"job": "vez.billing.monthly_bills_job", "day": 1}}, "lower-case"),
        ({"bills": {"job": "vez.billing.monthly_bills_job", "day": 31}}, "'day' 1 to 28"),
        ({"outbox": {"job": "vez.mail.send_due_job", "every": 0}}, "at least 1"),
        ({"outbox": {"job": "vez.mail.send_due_job"}}, "needs 'every'"),
        ({"reminders": {"job": "vez.mail.send_due_job", "hour": 24}}, "'hour' 0 to 23"),
        ({"outbox": {"every": 60}}, "needs a 'job'"),
    ],
)
def test_a_wrong_schedule_is_refused_at_the_start(schedule, message):
    with pytest.raises(ValueError, match=message):
        entries(schedule)


def test_the_scheduler_command_runs_until_sigterm_then_exits_cleanly(app, db):
    env = {
        **os.environ,
        "VEZ_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "VEZ_JOBS_SCHEDULE": json.dumps({"outbox": {"job": "vez.mail.send_due_job", "every": 3600}}),
    }
    env.pop("VEZ_JOBS_REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "vez", "jobs", "scheduler", "--tick", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not db.session.scalar(select(func.count(ScheduledRun.id))):
            time.sleep(0.1)
            db.session.rollback()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "outbox every 3600 s" in out and out.rstrip().endswith("scheduler stopped")
    (run,) = db.session.scalars(select(ScheduledRun)).all()
    assert run.name == "outbox" and run.state == "done" and run.detail == "sent 0, failed 0"
    assert run.claimed_by == f"{run.claimed_by.split(':')[0]}:{proc.pid}"
    assert f"{run.job_id} done: sent 0, failed 0" in err  # each run is logged
