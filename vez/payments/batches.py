"""Several accounts in one payment (docs/payments.md, "Several accounts in one payment").

The gateway sees one order, the batch (`vez-b-<hex>`, its amount the sum); each account gets its own
`Payment` (channel `batch`, `batch_id`), whose reference the gateway never sees. The gateway's word on the
batch settles all of them in one transaction, all or nothing: a success credits every account exactly its
amount through `settle.credit` (the compare-and-set per payment, the ledger row, the balance, the letter),
a decline declines every one, a reversal takes every credited one back. The batch's own compare-and-set is
the gate: of two identical callbacks, the second finds the batch settled and changes nothing.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from vez import audit
from vez.extensions import db
from vez.holdings import held_by
from vez.mail import queue_letter
from vez.models import (
    RETRYABLE,
    UNFINISHED,
    Bill,
    Payment,
    PaymentBatch,
    PaymentChannel,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    User,
    utcnow,
)
from vez.payments import orders
from vez.payments.providers import GatewayResult

# A later verified success still credits a batch that was declined or expired: the money did arrive
# (the same decision as for one order, docs/payments.md "Crediting").
CREDITABLE = (*UNFINISHED, *RETRYABLE)


@dataclass(frozen=True)
class Line:
    """One account of a batch as offered: what it owes and what it will be paid."""

    account: PersonalAccount
    bill: Bill | None  # the newest bill, which the account's order pays (None: a debt without a bill yet)
    amount: int  # kopiykas: the debt, kept within what can be paid online


@dataclass(frozen=True)
class Offer:
    """What "pay everything at once" would pay: offered with two accounts or more, when the one gateway
    payment stays within PAYMENT_MAX_AMOUNT."""

    lines: list[Line]
    total: int
    maximum: int

    @property
    def possible(self) -> bool:
        return len(self.lines) >= 2 and self.total <= self.maximum

    @property
    def fingerprint(self) -> str:
        """The lines as the confirmation page showed them; a POST with another one was shown other amounts."""
        return ";".join(f"{line.account.number}:{line.amount}" for line in self.lines)


def offer(owing: Iterable[tuple[PersonalAccount, Bill | None]], minimum: int, maximum: int) -> Offer:
    """From accounts already read with their newest bills (no statement of its own)."""
    lines = []
    for account, bill in owing:
        amount = orders.proposed_amount(account.balance, minimum, maximum)
        if amount is not None:
            lines.append(Line(account, bill, amount))
    lines.sort(key=lambda line: (line.account.service.value, line.account.number))
    return Offer(lines, sum(line.amount for line in lines), maximum)


def offer_for(user_id: int) -> Offer:
    """The login's offer as it stands now: its accounts that owe, with their newest bills, in one statement."""
    newest_bill = (
        select(Bill.id)
        .where(Bill.account_id == PersonalAccount.id)
        .order_by(Bill.month.desc())
        .limit(1)
        .correlate(PersonalAccount)
        .scalar_subquery()
    )
    rows = db.session.execute(
        held_by(user_id).add_columns(Bill).outerjoin(Bill, Bill.id == newest_bill).where(PersonalAccount.balance > 0)
    ).all()
    config = current_app.config
    return offer(rows, config["PAYMENT_MIN_AMOUNT"], config["PAYMENT_MAX_AMOUNT"])


def new_reference() -> str:
    return f"vez-b-{secrets.token_hex(10)}"


def info_of(numbers: Iterable[str]) -> str:
    """What the gateway's `info` carries for a batch and echoes back: its account numbers, in order."""
    return ",".join(sorted(numbers))


def create_batch(*, user_id: int, plan: Offer, key: str, provider: str, ip: str | None) -> PaymentBatch | None:
    """The one batch of a form key with one created order per account, made now or by the same form before;
    None when the key is another login's batch. The view commits (and has taken the cap first)."""
    now = utcnow()
    inserted = orders.insert_once(
        PaymentBatch,
        "idempotency_key",
        reference=new_reference(),
        user_id=user_id,
        provider=provider,
        amount=plan.total,
        status=PaymentStatus.created,
        idempotency_key=key,
        created_at=now,
    )
    if inserted is None:  # the same form again: the batch it made
        existing = db.session.scalar(select(PaymentBatch).where(PaymentBatch.idempotency_key == key))
        return existing if existing.user_id == user_id else None
    db.session.add_all(
        Payment(
            account_id=line.account.id,
            amount=line.amount,
            paid_at=now,
            created_at=now,
            source=PaymentSource.online,
            status=PaymentStatus.created,
            reference=orders.new_order_id(),
            user_id=user_id,
            provider=provider,
            channel=PaymentChannel.batch,
            batch_id=inserted,
            bill_id=line.bill.id if line.bill else None,
        )
        for line in plan.lines
    )
    db.session.flush()
    batch = db.session.get(PaymentBatch, inserted)
    audit.record(
        "payment.batch_created",
        actor_id=user_id,
        ip=ip,
        target_type="payment_batches",
        target_id=batch.id,
        amount=plan.total,
        provider=provider,
        order_id=batch.reference,
        accounts=[line.account.number for line in plan.lines],
    )
    return batch


def owned_batch(user_id: int, batch_id: int) -> PaymentBatch | None:
    """The login's own batch; anyone else's is as if it did not exist."""
    return db.session.scalar(select(PaymentBatch).where(PaymentBatch.id == batch_id, PaymentBatch.user_id == user_id))


def find(reference: str) -> PaymentBatch | None:
    return db.session.scalar(select(PaymentBatch).where(PaymentBatch.reference == reference))


def members(batch_id: int) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.batch_id == batch_id).order_by(Payment.id)))


# ---- settlement: settle._apply hands a result whose order id is a batch's here -----------------------


def apply(
    provider_name: str,
    batch: PaymentBatch,
    result: GatewayResult,
    *,
    ip: str | None,
    via: str,
    unknown: PaymentStatus | None = None,
):
    """The same checks as for one order, against the batch; then all of its orders at once (settle.apply,
    the caller, commits the unit or rolls it back). `unknown`: what "no such payment" closes it as."""
    from vez.payments import settle

    facts = dict(order_id=result.order_id, via=via, gateway_status=result.status, batch=batch.id)
    payments = members(batch.id)
    refused = settle.mismatch(provider_name, result, batch, info_of(p.account.number for p in payments), ip, **facts)
    if refused is not None:
        return refused
    return settle.decide(
        result,
        unknown,
        credit=lambda: _credit(batch, payments, result, ip=ip, via=via),
        close=lambda state: close(batch, payments, result, state, ip=ip, via=via),
        reverse=lambda: _reverse(batch, payments, result, ip=ip, via=via),
        wait=lambda: _to_pending(batch, result),
    )


def _to_pending(batch: PaymentBatch, result: GatewayResult) -> None:
    """The gateway has taken the batch (created → pending); a settled batch stays as it is."""
    if _batch_cas(batch.id, UNFINISHED, PaymentStatus.pending, gateway_status=result.status[:40]):
        _members_to_pending(batch.id, UNFINISHED)


def _batch_cas(batch_id: int, from_: tuple[PaymentStatus, ...], to: PaymentStatus, **values) -> bool:
    from vez.payments import settle

    return settle.compare_and_set(PaymentBatch, batch_id, from_, to, **values)


def _members_to_pending(batch_id: int, from_: tuple[PaymentStatus, ...]) -> None:
    """The gateway has the batch: its orders are pending, the state settle's transitions start from."""
    db.session.execute(
        update(Payment)
        .where(Payment.batch_id == batch_id, Payment.status.in_(from_))
        .values(status=PaymentStatus.pending)
        .execution_options(synchronize_session=False)
    )


def _repeated(batch: PaymentBatch, result: GatewayResult, *, ip: str | None, via: str):
    """The batch was settled already (a replay, a duplicate at the same moment): nothing changes."""
    from vez.payments import settle

    return settle.repeated(PaymentBatch, batch.id, result, ip=ip, via=via)


def _credit(batch: PaymentBatch, payments: list[Payment], result: GatewayResult, *, ip: str | None, via: str):
    from vez.payments import settle

    now = utcnow()
    if not _batch_cas(
        batch.id,
        CREDITABLE,
        PaymentStatus.paid,
        settled_at=now,
        gateway_status=result.status[:40],
        gateway_payment_id=result.payment_id,
    ):
        return _repeated(batch, result, ip=ip, via=via)
    for payment in payments:
        if settle.credit(payment, result, ip=ip, via=via, receipt=False) is not settle.Settled.credited:
            # One order of the batch was settled already: settle rolled the whole unit back. All or nothing.
            return settle.Settled.repeated
    audit.record(
        "payment.batch_paid",
        ip=ip,
        target_type="payment_batches",
        target_id=batch.id,
        amount=batch.amount,
        order_id=result.order_id,
        via=via,
        payments=[payment.id for payment in payments],
    )
    _receipt_letter(batch.id)
    return settle.Settled.credited


def _receipt_letter(batch_id: int) -> None:
    """One letter for the one card payment, listing each account with its amount and its receipt."""
    batch = db.session.get(PaymentBatch, batch_id)
    db.session.refresh(batch)
    user = db.session.get(User, batch.user_id) if batch.user_id else None
    if user is None or not user.email:
        return
    payments = members(batch_id)
    for payment in payments:
        db.session.refresh(payment)
        db.session.refresh(payment.account)
    queue_letter(
        "payment_receipt",
        to=user.email,
        subject=_l("Payment receipt"),
        template="batch_receipt",
        language=user.language,
        user_id=user.id,
        batch=batch,
        payments=payments,
        user=user,
    )


def close(
    batch: PaymentBatch, payments: list[Payment], result: GatewayResult, to: PaymentStatus, *, ip: str | None, via: str
):
    """Every order of the batch closed unpaid (`declined`, `cancelled` or `expired`), once, each audited as
    payment.<state>."""
    from vez.payments import settle

    now = utcnow()
    values = dict(settled_at=now, gateway_status=result.status[:40])
    if not settle.mark_closed(PaymentBatch, batch.id, result, to, now):
        return _repeated(batch, result, ip=ip, via=via)
    db.session.execute(
        update(Payment)
        .where(Payment.batch_id == batch.id, Payment.status.in_(UNFINISHED))
        .values(status=to, gateway_payment_id=result.payment_id, **values)
        .execution_options(synchronize_session=False)
    )
    for payment in payments:
        audit.record(
            f"payment.{to.value}",
            ip=ip,
            target_type="payments",
            target_id=payment.id,
            amount=payment.amount,
            order_id=result.order_id,
            via=via,
            gateway_status=result.status,
        )
    return settle.CLOSED[to]


def _reverse(batch: PaymentBatch, payments: list[Payment], result: GatewayResult, *, ip: str | None, via: str):
    """The gateway took the batch's money back: every order still credited is taken back, once. One that
    staff reversed already stays reversed; a batch never credited is only declined."""
    from vez.payments import settle

    now = utcnow()
    if not _batch_cas(batch.id, (PaymentStatus.paid,), PaymentStatus.reversed, gateway_status=result.status[:40]):
        if db.session.get(PaymentBatch, batch.id).status in UNFINISHED:
            return close(batch, payments, result, PaymentStatus.declined, ip=ip, via=via)
        return _repeated(batch, result, ip=ip, via=via)
    try:
        for payment in payments:
            if settle.take_back(payment, now, settled_at=now, gateway_status=result.status[:40]):
                audit.record(
                    "payment.reversed",
                    ip=ip,
                    target_type="payments",
                    target_id=payment.id,
                    amount=payment.amount,
                    order_id=result.order_id,
                    via=via,
                    gateway_status=result.status,
                )
    except IntegrityError:
        return _repeated(batch, result, ip=ip, via=via)
    return settle.Settled.reversed


# ---- asking the gateway: the return from its page, and reconcile for unfinished batches ----------------


def claim_check(batch_id: int, now: datetime | None = None) -> bool:
    """The right to ask the gateway about an unfinished batch now (settle.claim: at most once per
    settle.CHECK_EVERY, whoever asks); the caller commits it before asking."""
    from vez.payments import settle

    return settle.claim(PaymentBatch, batch_id, now)


def ask(batch: PaymentBatch, *, unknown: PaymentStatus, via: str, ip: str | None = None):
    """Ask the gateway once about the batch's order (claimed and committed) and settle every order as it says;
    "no such payment" closes the batch as `unknown`. Returns a settle.Settled or a settle.Asked."""
    from vez.payments import settle

    return settle.ask_about(batch, unknown=unknown, via=via, ip=ip, batch=batch.id)


def cancel_by_consumer(batch: PaymentBatch, *, ip: str | None) -> bool:
    """The consumer gave up a batch the gateway never took (`created`): it and its orders cancelled, audited;
    the view commits. A later verified success still credits it (the money did arrive)."""
    now = utcnow()
    if not _batch_cas(batch.id, (PaymentStatus.created,), PaymentStatus.cancelled, settled_at=now):
        return False
    db.session.execute(
        update(Payment)
        .where(Payment.batch_id == batch.id, Payment.status == PaymentStatus.created)
        .values(status=PaymentStatus.cancelled, settled_at=now)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "payment.cancelled",
        actor_id=batch.user_id,
        ip=ip,
        target_type="payment_batches",
        target_id=batch.id,
        amount=batch.amount,
        order_id=batch.reference,
        via="consumer",
    )
    db.session.expire(batch)
    return True


def reconcile(now: datetime | None = None, limit: int = 500) -> Counter:
    """Batches unfinished for longer than PAYMENT_PENDING_TTL_SECONDS: ask the gateway about the batch's order
    and settle all of its orders as it says; one it does not know expires. Safe on two hosts at once: each
    batch is claimed before it is asked about, and every move is a compare-and-set."""
    now = now or utcnow()
    from vez.payments import settle

    return settle.ask_each(
        PaymentBatch, now, limit, lambda batch: ask(batch, unknown=PaymentStatus.expired, via="reconcile")
    )
