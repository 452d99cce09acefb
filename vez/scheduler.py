"""The scheduler: JOBS_SCHEDULE's periodic jobs, each run once per period however many schedulers run.

Every host may run `flask --app vez jobs scheduler`. A period is computed from the clock alone (every-N
seconds: floor(epoch / N); monthly: the billed month, YYYY-MM; daily: the local date, YYYY-MM-DD), so a
restart, or a second scheduler, finds the same period. The first scheduler whose INSERT into `scheduled_runs`
wins the unique (name, period) runs that period's job; every other one gets the unique violation and skips.
The job then goes to RQ with the id `<name>-<period>` (JOBS_REDIS_URL set) or runs here, through the same
`vez.jobs.perform`. A scheduler that was down runs the current period when it is back, never the missed ones.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from vez import jobs
from vez.extensions import db
from vez.models import ScheduledRun, utcnow

log = logging.getLogger("vez.scheduler")
NAME = re.compile(r"[a-z0-9_]{1,30}", re.ASCII)  # a part of the RQ job id <name>-<period>


@dataclass(frozen=True)
class Entry:
    """One periodic job: every `every` seconds; monthly on `day` at `hour` (local time) for the month before;
    or daily at `hour` (local time) for that day."""

    name: str
    job: str
    every: int | None = None
    day: int | None = None
    hour: int = 0

    def period(self, now: datetime, zone: ZoneInfo) -> str:
        """The period `now` (aware) falls in. Monthly: the month billed since the last firing moment."""
        if self.every:
            return str(int(now.timestamp()) // self.every)
        local = now.astimezone(zone)
        if self.day is None:  # daily: the local date since the last firing moment
            today = local.date() if local.hour >= self.hour else local.date() - timedelta(days=1)
            return f"{today:%Y-%m-%d}"
        fired = local >= local.replace(day=self.day, hour=self.hour, minute=0, second=0, microsecond=0)
        month = date(local.year, local.month, 1)
        for _ in range(1 if fired else 2):
            month = (month - timedelta(days=1)).replace(day=1)
        return f"{month:%Y-%m}"

    def args(self, period: str) -> tuple[Any, ...]:
        """A monthly job gets its month (YYYY-MM), a daily one its date (YYYY-MM-DD); an every-N job nothing."""
        return () if self.every else (period,)

    def describe(self) -> str:
        if self.every:
            return f"{self.name} every {self.every} s"
        if self.day is None:
            return f"{self.name} daily at {self.hour:02d}:00"
        return f"{self.name} monthly on day {self.day} at {self.hour:02d}:00"


def entries(schedule: dict[str, Any]) -> list[Entry]:
    """JOBS_SCHEDULE checked: a wrong entry stops the scheduler at its start, not at the first period."""
    found = []
    for name, spec in schedule.items():
        if not spec:  # "outbox": null turns a job off
            continue
        if not NAME.fullmatch(name):
            raise ValueError(f"JOBS_SCHEDULE: the name {name!r} is not lower-case letters, digits and _")
        if not isinstance(spec, dict) or not isinstance(spec.get("job"), str):
            raise ValueError(f"JOBS_SCHEDULE[{name!r}] needs a 'job': the dotted name of a job function")
        jobs.function(spec["job"])  # a typo fails here
        if "every" in spec:
            every = spec["every"]
            if not isinstance(every, int) or isinstance(every, bool) or every < 1:
                raise ValueError(f"JOBS_SCHEDULE[{name!r}]['every'] must be a whole number of seconds, at least 1")
            found.append(Entry(name, spec["job"], every=every))
        elif "day" in spec:
            day, hour = spec["day"], spec.get("hour", 0)
            if not (isinstance(day, int) and 1 <= day <= 28 and isinstance(hour, int) and 0 <= hour <= 23):
                raise ValueError(f"JOBS_SCHEDULE[{name!r}]: 'day' 1 to 28 (every month has it), 'hour' 0 to 23")
            found.append(Entry(name, spec["job"], day=day, hour=hour))
        elif "hour" in spec:
            hour = spec["hour"]
            if not (isinstance(hour, int) and not isinstance(hour, bool) and 0 <= hour <= 23):
                raise ValueError(f"JOBS_SCHEDULE[{name!r}]: 'hour' 0 to 23")
            found.append(Entry(name, spec["job"], hour=hour))
        else:
            raise ValueError(
                f"JOBS_SCHEDULE[{name!r}] needs 'every' (seconds), 'day' (and 'hour') of the month, or 'hour' (daily)"
            )
    return found


class Scheduler:
    """Claims and runs the due periods; `tick` once, or `serve` until told to stop. Owns its transactions."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.entries = entries(app.config["JOBS_SCHEDULE"])
        self.zone = ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])
        self.me = jobs.worker_name()[:120]
        self.tried: dict[str, str] = {}  # the period of each job this scheduler last tried to claim: once each
        self.claims = 0  # INSERTs tried, won or lost

    def tick(self) -> list[str]:
        """Claim each entry's current period once; run the ones won. Returns their job ids."""
        now, ran = datetime.now(UTC), []
        for entry in self.entries:
            period = entry.period(now, self.zone)
            if self.tried.get(entry.name) == period:
                continue
            run = self._claim(entry, period)  # a database error propagates: the next tick tries again
            self.tried[entry.name] = period
            if run is not None and self._run(entry, run):
                ran.append(run.job_id)
        return ran

    def serve(self, stop: threading.Event, tick_seconds: float) -> None:
        log.info("scheduler %s started: %s", self.me, "; ".join(e.describe() for e in self.entries) or "nothing")
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - the database went away: the next tick tries again
                log.exception("scheduler tick failed")
                db.session.rollback()
            finally:
                db.session.remove()
            stop.wait(tick_seconds)
        log.info("scheduler %s stopped", self.me)

    def _claim(self, entry: Entry, period: str) -> ScheduledRun | None:
        run = ScheduledRun(
            name=entry.name, period=period, claimed_at=utcnow(), claimed_by=self.me, job_id=f"{entry.name}-{period}"
        )
        db.session.add(run)
        self.claims += 1
        try:
            db.session.commit()
        except IntegrityError:  # another scheduler inserted it first: that one runs the period
            db.session.rollback()
            log.debug("%s-%s is claimed by another scheduler", entry.name, period)
            return None
        keep = timedelta(days=self.app.config["JOBS_SCHEDULE_KEEP_DAYS"])
        db.session.execute(delete(ScheduledRun).where(ScheduledRun.claimed_at < utcnow() - keep))
        db.session.commit()
        return run

    def _run(self, entry: Entry, run: ScheduledRun) -> bool:
        """Queue the period's job on RQ, or run it here; either way through `run_scheduled`."""
        args = (run.job_id, entry.job, *entry.args(run.period))
        if not jobs.redis_url(self.app):
            try:
                jobs.perform("vez.scheduler.run_scheduled", *args)
            except Exception:  # noqa: BLE001 - kept on the row and in the log; the next period runs anew
                log.exception("%s failed", run.job_id)
            return True
        try:
            jobs.enqueue("vez.scheduler.run_scheduled", *args, job_id=run.job_id)
        except Exception:  # noqa: BLE001 - Redis is down: give the period back, the next tick claims it again
            log.exception("%s could not be queued; released for the next tick", run.job_id)
            db.session.delete(run)
            db.session.commit()
            self.tried.pop(run.name, None)
            return False
        run.state = "enqueued"
        db.session.commit()
        log.info("%s enqueued by %s: %s", run.job_id, self.me, entry.job)
        return True


def run_scheduled(job_id: str, name: str, *args: Any) -> Any:
    """The job of a claimed period: the named function, its outcome written on the period's row and logged.

    An exception is recorded and raised again, so RQ retries the job with back-off; a later success
    overwrites the failure.
    """
    try:
        result = jobs.function(name)(*args)
    except Exception as error:
        db.session.rollback()
        _finish(job_id, "failed", f"{error.__class__.__name__}: {error}")
        raise
    _finish(job_id, "done", str(result))
    return result


def _finish(job_id: str, state: str, detail: str) -> None:
    run = db.session.scalars(select(ScheduledRun).where(ScheduledRun.job_id == job_id)).one_or_none()
    if run is not None:  # pruned meanwhile: the log still tells
        run.state, run.detail, run.finished_at = state, detail[:500], utcnow()
        db.session.commit()
    log.log(logging.INFO if state == "done" else logging.WARNING, "%s %s: %s", job_id, state, detail)


def latest_runs() -> list[ScheduledRun]:
    """The newest run of each scheduled job (the panel's dashboard)."""
    newest = select(func.max(ScheduledRun.id)).group_by(ScheduledRun.name)
    return list(db.session.scalars(select(ScheduledRun).where(ScheduledRun.id.in_(newest)).order_by(ScheduledRun.name)))
