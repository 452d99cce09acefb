"""Personal access tokens of the read-only API (docs/api.md): a named secret a login makes for a home-automation
poller, for all its accounts or some of them, with an expiry; only the secret's SHA-256 is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.account import PersonalAccount
from vez.models.base import Base, utcnow


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    # hex SHA-256 of the whole secret: a 256-bit random secret needs no slow hash, and the lookup is by index.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the secret's first characters, to tell tokens apart in lists
    # True: every account the login holds, now and later; False: the accounts listed in api_token_accounts.
    all_accounts: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    revoked_at: Mapped[datetime | None]

    accounts: Mapped[list[PersonalAccount]] = relationship(
        secondary="api_token_accounts", order_by="PersonalAccount.number", viewonly=True
    )


class ApiTokenAccount(Base):
    """An account a token with all_accounts=False may read (still only while the login holds it)."""

    __tablename__ = "api_token_accounts"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"), primary_key=True)


class ApiTokenCompany(Base):
    """A company whose contracts a token may read: made by one of its administrators, valid while they are one."""

    __tablename__ = "api_token_companies"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
