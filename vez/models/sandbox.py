"""The sandbox bank's own book (development and tests only): what it was asked to pay and what it decided,
so that it answers status requests like LiqPay's `status` action, and the cards it tokenised."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from vez.models.base import Base, utcnow


class SandboxPayment(Base):
    __tablename__ = "sandbox_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(String(120), unique=True)
    action: Mapped[str] = mapped_column(String(20))  # pay, paytoken
    status: Mapped[str] = mapped_column(String(20))  # success, failure, processing, reversed
    amount: Mapped[int] = mapped_column(BigInteger)  # kopiykas
    currency: Mapped[str] = mapped_column(String(3))
    info: Mapped[str | None] = mapped_column(String(120))
    payment_id: Mapped[int] = mapped_column(BigInteger)  # the bank's own payment id
    card_token: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxCard(Base):
    """A card the sandbox tokenised; `declines` makes every charge on it fail (to test a declined autopay)."""

    __tablename__ = "sandbox_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(255), unique=True)
    mask: Mapped[str] = mapped_column(String(32))
    declines: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
