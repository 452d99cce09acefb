"""The money of a personal account: its balance and its last payment, from charges and received payments."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from vez.extensions import db
from vez.models import Charge, Payment, PaymentStatus, PersonalAccount


def last_payment(account_id: int) -> Payment | None:
    """The payment the identification checks: the newest one received for the account."""
    return newest_paid(Payment.account_id, account_id)


def newest_paid(payment_owner, owner_id: int):
    """The newest paid payment whose column `payment_owner` (an account's, a contract's) is `owner_id`; of two at
    the same time, the later row."""
    payment = payment_owner.class_
    return db.session.scalar(
        select(payment)
        .where(payment_owner == owner_id, payment.status == PaymentStatus.paid)
        .order_by(payment.paid_at.desc(), payment.id.desc())
        .limit(1)
    )


def recompute_balances(account_ids: Iterable[int] | None = None) -> None:
    """Set each balance to its ledger: charges less received payments (one UPDATE, any number of accounts)."""
    recompute_ledger(PersonalAccount, Charge.account_id, Payment.account_id, account_ids)


def recompute_ledger(owner, charge_owner, payment_owner, ids: Iterable[int] | None) -> None:
    """Set the balance of each `owner` row (a personal account, a contract; `ids` None: every row) to the amounts
    of the charges less those of the paid payments whose column `charge_owner` / `payment_owner` names it.

    docs/security.md, "Balance recomputation and credits": on PostgreSQL the owner rows are locked first
    (`SELECT … FOR UPDATE`, in id order), in a statement of their own. A credit in flight holds its owner's
    row, so the lock waits for it to commit, and the UPDATE after it (a new statement: a new READ COMMITTED
    snapshot) counts that payment. In one UPDATE, the sums would be those of the statement's snapshot, taken
    before the credit committed, and would overwrite the credited balance. A credit that starts later waits
    for these locks and applies `balance - amount` on the recomputed value. SQLite has one writer at a time.
    """
    charge, payment = charge_owner.class_, payment_owner.class_
    charged = select(func.coalesce(func.sum(charge.amount), 0)).where(charge_owner == owner.id).scalar_subquery()
    paid = (
        select(func.coalesce(func.sum(payment.amount), 0))
        .where(payment_owner == owner.id, payment.status == PaymentStatus.paid)
        .scalar_subquery()
    )
    stmt = update(owner).values(balance=charged - paid)
    lock = select(owner.id).order_by(owner.id).with_for_update()
    if ids is not None:
        ids = list(ids)
        if not ids:
            return
        stmt = stmt.where(owner.id.in_(ids))
        lock = lock.where(owner.id.in_(ids))
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(lock).all()
    db.session.execute(stmt.execution_options(synchronize_session=False))
