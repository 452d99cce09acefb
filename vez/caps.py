"""Per-login caps on the rows a login makes by itself: pending payment orders and certificates of no debt
(docs/security.md, "Per-login caps").

A cap is counted and the new row inserted under a lock on the login's own `users` row, taken first, so two
requests of one login at the same moment are counted one after the other and never both slip under the cap:

- PostgreSQL: `SELECT … FOR UPDATE` on the row. The second request waits for the first to commit, and its
  count, a later statement, sees the first one's row (READ COMMITTED takes a snapshot per statement).
- SQLite: `FOR UPDATE` does not exist, so the lock is a write that changes nothing (`UPDATE users SET id = id`):
  it takes the database's one write lock (waited for up to the driver's timeout), and the count after it sees
  every committed row while no other writer can commit.

The lock lasts until the caller's commit or rollback (the view owns the transaction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from vez.extensions import db
from vez.models import (
    UNFINISHED,
    Certificate,
    CompanyPayment,
    CompanyPaymentSource,
    Payment,
    PaymentBatch,
    PaymentSource,
    User,
    utcnow,
)


def lock_login(user_id: int) -> None:
    """Hold the login's row until the transaction ends (see the module's docstring)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    else:
        db.session.execute(
            update(User).where(User.id == user_id).values(id=User.id).execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class Cap:
    """A cap reached: at most `limit` rows, and when the oldest counted one stops counting (whole minutes)."""

    limit: int
    minutes: int


def _cap(count: int, limit: int, oldest: datetime | None, window: timedelta, now: datetime) -> Cap | None:
    if count < limit:
        return None
    left = (oldest + window - now).total_seconds() if oldest is not None else window.total_seconds()
    return Cap(limit=limit, minutes=max(1, math.ceil(left / 60)))


def pending_orders_cap(user_id: int, key: str, now: datetime | None = None) -> Cap | None:
    """The cap of unfinished online orders the login started within `PAYMENT_PENDING_TTL_SECONDS`
    (`PAYMENT_PENDING_ORDERS_MAX`), taken under the login's lock. A form sent again with the key of an order
    it already made is never capped: it finds that order (vez.payments.orders.create_order)."""
    lock_login(user_id)
    if db.session.scalar(select(Payment.id).where(Payment.idempotency_key == key)) is not None:
        return None
    if db.session.scalar(select(PaymentBatch.id).where(PaymentBatch.idempotency_key == key)) is not None:
        return None  # the batch form sent again: it finds its batch (vez.payments.batches.create_batch)
    if db.session.scalar(select(CompanyPayment.id).where(CompanyPayment.idempotency_key == key)) is not None:
        return None  # a company's pay form sent again: it finds its order (vez.companies.paying.create_order)
    now = now or utcnow()
    config = current_app.config
    window = timedelta(seconds=config["PAYMENT_PENDING_TTL_SECONDS"])
    count, oldest = db.session.execute(
        select(func.count(Payment.id), func.min(Payment.created_at)).where(
            Payment.user_id == user_id,
            Payment.source == PaymentSource.online,
            Payment.status.in_(UNFINISHED),
            Payment.created_at > now - window,
            Payment.batch_id.is_(None),  # a batch of orders is one order, counted below
        )
    ).one()
    # Several accounts in one payment: each unfinished batch counts as one order.
    batches, oldest_batch = db.session.execute(
        select(func.count(PaymentBatch.id), func.min(PaymentBatch.created_at)).where(
            PaymentBatch.user_id == user_id,
            PaymentBatch.status.in_(UNFINISHED),
            PaymentBatch.created_at > now - window,
        )
    ).one()
    # A company's orders under its contracts (vez/companies/paying.py) count too: the same login, the same cap.
    company, oldest_company = db.session.execute(
        select(func.count(CompanyPayment.id), func.min(CompanyPayment.created_at)).where(
            CompanyPayment.user_id == user_id,
            CompanyPayment.source == CompanyPaymentSource.online,
            CompanyPayment.status.in_(UNFINISHED),
            CompanyPayment.created_at > now - window,
        )
    ).one()
    count = count + batches + company
    oldest = min((t for t in (oldest, oldest_batch, oldest_company) if t is not None), default=None)
    return _cap(count, config["PAYMENT_PENDING_ORDERS_MAX"], oldest, window, now)


def certificates_cap(user_id: int, now: datetime | None = None) -> Cap | None:
    """The cap of certificates the login requested in the last 24 hours (`CERTIFICATES_PER_DAY`), taken under
    the login's lock."""
    lock_login(user_id)
    now = now or utcnow()
    window = timedelta(days=1)
    count, oldest = db.session.execute(
        select(func.count(Certificate.id), func.min(Certificate.issued_at)).where(
            Certificate.user_id == user_id, Certificate.issued_at > now - window
        )
    ).one()
    return _cap(count, current_app.config["CERTIFICATES_PER_DAY"], oldest, window, now)
