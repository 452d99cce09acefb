"""Autopay: an account's consent to be charged its bill on a saved card, and each bill's charge attempts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.account import PersonalAccount
from vez.models.base import Base, utcnow
from vez.models.user import User


class Autopay(Base):
    """One per account. Without a card token it waits for the card-saving payment; switching off deletes it."""

    __tablename__ = "autopays"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    max_amount: Mapped[int] = mapped_column(BigInteger)  # kopiykas: the consumer's cap on one charge
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    consent_version: Mapped[str] = mapped_column(String(20))  # which consent text the consumer accepted
    card_token: Mapped[str | None] = mapped_column(String(255))  # the gateway's token; never shown
    card_mask: Mapped[str | None] = mapped_column(String(32))  # e.g. 4242 •••• 4242, as the gateway sent it
    card_saved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[PersonalAccount] = relationship()
    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.card_token is not None


class AutopayAttempt(Base):
    """A bill's autopay charge: attempt 1, and 2 after a decline. The unique pair is the "once per bill"."""

    __tablename__ = "autopay_attempts"
    __table_args__ = (UniqueConstraint("bill_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(SmallInteger)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    amount: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str | None] = mapped_column(String(20))  # paid, declined, skipped, error
    # The job's date (local) that made the attempt: a retry comes on a later date, however often it runs.
    run_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
