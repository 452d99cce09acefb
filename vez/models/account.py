"""Personal accounts (особові рахунки) and their monthly charges."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.base import Base, Thousandths, utcnow
from vez.models.subdivision import Service, Subdivision, service_enum


class PersonalAccount(Base):
    __tablename__ = "personal_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(9), unique=True)
    subdivision_id: Mapped[int] = mapped_column(ForeignKey("subdivisions.id"), index=True)
    service: Mapped[Service] = mapped_column(service_enum())
    holder_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    meter_number: Mapped[str | None] = mapped_column(String(40))
    # Kopiykas; positive is a debt, negative an overpayment. Kept equal to the ledger
    # (charges less received payments) by every function that writes either.
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subdivision: Mapped[Subdivision] = relationship(lazy="joined", innerjoin=True)

    @property
    def holder_surname(self) -> str:
        return self.holder_name.split()[0] if self.holder_name.strip() else ""

    def __repr__(self) -> str:
        return f"<PersonalAccount {self.number}>"


class Charge(Base):
    """What was charged for one account for one billing month."""

    __tablename__ = "charges"
    __table_args__ = (UniqueConstraint("account_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_accounts.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the billing month
    volume: Mapped[Decimal] = mapped_column(Thousandths())
    unit: Mapped[str] = mapped_column(String(8))  # "kWh" or "m3"
    tariff: Mapped[Decimal] = mapped_column(Thousandths())  # hryvnias per unit, e.g. 4.320
    amount: Mapped[int] = mapped_column(BigInteger)  # kopiykas
    reading_start: Mapped[Decimal | None] = mapped_column(Thousandths())
    reading_end: Mapped[Decimal | None] = mapped_column(Thousandths())

    account: Mapped[PersonalAccount] = relationship()
