"""The sandbox bank's book: every order it was shown and what it decided, so that it answers `status` like
LiqPay (including "no such payment" for a checkout nobody finished) and charges the cards it tokenised.

Development and tests only: `providers.get("sandbox")` refuses to exist in production. The states part of
issue 13 owns the `status` side, the autopay part the card tokens (`paytoken`).
"""

from __future__ import annotations

from sqlalchemy import select

from vez.extensions import db
from vez.models import SandboxPayment


def find(order_id: str) -> SandboxPayment | None:
    return db.session.scalar(select(SandboxPayment).where(SandboxPayment.order_id == order_id))


def record(
    order_id: str,
    *,
    action: str,
    status: str,
    amount: int,
    currency: str,
    payment_id: int,
    info: str | None = None,
    card_token: str | None = None,
) -> SandboxPayment:
    """Write (or move on) the bank's entry of an order; the caller's transaction commits it."""
    entry = find(order_id)
    if entry is None:
        entry = SandboxPayment(
            order_id=order_id,
            action=action,
            status=status,
            amount=amount,
            currency=currency,
            payment_id=payment_id,
            info=info,
            card_token=card_token,
        )
        db.session.add(entry)
    else:
        entry.status = status
        entry.card_token = card_token or entry.card_token
    db.session.flush()
    return entry
