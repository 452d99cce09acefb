"""Money received for an account: from banks and the post (imported) or online (our gateway)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.account import PersonalAccount
from vez.models.base import Base, utcnow


class PaymentSource(str, enum.Enum):
    bank = "bank"
    post = "post"
    online = "online"


class PaymentStatus(str, enum.Enum):
    pending = "pending"  # an online order the gateway has not confirmed ("in transit")
    received = "received"  # counts in the balance and as the last payment
    failed = "failed"
    reversed = "reversed"


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_account_id_paid_at", "account_id", "paid_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)  # kopiykas, > 0
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[PaymentSource] = mapped_column(
        Enum(PaymentSource, name="payment_source", native_enum=False, length=16, validate_strings=True)
    )
    status: Mapped[PaymentStatus] = mapped_column(
        Enum(PaymentStatus, name="payment_status", native_enum=False, length=16, validate_strings=True),
        default=PaymentStatus.received,
    )
    # The bank's or gateway's reference; unique so that a re-imported file or a repeated callback adds nothing.
    reference: Mapped[str | None] = mapped_column(String(120), unique=True)

    account: Mapped[PersonalAccount] = relationship()
