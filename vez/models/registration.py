"""What identification and recovery remember: failed identifications and password-reset requests.

Failures live in the database (not the rate limiter's memory) so that staff can see and clear them and
so that every worker and every host counts the same (docs/security.md B12, B13).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vez.models.base import Base, utcnow


class IdentificationFailure(Base):
    """One failed identification: unknown account, wrong answer or a locked account (a form error is none)."""

    __tablename__ = "identification_failures"
    __table_args__ = (
        Index("ix_identification_failures_account_id_at", "account_id", "at"),
        Index("ix_identification_failures_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ip: Mapped[str] = mapped_column(String(45), default="")
    # Set when the account exists and the answer was wrong: these count towards the account's lock.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"))
    # The same for a company's contract (the business registration, vez.companies.identification).
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # not_found, mismatch, locked, throttled, … (older rows: malformed)
    cleared_at: Mapped[datetime | None]  # staff unlocked the account: no longer counts


class ResetRequest(Base):
    """A password-reset link that was mailed; only the newest unused one of a login works."""

    __tablename__ = "reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class IdentificationProof(Base):
    """One successful step 1 handed to step 2: single use, spent once the account's registration changes."""

    __tablename__ = "identification_proofs"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    # Exactly one of the two: a household's personal account or a company's contract.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    spent_at: Mapped[datetime | None]
