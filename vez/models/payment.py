"""Money received for an account: from banks and the post (imported) or online (our gateway).

An online payment is first an order (status `pending`, shown as "in transit"); a verified gateway
callback turns it `received` with one compare-and-set UPDATE, and the same transaction writes its
unique ledger entry and moves the account's balance. A reversal does the opposite, once.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.account import PersonalAccount
from vez.models.base import Base, utcnow


class PaymentSource(str, enum.Enum):
    bank = "bank"
    post = "post"
    online = "online"


class PaymentStatus(str, enum.Enum):
    """An online order's life (docs/payments.md, "States"); an imported payment is `paid` from the start."""

    created = "created"  # the checkout was shown; the gateway has not taken the payment
    pending = "pending"  # the gateway took it and has not decided: the only state shown as "in transit"
    paid = "paid"  # counts in the balance and as the last payment
    declined = "declined"  # the bank or the gateway refused it
    cancelled = "cancelled"  # the consumer left the gateway without paying
    expired = "expired"  # nobody confirmed it within PAYMENT_PENDING_TTL_SECONDS and the gateway knows nothing
    reversed = "reversed"  # paid, then taken back


UNFINISHED = (PaymentStatus.created, PaymentStatus.pending)
RETRYABLE = (PaymentStatus.declined, PaymentStatus.cancelled, PaymentStatus.expired)


class PaymentChannel(str, enum.Enum):
    """Where an online order was started."""

    cabinet = "cabinet"  # the account's pay page
    link = "link"  # a one-tap pay link from a letter, without a login
    autopay = "autopay"  # charged by the autopay job on a saved card
    batch = "batch"  # one of the orders of a checkout for several accounts


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_account_id_paid_at", "account_id", "paid_at"),
        Index("ix_payments_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)  # kopiykas, > 0
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[PaymentSource] = mapped_column(
        Enum(PaymentSource, name="payment_source", native_enum=False, length=16, validate_strings=True)
    )
    status: Mapped[PaymentStatus] = mapped_column(
        Enum(PaymentStatus, name="payment_status", native_enum=False, length=16, validate_strings=True),
        default=PaymentStatus.paid,
    )
    # The bank's or gateway's reference; unique so that a re-imported file or a repeated callback adds nothing.
    # For an online payment it is the order id sent to the gateway.
    reference: Mapped[str | None] = mapped_column(String(120), unique=True)

    # Online payments only.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    provider: Mapped[str | None] = mapped_column(String(20))  # sandbox, liqpay, ...
    # The pay form's one-time key: a double submit or a resent form finds the order it already made.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    settled_at: Mapped[datetime | None]  # when the gateway's final answer was recorded
    gateway_status: Mapped[str | None] = mapped_column(String(40))  # the provider's own word, as sent
    gateway_payment_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[PaymentChannel | None] = mapped_column(
        Enum(PaymentChannel, name="payment_channel", native_enum=False, length=16, validate_strings=True)
    )
    # The bill a link, autopay or batch order pays (a cabinet order pays the account, whatever is due).
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id", ondelete="SET NULL"), index=True)
    # One of several orders paid by one gateway payment (PaymentBatch): settled with it, all or nothing.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id", ondelete="CASCADE"), index=True)
    save_card: Mapped[bool] = mapped_column(Boolean, default=False)  # asks the gateway for a card token
    checked_at: Mapped[datetime | None]  # when the gateway was last asked about it (reconcile, the return page)

    account: Mapped[PersonalAccount] = relationship()
    entries: Mapped[list[PaymentEntry]] = relationship(
        back_populates="payment", order_by="PaymentEntry.id", viewonly=True
    )

    @property
    def in_transit(self) -> bool:
        return self.status is PaymentStatus.pending

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED

    @property
    def retryable(self) -> bool:
        return self.status in RETRYABLE


class PaymentBatch(Base):
    """One gateway payment for the amounts due of several accounts: the gateway sees this order only, each
    account gets its own Payment (batch_id), and the gateway's word settles all of them at once."""

    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(120), unique=True)  # the order id sent to the gateway
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)  # kopiykas: the sum of its payments
    status: Mapped[PaymentStatus] = mapped_column(
        Enum(PaymentStatus, name="payment_status", native_enum=False, length=16, validate_strings=True),
        default=PaymentStatus.created,
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]
    gateway_status: Mapped[str | None] = mapped_column(String(40))
    gateway_payment_id: Mapped[str | None] = mapped_column(String(64))

    payments: Mapped[list[Payment]] = relationship(order_by="Payment.id", viewonly=True)


class EntryKind(str, enum.Enum):
    credit = "credit"  # the money reached the account
    reversal = "reversal"  # the gateway took it back


class PaymentEntry(Base):
    """The ledger of online money: at most one credit and one reversal per payment (the unique pair)."""

    __tablename__ = "payment_entries"
    __table_args__ = (UniqueConstraint("payment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EntryKind] = mapped_column(
        Enum(EntryKind, name="entry_kind", native_enum=False, length=16, validate_strings=True)
    )
    # What the entry did to the balance, in kopiykas: a credit lowers it (negative), a reversal raises it.
    balance_change: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="entries")
