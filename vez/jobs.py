"""Background jobs: one interface, RQ on Redis in production, a local thread by default.

`enqueue("vez.admin.importing.run_import_job", run_id, path, locale)` names the job's function by its
dotted path and gives it plain values (ids, paths, strings). With JOBS_REDIS_URL set the job goes to RQ
(retried with back-off, run by `flask --app vez jobs worker`, so it outlives the web worker that took the
request); without it (the default: `make run` needs no Redis) the same function runs in a thread of this
process. Either way it runs through `perform`, inside an app context of its own. Job functions must be
idempotent: a retry, or a second enqueue, finds the work done and does nothing.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import socket
import threading
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext

log = logging.getLogger("vez.jobs")
_app: Flask | None = None  # the app an RQ worker process built, when a job starts without a context


def worker_name() -> str:
    """`host:pid`: who claimed a letter or a scheduled run."""
    return f"{socket.gethostname()}:{os.getpid()}"


def function(name: str):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def perform(name: str, *args: Any) -> Any:
    """What every job runs: the named function, in a fresh app context (its own database session)."""
    global _app
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    else:  # an RQ worker not started through the Flask CLI
        if _app is None:
            from vez import create_app

            _app = create_app()
        app = _app
    with app.app_context():
        from vez.extensions import db

        try:
            return function(name)(*args)
        finally:
            db.session.remove()


def redis_url(app: Flask | None = None) -> str | None:
    return (app or current_app).config.get("JOBS_REDIS_URL") or None


def queue(app: Flask | None = None):
    from redis import Redis
    from rq import Queue

    app = app or current_app
    url = redis_url(app)
    if not url:
        raise RuntimeError("JOBS_REDIS_URL is not set (VEZ_JOBS_REDIS_URL)")
    return Queue(app.config["JOBS_QUEUE"], connection=Redis.from_url(url))


def enqueue(name: str, *args: Any, job_id: str | None = None) -> str:
    """Run the named function in the background; returns the job's id."""
    function(name)  # a typo fails here, in the request, not later in a worker
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if redis_url(app):
        from rq import Retry

        retry = Retry(max=app.config["JOBS_RETRIES"], interval=list(app.config["JOBS_RETRY_INTERVALS"]))
        job = queue(app).enqueue(
            perform,
            name,
            *args,
            job_id=job_id,
            retry=retry,
            job_timeout=app.config["JOBS_TIMEOUT"],
            description=f"{name}{args!r}",
        )
        return job.id

    def work() -> None:
        with app.app_context():
            try:
                perform(name, *args)
            except Exception:  # noqa: BLE001 - a thread has nobody to tell; the log does
                log.exception("job %s%r failed", name, args)

    thread = threading.Thread(target=work, name=job_id or name, daemon=True)
    thread.start()
    return job_id or thread.name


# ---- `flask --app vez jobs ...` ---------------------------------------------------------------------


@click.group("jobs")
def jobs_cli() -> None:
    """Background jobs on Redis (RQ): the worker and the queue's state."""


def _require_redis() -> None:
    if not redis_url():
        raise click.ClickException(
            "JOBS_REDIS_URL is not set (VEZ_JOBS_REDIS_URL): without it jobs run in the web process, "
            "there is no queue to work on."
        )


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off runs).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run jobs from the queue until stopped; retries wait in the scheduler this worker runs."""
    _require_redis()
    from rq import Worker

    from vez.extensions import db

    db.engine.dispose()  # each job runs in a forked process: no connection of this one is shared with it
    q = queue()
    Worker([q], connection=q.connection).work(burst=burst, with_scheduler=True)


@jobs_cli.command("status")
@with_appcontext
def status_command() -> None:
    """Queue depth, jobs running and waiting for a retry, and the failed jobs with their last error."""
    _require_redis()
    for line in status_lines():
        click.echo(line)


@jobs_cli.command("scheduler")
@click.option("--tick", "tick_seconds", default=1.0, show_default=True, help="Seconds between looks at the clock.")
@with_appcontext
def scheduler_command(tick_seconds: float) -> None:
    """Run JOBS_SCHEDULE's periodic jobs, once per period across all schedulers, until SIGTERM or SIGINT."""
    import signal

    from vez.scheduler import Scheduler

    try:
        scheduler = Scheduler(current_app._get_current_object())  # type: ignore[attr-defined]
    except (ValueError, AttributeError, ImportError) as error:
        raise click.ClickException(str(error)) from error
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"scheduler {scheduler.me}: " + "; ".join(e.describe() for e in scheduler.entries))
    scheduler.serve(stop, tick_seconds)
    click.echo("scheduler stopped")


def overview(failed_kept: int = 10) -> dict[str, Any]:
    """The queue's counts and its latest failed jobs (id, description, last error line)."""
    q = queue()
    registry = q.failed_job_registry
    failed = []
    for job in q.job_class.fetch_many(registry.get_job_ids(-failed_kept, -1), connection=q.connection):
        if job is None:
            continue
        result = job.latest_result()
        error = ((result.exc_string if result else None) or job.exc_info or "").strip()
        failed.append((job.id, job.description, error.splitlines()[-1] if error else "?"))
    return {
        "name": q.name,
        "waiting": len(q),
        "running": q.started_job_registry.count,
        "retrying": q.scheduled_job_registry.count,
        "failed": registry.count,
        "failed_jobs": failed[::-1],
    }


JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,40}", re.ASCII)  # RQ's ids (uuid4, import-12, outbox-29891757)


def retry_failed(job_id: str) -> bool:
    """Put a job that failed for good back on its queue (RQ's failed registry); False when it is not there."""
    from rq.exceptions import InvalidJobOperation, NoSuchJobError

    try:
        queue().failed_job_registry.requeue(job_id)
    except (NoSuchJobError, InvalidJobOperation):
        return False
    log.info("failed job %s queued again", job_id)
    return True


def dashboard_overview() -> dict[str, Any] | None:
    """For the panel: None without Redis, {"unreachable": True} when Redis does not answer."""
    if not redis_url():
        return None
    from redis.exceptions import RedisError

    try:
        return overview()
    except RedisError:
        log.warning("the job queue cannot be reached", exc_info=True)
        return {"unreachable": True}


def status_lines() -> list[str]:
    o = overview(failed_kept=100)
    lines = [
        f"queue {o['name']}: {o['waiting']} waiting, {o['running']} running, "
        f"{o['retrying']} waiting for a retry, {o['failed']} failed"
    ]
    lines += [f"failed {job_id} {description}: {error}" for job_id, description, error in o["failed_jobs"]]
    return lines
