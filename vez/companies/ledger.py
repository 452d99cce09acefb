"""The money of a contract: its balance (charges of its points less its paid payments) and its last payment;
a company's balance is the sum of its contracts'. The same rules as the household ledger (vez.ledger)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from vez.extensions import db
from vez.ledger import newest_paid, recompute_ledger
from vez.models import CompanyCharge, CompanyPayment, Contract


def last_payment(contract_id: int) -> CompanyPayment | None:
    """The newest paid payment of the contract: what the business identification checks."""
    return newest_paid(CompanyPayment.contract_id, contract_id)


def company_balance(company_id: int) -> int:
    """Kopiykas: the sum of the company's contracts' balances (+ debt, - overpayment)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Contract.balance), 0)).where(Contract.company_id == company_id)
    )
    return int(total or 0)  # PostgreSQL's SUM of a bigint is a numeric: Decimal in Python


def recompute_contract_balances(contract_ids: Iterable[int] | None = None) -> None:
    """Set each contract's balance to its ledger in one UPDATE, by the household's rule and locks
    (vez.ledger.recompute_ledger: a credit in flight is counted, never lost)."""
    recompute_ledger(Contract, CompanyCharge.contract_id, CompanyPayment.contract_id, contract_ids)
