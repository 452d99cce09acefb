"""Orders: the limits of an amount paid online, the one order a pay form makes, and who may see it."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from vez import audit
from vez.extensions import db
from vez.models import Payment, PaymentChannel, PaymentSource, PaymentStatus, PersonalAccount, UserAccount, utcnow

KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def limit_problem(kopiykas: int, minimum: int, maximum: int) -> str | None:
    """`low` or `high` when an amount is outside what can be paid online."""
    if kopiykas < minimum:
        return "low"
    if kopiykas > maximum:
        return "high"
    return None


def proposed_amount(balance: int, minimum: int, maximum: int) -> int | None:
    """The debt, kept within what can be paid online; nothing when there is no debt."""
    if balance <= 0:
        return None
    return min(max(balance, minimum), maximum)


def new_key() -> str:
    return secrets.token_urlsafe(24)


def new_order_id() -> str:
    return f"vez-{secrets.token_hex(10)}"


def owned_payment(user_id: int, payment_id: int) -> Payment | None:
    """An online payment of one of the login's accounts; anyone else's is as if it did not exist."""
    return db.session.scalar(
        select(Payment)
        .join(UserAccount, UserAccount.account_id == Payment.account_id)
        .where(UserAccount.user_id == user_id, Payment.id == payment_id, Payment.source == PaymentSource.online)
    )


def create_order(
    *,
    user_id: int | None,
    account: PersonalAccount,
    amount: int,
    key: str,
    provider: str,
    ip: str | None,
    channel: PaymentChannel = PaymentChannel.cabinet,
    bill_id: int | None = None,
    save_card: bool = False,
) -> Payment | None:
    """The one order of a form key, made now (`created`: the checkout is shown, the gateway has not taken it) or
    by the same form before; None when the key is another login's, another account's or another bill's order
    (never by chance: 192 random bits). A pay link's order has no login (user_id None), channel `link` and its
    bill. The view commits."""
    now = utcnow()
    # The same form sent twice at the same moment: the second INSERT waits for the first and adds
    # nothing, so neither request rolls anything back (docs/payments.md).
    inserted = insert_once(
        Payment,
        "idempotency_key",
        account_id=account.id,
        amount=amount,
        paid_at=now,
        created_at=now,
        source=PaymentSource.online,
        status=PaymentStatus.created,
        reference=new_order_id(),
        user_id=user_id,
        provider=provider,
        idempotency_key=key,
        channel=channel,
        bill_id=bill_id,
        save_card=save_card,  # autopay's card-saving order (vez/payments/autopay.py)
    )
    if inserted is not None:
        payment = db.session.get(Payment, inserted)
        audit.record(
            "payment.created",
            actor_id=user_id,
            ip=ip,
            target=payment,
            amount=amount,
            provider=provider,
            order_id=payment.reference,
            account=account.number,
            channel=channel.value,
        )
        return payment
    existing = db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
    if existing.user_id != user_id or existing.account_id != account.id or existing.bill_id != bill_id:
        return None
    return existing


def insert_once(model, unique: str | tuple[str, ...], **values) -> int | None:
    """INSERT the row unless one with the same `unique` column(s) is there (or being written: the INSERT waits for
    it and adds nothing); the new row's id, or None."""
    columns = [unique] if isinstance(unique, str) else list(unique)
    return db.session.execute(
        _insert(model).values(**values).on_conflict_do_nothing(index_elements=columns).returning(model.id)
    ).scalar()


def _insert(model):
    """INSERT with the dialect's ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    dialects = {"postgresql": postgresql, "sqlite": sqlite}
    return dialects[db.session.get_bind().dialect.name].insert(model)
