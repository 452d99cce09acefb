"""The business side (docs/companies.md): companies and sole traders, their contracts, metering points, the
charges per point and month, the money paid under a contract, the documents issued, and the people of a
company with their roles.

Money is kopiykas, volumes `Thousandths`, as on the household side. A contract's `balance` is its ledger
(charges of its points less its paid payments), positive a debt, negative an overpayment, kept equal by every
function that writes either (`vez.companies.ledger`); the company's balance is the sum of its contracts'.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Date, Enum, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vez.models.base import Base, Thousandths, utcnow
from vez.models.payment import PaymentStatus
from vez.models.subdivision import Service, Subdivision, service_enum

if TYPE_CHECKING:
    from vez.models.user import User


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=16, validate_strings=True)


class CompanyKind(str, enum.Enum):
    legal = "legal"  # a legal entity: an 8-digit EDRPOU code
    sole_trader = "sole_trader"  # ФОП: the 10-digit RNOKPP (taxpayer's number)


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    # EDRPOU (8 digits, its check digit valid) or a ФОП's RNOKPP (10 digits, valid): vez.companies.codes.
    code: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[CompanyKind] = mapped_column(_enum(CompanyKind, "company_kind"))
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contracts: Mapped[list[Contract]] = relationship(
        back_populates="company", order_by="Contract.number", viewonly=True
    )

    def __repr__(self) -> str:
        return f"<Company {self.code}>"


class PaymentForm(str, enum.Enum):
    """How the contract is paid (the commercial terms of a universal service contract)."""

    prepayment = "prepayment"  # paid ahead for the month
    planned = "planned"  # planned payments during the month, settled by the actual consumption
    actual = "actual"  # paid after the month by the actual consumption


class Contract(Base):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # as the billing system writes it
    service: Mapped[Service] = mapped_column(service_enum())
    subdivision_id: Mapped[int] = mapped_column(ForeignKey("subdivisions.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    payment_form: Mapped[PaymentForm] = mapped_column(_enum(PaymentForm, "payment_form"))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # kopiykas; + debt, - overpayment
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    company: Mapped[Company] = relationship(back_populates="contracts")
    subdivision: Mapped[Subdivision] = relationship(lazy="joined", innerjoin=True)
    points: Mapped[list[MeteringPoint]] = relationship(
        back_populates="contract", order_by="MeteringPoint.eic", viewonly=True
    )

    def __repr__(self) -> str:
        return f"<Contract {self.number}>"


class MeteringPoint(Base):
    """A point of supply with its EIC code (16 characters with the ENTSO-E check character)."""

    __tablename__ = "metering_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    eic: Mapped[str] = mapped_column(String(16), unique=True)
    address: Mapped[str] = mapped_column(String(300))
    meter_number: Mapped[str | None] = mapped_column(String(40))
    voltage_class: Mapped[str | None] = mapped_column(String(16))  # electricity: "1" or "2" (the voltage class)
    gas_pressure: Mapped[str | None] = mapped_column(String(16))  # gas: "low", "medium", "high"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="points")

    def __repr__(self) -> str:
        return f"<MeteringPoint {self.eic}>"


class CompanyCharge(Base):
    """What was charged for one metering point for one billing month."""

    __tablename__ = "company_charges"
    __table_args__ = (UniqueConstraint("point_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("metering_points.id", ondelete="CASCADE"))
    # The point's contract, denormalised so that a contract's sums need no join (kept by whoever writes).
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the billing month
    volume: Mapped[Decimal] = mapped_column(Thousandths())
    unit: Mapped[str] = mapped_column(String(8))  # "kWh" or "m3"
    tariff: Mapped[Decimal] = mapped_column(Thousandths())  # hryvnias per unit, VAT included
    amount: Mapped[int] = mapped_column(BigInteger)  # kopiykas, VAT included
    reading_start: Mapped[Decimal | None] = mapped_column(Thousandths())
    reading_end: Mapped[Decimal | None] = mapped_column(Thousandths())

    point: Mapped[MeteringPoint] = relationship()


class CompanyPaymentSource(str, enum.Enum):
    bank = "bank"  # a bank transfer from the bank file (the invoice's requisites)
    online = "online"  # a card payment through the gateway (one order per contract)


class CompanyPayment(Base):
    """Money paid under a contract. A bank transfer is `paid` from the start; an online order goes through the
    household states (PaymentStatus) and is settled by vez.payments.settle's company hook."""

    __tablename__ = "company_payments"
    __table_args__ = (
        Index("ix_company_payments_contract_id_paid_at", "contract_id", "paid_at"),
        Index("ix_company_payments_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(BigInteger)  # kopiykas, > 0
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[CompanyPaymentSource] = mapped_column(_enum(CompanyPaymentSource, "company_payment_source"))
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus, "payment_status"), default=PaymentStatus.paid)
    # The bank's document reference or the gateway order id: unique, so a re-imported file adds nothing.
    reference: Mapped[str | None] = mapped_column(String(120), unique=True)
    purpose: Mapped[str | None] = mapped_column(String(300))  # the bank's payment purpose, as written
    payer_code: Mapped[str | None] = mapped_column(String(10))  # the payer's EDRPOU/RNOKPP from the bank file

    # Online orders only.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    provider: Mapped[str | None] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    settled_at: Mapped[datetime | None]
    gateway_status: Mapped[str | None] = mapped_column(String(40))
    gateway_payment_id: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None]

    contract: Mapped[Contract] = relationship()


class CompanyPaymentEntry(Base):
    """The ledger of a contract's online money: at most one credit and one reversal per payment."""

    __tablename__ = "company_payment_entries"
    __table_args__ = (UniqueConstraint("payment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("company_payments.id", ondelete="CASCADE"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # EntryKind's values: credit, reversal
    balance_change: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentKind(str, enum.Enum):
    invoice = "invoice"  # рахунок: per contract and month
    act = "act"  # акт приймання-передавання: per contract and month
    reconciliation = "reconciliation"  # акт звірки: per contract and any period


class CompanyDocument(Base):
    """A document once issued: its number and its facts frozen (`content`), so that it is the same whenever it
    is downloaded again. A qualified electronic signature (КЕП) can be attached later as a detached signature
    of `content_sha256`'s bytes (`signature`, `signature_format`, `signed_at`)."""

    __tablename__ = "company_documents"
    __table_args__ = (UniqueConstraint("contract_id", "kind", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind, "document_kind"))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    issued_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)  # invoice: due; act: charged; reconciliation: closing balance
    content: Mapped[dict] = mapped_column(JSON)  # the frozen facts every rendering (HTML, PDF) is drawn from
    content_sha256: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # a detached signature (e.g. CAdES), later
    signature_format: Mapped[str | None] = mapped_column(String(20))
    signed_at: Mapped[datetime | None]

    contract: Mapped[Contract] = relationship()


class CompanyRole(str, enum.Enum):
    admin = "admin"  # everything, and the company's people and audit list
    accountant = "accountant"  # documents and payments, and all a viewer sees
    viewer = "viewer"  # read only: balance, contracts, points, charges, payments, charts, CSV


class CompanyMember(Base):
    """A login's place in a company. A login may belong to several companies (and hold household accounts)."""

    __tablename__ = "company_members"
    __table_args__ = (UniqueConstraint("company_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[CompanyRole] = mapped_column(_enum(CompanyRole, "company_role"))
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(120), default="")
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    company: Mapped[Company] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id], viewonly=True)  # the login (the panel's list)


class CompanyInvitation(Base):
    """An invitation by email with a role; the link carries `nonce`, used once, revocable, with an age."""

    __tablename__ = "company_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[CompanyRole] = mapped_column(_enum(CompanyRole, "company_role"))
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship()
