"""Background jobs without Redis (the default): the same job function runs in a thread of this process."""

from __future__ import annotations

import time

import pytest

from vez import jobs
from vez.admin import importing
from vez.models import ImportRun, ImportStatus

HEADER = "number,month,volume,unit,tariff,amount,reading_start,reading_end\n"
calls: list[tuple] = []


def remember(*args) -> None:
    from flask import current_app

    calls.append((current_app.name, *args))


def test_a_job_runs_in_a_thread_with_an_app_context_of_its_own(app):
    calls.clear()
    jobs.enqueue("tests.admin.test_jobs.remember", 7, "path")
    deadline = time.time() + 10
    while not calls and time.time() < deadline:
        time.sleep(0.02)
    assert calls == [(app.name, 7, "path")]


def test_an_unknown_job_fails_in_the_request_not_later(app):
    with pytest.raises(AttributeError):
        jobs.enqueue("vez.admin.importing.no_such_job", 1)


def test_the_import_job_runs_a_finished_run_only_once(app, db, make_account, tmp_path):
    make_account("529471247")
    path = tmp_path / "charges.csv"
    path.write_text(HEADER + "529471247,2026-09,100,kWh,4.32,432.00,,\n")
    run = importing.new_run("charges", "charges.csv", dry_run=False, skip_bad=False, actor_id=None)
    assert importing.run_import_job(run.id, str(path), "en") == "done"
    assert not path.exists()  # the upload goes once the run has finished
    first = db.session.get(ImportRun, run.id).finished_at
    path.write_text(HEADER + "529999999,2026-09,1,kWh,1,1.00,,\n")  # a retry must not import anything again
    assert importing.run_import_job(run.id, str(path), "en") == "done"
    db.session.expire_all()
    again = db.session.get(ImportRun, run.id)
    assert again.status is ImportStatus.done and again.finished_at == first and again.rows_written == 1


def test_the_import_job_of_a_vanished_run_does_nothing(app, db):
    assert importing.run_import_job(999_999, "/nonexistent.csv") is None


def test_the_worker_and_the_status_refuse_without_redis(app):
    app.config["JOBS_REDIS_URL"] = None
    for command in ("worker", "status"):
        result = app.test_cli_runner().invoke(args=["jobs", command])
        assert result.exit_code == 1 and "JOBS_REDIS_URL is not set" in result.output


def test_the_dashboard_shows_no_queue_without_redis_and_says_when_redis_is_down(app, admin_client):
    from bench.server import free_port

    app.config["JOBS_REDIS_URL"] = None
    assert "Background jobs" not in admin_client.get("/admin/?lang=en").get_data(as_text=True)
    app.config["JOBS_REDIS_URL"] = f"redis://127.0.0.1:{free_port()}"  # nothing listens there
    page = admin_client.get("/admin/?lang=en")
    assert page.status_code == 200 and "The job queue cannot be reached." in page.get_data(as_text=True)


def test_retrying_a_job_without_redis_or_with_a_malformed_id_is_not_found(app, admin_client):
    from tests.conftest import csrf_token

    token = csrf_token(admin_client, "/admin/")
    app.config["JOBS_REDIS_URL"] = None
    assert admin_client.post("/admin/jobs/import-1/retry", data={"csrf_token": token}).status_code == 404
    app.config["JOBS_REDIS_URL"] = "redis://127.0.0.1:1"
    assert admin_client.post("/admin/jobs/a.b/retry", data={"csrf_token": token}).status_code == 404


def test_the_dashboard_shows_the_newest_run_of_each_scheduled_job(app, admin_client, db):
    from datetime import datetime

    from vez.models import ScheduledRun

    for name, period, state, detail in (
        ("outbox", "29891757", "done", "sent 0, failed 0"),
        ("outbox", "29891758", "done", "sent 2, failed 0"),
        ("reconcile", "5978351", "failed", "RuntimeError: the gateway is down"),
    ):
        db.session.add(
            ScheduledRun(
                name=name,
                period=period,
                claimed_at=datetime(2026, 11, 1, 4, 0),
                claimed_by="web1:4242",
                job_id=f"{name}-{period}",
                state=state,
                detail=detail,
            )
        )
    db.session.commit()
    page = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Scheduled jobs" in page and "<code>outbox-29891758</code>" in page and "sent 2, failed 0" in page
    assert "outbox-29891757" not in page and "RuntimeError: the gateway is down" in page and "web1:4242" in page
    assert "2026-11-01 06:00:00" in page  # claimed_at in the supplier's time zone
    uk = admin_client.get("/admin/?lang=uk").get_data(as_text=True)
    assert "Завдання за розкладом" in uk and "Хост" in uk
