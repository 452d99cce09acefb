"""Who may do what in a company (docs/companies.md, "People and roles"): one table of capabilities by role,
and every lookup of a company's object scoped to the companies the login belongs to. Anything of a company
the login is not a member of is as if it did not exist (the web side answers 404)."""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from vez.extensions import db
from vez.models import Company, CompanyMember, CompanyRole, Contract, MeteringPoint


class Can(str, enum.Enum):
    view = "view"  # the balance, contracts, points, charges, payments, charts, CSV
    documents = "documents"  # invoices, acceptance acts, reconciliation acts (issuing and downloading)
    pay = "pay"  # paying online under a contract
    people = "people"  # inviting, revoking, changing roles
    audit = "audit"  # the company's own audit list


CAPABILITIES: dict[CompanyRole, frozenset[Can]] = {
    CompanyRole.admin: frozenset(Can),
    CompanyRole.accountant: frozenset({Can.view, Can.documents, Can.pay}),
    CompanyRole.viewer: frozenset({Can.view}),
}


def can(member: CompanyMember | None, capability: Can) -> bool:
    return member is not None and capability in CAPABILITIES[member.role]


def memberships(user_id: int) -> list[CompanyMember]:
    """The login's companies, by name (each membership with its company: every page's header names it)."""
    return list(
        db.session.scalars(
            select(CompanyMember)
            .join(Company, Company.id == CompanyMember.company_id)
            .options(contains_eager(CompanyMember.company))
            .where(CompanyMember.user_id == user_id)
            .order_by(Company.name, Company.id)
        )
    )


def membership(user_id: int, company_id: int) -> CompanyMember | None:
    return db.session.scalar(
        select(CompanyMember)
        .options(joinedload(CompanyMember.company, innerjoin=True))
        .where(CompanyMember.user_id == user_id, CompanyMember.company_id == company_id)
    )


def member_contract(user_id: int, contract_id: int) -> tuple[Contract, CompanyMember] | None:
    """The contract and the login's membership of its company; None when the login is no member of it."""
    row = db.session.execute(
        select(Contract, CompanyMember)
        .join(CompanyMember, CompanyMember.company_id == Contract.company_id)
        .where(Contract.id == contract_id, CompanyMember.user_id == user_id)
    ).first()
    return (row[0], row[1]) if row else None


def member_point(user_id: int, point_id: int) -> tuple[MeteringPoint, CompanyMember] | None:
    row = db.session.execute(
        select(MeteringPoint, CompanyMember)
        .join(Contract, Contract.id == MeteringPoint.contract_id)
        .join(CompanyMember, CompanyMember.company_id == Contract.company_id)
        .where(MeteringPoint.id == point_id, CompanyMember.user_id == user_id)
    ).first()
    return (row[0], row[1]) if row else None
