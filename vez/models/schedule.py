"""The scheduler's claims: one row per periodic job and period, whichever scheduler inserted it first ran it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vez.models.base import Base, utcnow


class ScheduledRun(Base):
    """`(name, period)` is unique: the INSERT that wins it runs the period's job, every other scheduler skips."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("name", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))  # a key of JOBS_SCHEDULE: outbox, reconcile, bills
    period: Mapped[str] = mapped_column(String(20))  # floor(epoch / every) for every-N jobs, YYYY-MM for monthly
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    claimed_by: Mapped[str] = mapped_column(String(120))  # host:pid of the scheduler
    job_id: Mapped[str] = mapped_column(String(80), unique=True)  # <name>-<period>, RQ's job id too
    state: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed, enqueued, done, failed
    detail: Mapped[str | None] = mapped_column(String(500))  # the job's result or its error
    finished_at: Mapped[datetime | None]
