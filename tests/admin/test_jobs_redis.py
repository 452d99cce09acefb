"""Background jobs on a real redis-server with real RQ workers (docs/architecture.md, "Background jobs")."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.admin.test_panel import _wait_for
from tests.conftest import csrf_token
from vez import jobs
from vez.models import Charge

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
attempts: list[int] = []


def explode(n: int) -> None:
    attempts.append(n)
    raise RuntimeError(f"boom {n}")


def test_an_uploaded_import_is_run_by_a_worker_process(app, admin_client, db, make_account, redis_url):
    """The web process only enqueues; `flask jobs worker --burst` (a separate process) imports the file."""
    app.config["JOBS_REDIS_URL"] = redis_url
    make_account("529471247")
    token = csrf_token(admin_client, "/admin/")
    body = (
        b"number,month,volume,unit,tariff,amount,reading_start,reading_end\n529471247,2026-09,100,kWh,4.32,432.00,,\n"
    )
    response = admin_client.post(
        "/admin/import/",
        data={"csrf_token": token, "kind": "charges", "file": (io.BytesIO(body), "charges.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    run_id = int(response.headers["Location"].split("/")[-1])
    time.sleep(0.3)
    assert len(jobs.queue(app)) == 1  # nothing ran it in this process
    assert "1 waiting" in "\n".join(jobs.status_lines())
    env = {
        **os.environ,
        "VEZ_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "VEZ_JOBS_REDIS_URL": redis_url,
    }
    worker = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "vez", "jobs", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stderr
    run = _wait_for(db, run_id, timeout=5)
    assert run.status.value == "done" and run.rows_written == 1
    assert db.session.query(Charge).count() == 1
    assert not list(Path(app.config["IMPORT_UPLOAD_DIR"]).glob(f"{run_id}.csv"))  # the upload is gone
    assert len(jobs.queue(app)) == 0 and jobs.queue(app).failed_job_registry.count == 0


def test_a_job_that_raises_is_retried_then_kept_as_failed(app, admin_client, redis_url):
    from rq import SimpleWorker

    app.config.update(JOBS_REDIS_URL=redis_url, JOBS_RETRY_INTERVALS=[0, 0, 0])
    attempts.clear()
    job_id = jobs.enqueue("tests.admin.test_jobs_redis.explode", 5)
    q = jobs.queue(app)
    SimpleWorker([q], connection=q.connection).work(burst=True)
    assert attempts == [5, 5, 5, 5]  # the first run and three retries
    assert q.failed_job_registry.get_job_ids() == [job_id]
    lines = app.test_cli_runner().invoke(args=["jobs", "status"]).output.splitlines()
    assert "1 failed" in lines[0]
    assert lines[1].startswith(f"failed {job_id} tests.admin.test_jobs_redis.explode(5,): RuntimeError: boom 5")
    page = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "Background jobs" in page and "0 waiting, 0 running, 0 waiting for a retry, 1 failed" in page
    assert f"<code>{job_id}</code>" in page and "RuntimeError: boom 5" in page
    assert "1 не вдалися" in admin_client.get("/admin/?lang=uk").get_data(as_text=True)


def test_an_admin_retries_a_job_that_failed_for_good_and_the_retry_is_audited(
    app, admin_client, operator_client, redis_url, db
):
    """docs/security.md, "Retrying a job": a CSRF-protected POST of an admin with a second factor requeues it."""
    from rq import SimpleWorker
    from sqlalchemy import select

    from vez.models import AuditEvent

    app.config.update(JOBS_REDIS_URL=redis_url, JOBS_RETRY_INTERVALS=[0, 0, 0])
    attempts.clear()
    job_id = jobs.enqueue("tests.admin.test_jobs_redis.explode", 6)
    q = jobs.queue(app)
    SimpleWorker([q], connection=q.connection).work(burst=True)
    assert q.failed_job_registry.get_job_ids() == [job_id]
    retry = f"/admin/jobs/{job_id}/retry"
    assert f'action="{retry}"' in admin_client.get("/admin/?lang=en").get_data(as_text=True)
    assert f'action="{retry}"' not in operator_client.get("/admin/?lang=en").get_data(as_text=True)
    assert operator_client.post(retry, data={"csrf_token": csrf_token(operator_client, "/admin/")}).status_code == 403
    assert admin_client.post(retry).status_code == 400  # no CSRF token
    assert q.failed_job_registry.get_job_ids() == [job_id]

    response = admin_client.post(retry, data={"csrf_token": csrf_token(admin_client, "/admin/")})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/")
    assert q.failed_job_registry.count == 0 and q.get_job_ids() == [job_id]
    assert "The job is queued again." in admin_client.get("/admin/?lang=en").get_data(as_text=True)
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.job_retried")).all()
    assert (event.target_type, event.target_id, event.actor_id is not None) == ("job", job_id, True)

    again = admin_client.post(retry, data={"csrf_token": csrf_token(admin_client, "/admin/")})
    assert again.status_code == 303  # queued, not failed: nothing to retry
    assert "the job is not among the failed ones" in admin_client.get("/admin/?lang=en").get_data(as_text=True)
    SimpleWorker([q], connection=q.connection).work(burst=True)
    assert attempts == [6] * 5  # the retry ran it once more; it failed again and is back in the registry
    assert q.failed_job_registry.get_job_ids() == [job_id]
    gone = admin_client.post("/admin/jobs/no-such-job/retry", data={"csrf_token": csrf_token(admin_client, "/admin/")})
    assert gone.status_code == 303 and q.failed_job_registry.get_job_ids() == [job_id]
