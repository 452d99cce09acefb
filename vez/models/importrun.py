"""A run of the billing system's CSV import: what was asked, how far it got, what was wrong."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vez.models.base import Base, utcnow


class ImportStatus(str, enum.Enum):
    queued = "queued"
    checking = "checking"  # reading and validating every row
    writing = "writing"  # the checked rows go into the tables in one transaction
    done = "done"
    rejected = "rejected"  # bad rows and no --skip-bad: nothing written
    failed = "failed"  # an unexpected error: nothing written


class ImportRun(Base):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # accounts, charges, payments
    filename: Mapped[str] = mapped_column(String(255))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    skip_bad: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, name="import_status", native_enum=False, length=16, validate_strings=True),
        default=ImportStatus.queued,
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_checked: Mapped[int] = mapped_column(Integer, default=0)
    rows_bad: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)  # new or changed rows
    accounts_touched: Mapped[int] = mapped_column(Integer, default=0)
    # The first bad rows: [{"line": 12, "reason": "..."}]; the CLI prints them all.
    errors: Mapped[list | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.done, ImportStatus.rejected, ImportStatus.failed)

    @property
    def rows_per_second(self) -> int:
        end = self.finished_at or self.updated_at
        if not (self.started_at and end):
            return 0
        seconds = (end - self.started_at).total_seconds()
        return int(self.rows_checked / seconds) if seconds > 0 else 0

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return int(100 * self.rows_checked / self.rows_total) if self.rows_total else 0
