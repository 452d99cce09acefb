"""Letters and the scheduler on a real redis-server with RQ (docs/architecture.md, "Background jobs")."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import time_machine
from rq import SimpleWorker
from sqlalchemy import select

from bench.server import free_port
from tests.jobs.test_scheduler import MOMENTS, TEST_SCHEDULE, assert_each_period_ran_once, calls, side_by_side
from vez import jobs
from vez.extensions import db
from vez.mail import queue_letter
from vez.models import Letter, LetterStatus, ScheduledRun
from vez.scheduler import Scheduler

pytestmark = pytest.mark.live


def welcome(to: str) -> None:
    user = SimpleNamespace(login="petro", email=to)
    queue_letter("welcome", to=to, subject="Welcome", template="welcome", language="uk", user=user)


def work(app) -> None:
    q = jobs.queue(app)
    SimpleWorker([q], connection=q.connection).work(burst=True)


def test_a_commit_that_queued_letters_puts_one_sending_job_on_rq_and_a_worker_delivers(app, redis_url, smtp):
    app.config["JOBS_REDIS_URL"] = redis_url
    q = jobs.queue(app)
    welcome("petro@ukr.net")
    welcome("olena@ukr.net")
    assert len(q) == 0  # nothing before the commit
    db.session.commit()
    (job,) = q.get_jobs()
    assert job.args == ("vez.mail.send_due_job",)
    assert smtp.messages == []  # the web process only queued the job
    work(app)
    assert sorted(to for tos, _m in smtp.messages for to in tos) == ["olena@ukr.net", "petro@ukr.net"]
    assert {letter.status for letter in db.session.scalars(select(Letter))} == {LetterStatus.sent}


def test_a_rolled_back_letter_starts_no_job(app, redis_url, smtp):
    app.config["JOBS_REDIS_URL"] = redis_url
    welcome("petro@ukr.net")
    db.session.rollback()
    db.session.commit()
    assert len(jobs.queue(app)) == 0


def test_two_schedulers_queue_each_period_once_on_rq_under_its_name_and_period(app, redis_url):
    app.config.update(JOBS_REDIS_URL=redis_url, JOBS_SCHEDULE=TEST_SCHEDULE)
    calls.clear()
    schedulers = side_by_side(app, MOMENTS)
    q = jobs.queue(app)
    rows = db.session.scalars(select(ScheduledRun)).all()
    assert sorted(q.get_job_ids()) == sorted(r.job_id for r in rows)  # one RQ job per claimed period
    assert {r.state for r in rows} == {"enqueued"} and calls == []
    work(app)
    db.session.expire_all()
    assert_each_period_ran_once(schedulers)  # and the worker wrote each outcome on its row


def test_redis_down_gives_the_period_back_for_the_next_tick(app, redis_url):
    app.config.update(JOBS_REDIS_URL=f"redis://127.0.0.1:{free_port()}", JOBS_SCHEDULE=TEST_SCHEDULE)
    scheduler = Scheduler(app)
    with time_machine.travel(datetime(2026, 11, 1, 4, 0, tzinfo=UTC), tick=False):
        assert scheduler.tick() == []
        assert db.session.scalars(select(ScheduledRun)).all() == []
        app.config["JOBS_REDIS_URL"] = redis_url  # Redis is back
        assert sorted(scheduler.tick()) == ["minutely-29891760", "monthly-2026-10"]
    assert sorted(jobs.queue(app).get_job_ids()) == ["minutely-29891760", "monthly-2026-10"]
