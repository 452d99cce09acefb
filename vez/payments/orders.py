"""Orders: the amount a consumer types, the one order a pay form makes, and who may see it."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vez import audit
from vez.extensions import db
from vez.models import Payment, PaymentSource, PaymentStatus, PersonalAccount, UserAccount, utcnow

KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
AMOUNT = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]{1,2}))?")
SPACES = dict.fromkeys(map(ord, " \u00a0\u202f\u2009'"), None)  # thousands separators people type or paste


class AmountError(ValueError):
    """Why an amount was refused: `format`, `low` or `high`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_amount(text: str | None, minimum: int, maximum: int) -> int:
    """`1 234,5`, `1234.50` or `100` as kopiykas (123450, 123450, 10000), by string arithmetic only."""
    cleaned = (text or "").strip().translate(SPACES)
    cleaned = cleaned.removesuffix("₴").removesuffix("грн").removesuffix("UAH").strip()
    match = AMOUNT.fullmatch(cleaned)
    if not match:
        raise AmountError("format")
    whole, cents = match.group(1), (match.group(2) or "").ljust(2, "0")
    kopiykas = int(whole) * 100 + int(cents)
    if kopiykas < minimum:
        raise AmountError("low")
    if kopiykas > maximum:
        raise AmountError("high")
    return kopiykas


def proposed_amount(balance: int, minimum: int, maximum: int) -> int | None:
    """The debt, kept within what can be paid online; nothing when there is no debt."""
    if balance <= 0:
        return None
    return min(max(balance, minimum), maximum)


def new_key() -> str:
    return secrets.token_urlsafe(24)


def new_order_id() -> str:
    return f"vez-{secrets.token_hex(10)}"


def owned_account(user_id: int, number: str) -> PersonalAccount | None:
    return db.session.scalar(
        select(PersonalAccount)
        .join(UserAccount, UserAccount.account_id == PersonalAccount.id)
        .where(UserAccount.user_id == user_id, PersonalAccount.number == number)
    )


def owned_payment(user_id: int, payment_id: int) -> Payment | None:
    """An online payment of one of the login's accounts; anyone else's is as if it did not exist."""
    return db.session.scalar(
        select(Payment)
        .join(UserAccount, UserAccount.account_id == Payment.account_id)
        .where(UserAccount.user_id == user_id, Payment.id == payment_id, Payment.source == PaymentSource.online)
    )


class KeyTaken(Exception):
    """The form's key belongs to another login's order (never by chance: 192 random bits)."""


def create_order(
    *, user_id: int, account: PersonalAccount, amount: int, key: str, provider: str, ip: str | None
) -> tuple[Payment, bool]:
    """One pending order per form key: (the order, whether it is new). The caller commits."""
    existing = _by_key(key)
    if existing is None:
        now = utcnow()
        payment = Payment(
            account_id=account.id, amount=amount, paid_at=now, created_at=now, source=PaymentSource.online,
            status=PaymentStatus.pending, reference=new_order_id(), user_id=user_id, provider=provider,
            idempotency_key=key,
        )
        db.session.add(payment)
        try:
            db.session.flush()
        except IntegrityError:  # the same form, sent twice at the same moment: the other request made it
            db.session.rollback()
            existing = _by_key(key)
            if existing is None:
                raise
        else:
            audit.record("payment.created", actor_id=user_id, ip=ip, target=payment, amount=amount,
                         provider=provider, order_id=payment.reference, account=account.number)
            return payment, True
    if existing.user_id != user_id or existing.account_id != account.id:
        raise KeyTaken
    return existing, False


def _by_key(key: str) -> Payment | None:
    return db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
