"""Monthly bills (рахунки), made by `flask bills generate` from charges and payments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.account import PersonalAccount
from vez.models.base import Base, utcnow


class Bill(Base):
    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("account_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # first day of the billed month
    number: Mapped[str] = mapped_column(String(32), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    opening_balance: Mapped[int] = mapped_column(BigInteger)  # kopiykas, + debt / - overpaid
    charged: Mapped[int] = mapped_column(BigInteger)
    paid: Mapped[int] = mapped_column(BigInteger)
    closing_balance: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[PersonalAccount] = relationship()

    @property
    def amount_due(self) -> int:
        return max(self.closing_balance, 0)
