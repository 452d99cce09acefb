"""Certificates of no debt (довідки про відсутність заборгованості), checked by the code printed on them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.account import PersonalAccount
from vez.models.base import Base, utcnow


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_account_id_issued_at", "account_id", "issued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, printed on the PDF; the public check page looks it up.
    code: Mapped[str] = mapped_column(String(24), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    balance: Mapped[int] = mapped_column(BigInteger)  # kopiykas at issue: 0 or negative (overpaid)

    account: Mapped[PersonalAccount] = relationship(lazy="joined", innerjoin=True)
