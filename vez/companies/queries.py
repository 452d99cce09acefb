"""What the company cabinet reads (docs/companies.md, "The company cabinet"): a company's contracts with their points,
a contract's charges by month and by point, its payments, the charges a chart or a CSV needs.

The callers have already scoped the company or the contract to the login (vez.company.access); the number of
statements does not depend on how many contracts, points, charges or payments there are (docs/performance.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from vez.billing import next_month
from vez.extensions import db
from vez.models import CompanyCharge, CompanyPayment, Contract, MeteringPoint


@dataclass
class ContractCard:
    """One contract on the cabinet's first screen: its points and the last month charged."""

    contract: Contract
    points: list[MeteringPoint] = field(default_factory=list)
    last_month: date | None = None


def contracts_of(company_id: int) -> list[ContractCard]:
    """The company's contracts by number, each with its points (by EIC) and its last month charged: three
    statements."""
    contracts = db.session.scalars(
        select(Contract).where(Contract.company_id == company_id).order_by(Contract.number)
    ).all()
    cards = {c.id: ContractCard(c) for c in contracts}
    if not cards:
        return []
    points = db.session.scalars(
        select(MeteringPoint).where(MeteringPoint.contract_id.in_(cards)).order_by(MeteringPoint.eic)
    )
    for point in points:
        cards[point.contract_id].points.append(point)
    last = db.session.execute(
        select(CompanyCharge.contract_id, func.max(CompanyCharge.month))
        .where(CompanyCharge.contract_id.in_(cards))
        .group_by(CompanyCharge.contract_id)
    )
    for contract_id, month in last:
        cards[contract_id].last_month = month
    return list(cards.values())


def points_of(contract: Contract) -> list[MeteringPoint]:
    return list(
        db.session.scalars(
            select(MeteringPoint).where(MeteringPoint.contract_id == contract.id).order_by(MeteringPoint.eic)
        )
    )


def all_charges(contract: Contract) -> list[CompanyCharge]:
    """Every charge of the contract, the newest month first, the points of a month by EIC."""
    return list(
        db.session.scalars(
            select(CompanyCharge)
            .join(MeteringPoint, MeteringPoint.id == CompanyCharge.point_id)
            .where(CompanyCharge.contract_id == contract.id)
            .order_by(CompanyCharge.month.desc(), MeteringPoint.eic)
        )
    )


def all_payments(contract: Contract) -> list[CompanyPayment]:
    """Every payment and online order of the contract, the newest first."""
    return list(
        db.session.scalars(
            select(CompanyPayment)
            .where(CompanyPayment.contract_id == contract.id)
            .order_by(CompanyPayment.paid_at.desc(), CompanyPayment.id.desc())
        )
    )


@dataclass
class Month:
    """A billing month of a contract: the total and each point's charge."""

    month: date
    amount: int = 0  # kopiykas, every point's charge added up
    charges: list[CompanyCharge] = field(default_factory=list)


@dataclass
class PointHistory:
    point: MeteringPoint
    start: date  # the first of the chart's twelve months
    charges: list[CompanyCharge]  # the chart's months that have a charge, oldest first


@dataclass
class ContractHistory:
    months: list[Month]  # the newest first
    points: list[PointHistory]
    payments: list[CompanyPayment]

    @property
    def month_keys(self) -> list[str]:
        """ "YYYY-MM" of every month with a charge, the newest first (the documents' months)."""
        return [f"{m.month:%Y-%m}" for m in self.months]


def history(contract: Contract, today: date) -> ContractHistory:
    """Charges by month and by point, the 12-month chart's charges per point (the twelve months up to the newest
    charged, or to this month when nothing is), payments: three statements."""
    charges = all_charges(contract)
    points = points_of(contract)
    by_month: dict[date, Month] = {}
    for charge in charges:
        month = by_month.setdefault(charge.month, Month(charge.month))
        month.amount += charge.amount
        month.charges.append(charge)
    newest = charges[0].month if charges else today.replace(day=1)
    start = next_month(date(newest.year - 1, newest.month, 1))
    per_point: dict[int, list[CompanyCharge]] = defaultdict(list)
    for charge in reversed(charges):  # oldest first
        if start <= charge.month <= newest:
            per_point[charge.point_id].append(charge)
    return ContractHistory(
        months=list(by_month.values()),
        points=[PointHistory(p, start, per_point[p.id]) for p in points],
        payments=all_payments(contract),
    )


def volume_total(charges: list[CompanyCharge]) -> Decimal | None:
    """The month's volume across points when they share a unit (they do under one contract), else None."""
    units = {c.unit for c in charges}
    return sum((c.volume for c in charges), Decimal(0)) if len(units) == 1 else None
