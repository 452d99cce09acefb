"""Identification of a company by a contract and its last payment (or a point's EIC and meter): the identity
core's mechanism (`vez.identity.identification.check`) with a contract as its subject.

The same rules as a household's personal account (docs/security.md B, "Recent payments"): throttled per
address, wrong answers counted per contract (`vez.identity.limits.contract_key`, the per-account setting),
every outcome audited with the company's id, and a recent last payment never confirms alone: the EIC of one
of the contract's points is asked instead of a holder's surname. The first representative becomes the
company's administrator; a company that has one already answers `registered` (ask the administrator for an
invitation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from vez.companies.codes import parse_eic
from vez.companies.ledger import last_payment
from vez.extensions import db
from vez.identity.identification import Answer, IdentificationOutcome, Subject, check, normalize_meter
from vez.models import Company, CompanyMember, CompanyRole, Contract, MeteringPoint, User

LONGEST_NUMBER = 32  # Contract.number's column
_SPACE = re.compile(r"\s+")


@dataclass
class ContractIdentification:
    outcome: IdentificationOutcome
    contract: Contract | None = None
    asked_eic: bool = False  # the answer was the amount together with a point's EIC


def normalize_contract_number(raw: str | None) -> str:
    """A contract number as the billing system writes it, compared without spaces and case."""
    return _SPACE.sub("", (raw or "")[: LONGEST_NUMBER * 2]).casefold()


def find_contract(code: str, number: str) -> Contract | None:
    """The company's contract whose number matches (a company has few contracts)."""
    wanted = normalize_contract_number(number)
    if not wanted:
        return None
    for contract in db.session.scalars(
        select(Contract).join(Company, Company.id == Contract.company_id).where(Company.code == code)
    ):
        if normalize_contract_number(contract.number) == wanted:
            return contract
    return None


def administrator(company_id: int, *, activated: bool) -> User | None:
    """One of the company's administrators whose login is activated (or, `activated` False, is not yet)."""
    return db.session.scalar(
        select(User)
        .join(CompanyMember, CompanyMember.user_id == User.id)
        .where(
            CompanyMember.company_id == company_id,
            CompanyMember.role == CompanyRole.admin,
            User.activated_at.is_not(None) if activated else User.activated_at.is_(None),
        )
        .limit(1)
    )


def active_administrator(company_id: int) -> User | None:
    """The company's activated administrator, if any (a second one is invited, never registered)."""
    return administrator(company_id, activated=True)


class ContractSubject(Subject):
    """A company's contract: a recent payment asks for the EIC of one of its points."""

    second_needed = IdentificationOutcome.eic_needed
    second_key = "eic"

    @property
    def audit(self) -> dict:
        return {"target": self.row, "company_id": self.row.company_id}

    def take(self, attempt):
        return attempt.take_contract(self.row.id)

    def last_payment(self):
        return last_payment(self.row.id)

    def second_given(self, answer):
        return parse_eic(answer.second)[0] is not None

    def _point(self, eic: str | None) -> MeteringPoint | None:
        parsed, _problem = parse_eic(eic)
        if parsed is None:
            return None
        return db.session.scalar(
            select(MeteringPoint).where(MeteringPoint.contract_id == self.row.id, MeteringPoint.eic == parsed)
        )

    def matches(self, last, answer, asked_second):
        if answer.amount is not None:
            return (
                last is not None
                and last.amount == answer.amount
                and (not asked_second or bool(self._point(answer.second)))
            )
        # "No payments yet": only for a contract that really has none, and only with a point's EIC and meter.
        if last is not None or not normalize_meter(answer.meter):
            return False
        point = self._point(answer.second)
        return (
            point is not None
            and bool(point.meter_number)
            and normalize_meter(answer.meter) == normalize_meter(point.meter_number)
        )

    def holder(self, actor_id):
        return IdentificationOutcome.registered if active_administrator(self.row.company_id) else None


def identify_contract(
    code: str,
    number: str,
    *,
    amount: int | None = None,
    eic: str | None = None,
    meter: str | None = None,
    ip: str | None,
) -> ContractIdentification:
    """Check one answer: `amount` (kopiykas, with `eic` when a recent payment asks for it) or, when no payment
    was ever made, `eic` and `meter`. Writes the failure and the audit event into the session; the caller
    commits and pads the answer time."""

    def find():
        contract = find_contract(code, number)
        return ContractSubject(contract) if contract is not None else None

    data = {
        "code": code,
        "contract": number[:LONGEST_NUMBER],
        "mode": "amount" if amount is not None else "no_payments",
    }
    outcome, subject, asked = check(find, Answer(amount, eic, meter), ip=ip, actor_id=None, data=data)
    return ContractIdentification(outcome, subject.row if subject else None, asked)
