"""The money of a personal account: its balance and its last payment, from charges and received payments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from vez.extensions import db
from vez.models import Charge, Payment, PaymentStatus, PersonalAccount


def last_payment(account_id: int) -> Payment | None:
    """The payment the identification checks: the newest one received for the account."""
    return db.session.scalar(
        select(Payment)
        .where(Payment.account_id == account_id, Payment.status == PaymentStatus.paid)
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
        .limit(1)
    )


def recompute_balances(account_ids: Iterable[int] | None = None) -> None:
    """Set each balance to its ledger: charges less received payments (one UPDATE, any number of accounts).

    docs/security.md, "Balance recomputation and credits": on PostgreSQL the account rows are locked first
    (`SELECT … FOR UPDATE`, in id order), in a statement of their own. A credit in flight holds its account's
    row, so the lock waits for it to commit, and the UPDATE after it (a new statement: a new READ COMMITTED
    snapshot) counts that payment. In one UPDATE, the sums would be those of the statement's snapshot, taken
    before the credit committed, and would overwrite the credited balance. A credit that starts later waits
    for these locks and applies `balance - amount` on the recomputed value. SQLite has one writer at a time.
    """
    charged = (
        select(func.coalesce(func.sum(Charge.amount), 0))
        .where(Charge.account_id == PersonalAccount.id)
        .scalar_subquery()
    )
    paid = (
        select(func.coalesce(func.sum(Payment.amount), 0))
        .where(Payment.account_id == PersonalAccount.id, Payment.status == PaymentStatus.paid)
        .scalar_subquery()
    )
    stmt = update(PersonalAccount).values(balance=charged - paid)
    lock = select(PersonalAccount.id).order_by(PersonalAccount.id).with_for_update()
    if account_ids is not None:
        ids = list(account_ids)
        if not ids:
            return
        stmt = stmt.where(PersonalAccount.id.in_(ids))
        lock = lock.where(PersonalAccount.id.in_(ids))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(lock).all()
    db.session.execute(stmt.execution_options(synchronize_session=False))
