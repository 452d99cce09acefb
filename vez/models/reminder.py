"""Reminders before and after the due date, and the disconnection warnings staff schedule."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.account import PersonalAccount
from vez.models.base import Base, utcnow


class Disconnection(Base):
    """A disconnection for debt that staff scheduled (the DSO disconnects); the consumer is warned first."""

    __tablename__ = "disconnections"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"), index=True)
    planned_on: Mapped[date] = mapped_column(Date)
    debt: Mapped[int] = mapped_column(BigInteger)  # kopiykas, when it was scheduled
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    account: Mapped[PersonalAccount] = relationship()


class Reminder(Base):
    """A reminder sent: the unique (kind, ref) makes each kind go once per bill (or disconnection),
    however often the daily job runs and on however many hosts."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # due_soon, overdue, disconnection
    ref: Mapped[str] = mapped_column(String(40))  # bill:<id> or disconnection:<id>
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
