"""Logins of consumers and staff, and the personal accounts a login holds."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.account import PersonalAccount
from vez.models.base import Base, utcnow


class Role(str, enum.Enum):
    consumer = "consumer"
    operator = "operator"
    admin = "admin"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(40))  # NFKC, one alphabet (vez.identity.logins)
    # login_key: NFKC + casefold, what a login is found by; email_key: email.casefold(). Unique regardless of
    # case, in any script and on any database. Both login columns are filled from `login` by vez.identity.logins.
    login_key: Mapped[str] = mapped_column(String(40), unique=True)
    # The confusable skeleton (docs/security.md, "Logins and look-alikes"): аdmin, ΑDMIN and adm1n are one.
    login_skeleton: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(16))  # E.164, +380XXXXXXXXX
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="role", native_enum=False, length=16, validate_strings=True), default=Role.consumer
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None]
    locked_at: Mapped[datetime | None]  # locked by staff; unlocked by staff
    locked_reason: Mapped[str | None] = mapped_column(String(200))
    last_login_at: Mapped[datetime | None]
    # Bumped by logout, a password change or "end sessions": every older cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    language: Mapped[str] = mapped_column(String(5), default="uk")
    paperless: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reminders before and after the due date; the legally required disconnection warning goes regardless.
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The time step of the last accepted TOTP code: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    accounts: Mapped[list[PersonalAccount]] = relationship(
        secondary="user_accounts", order_by="PersonalAccount.number", viewonly=True
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: only activated, unlocked logins
        return self.activated_at is not None and self.locked_at is None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.operator, Role.admin)

    def get_id(self) -> str:
        # The session and the remember cookie carry the version, so bumping it ends them all.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.login}>"


class UserAccount(Base):
    """One login holds several personal accounts; an account belongs to one login."""

    __tablename__ = "user_accounts"
    __table_args__ = (UniqueConstraint("user_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
