"""A gateway's word applied to an order: the order's states (docs/payments.md, "States"), each move at most once.

    created ──(a waiting word)──> pending
    created | pending ──> paid | declined | cancelled | expired
    declined | cancelled | expired ──(a verified success: the money did arrive)──> paid
    paid ──> reversed

The decision (docs/security.md, "Payment credit"): every move is one compare-and-set
`UPDATE payments ... WHERE status IN (...)` (plus, for money, a unique ledger row) in one transaction with
the balance. Whichever of two identical callbacks commits second finds no row to move (PostgreSQL re-checks
the WHERE after the first one's row lock; SQLite serialises writers) and changes nothing. Nothing here
trusts the browser: only a verified callback, the gateway's own status answer, or the consumer's "cancel"
of an order the gateway never took settles an order.
"""

from __future__ import annotations

import enum
import logging
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from vez import audit
from vez.extensions import db
from vez.mail import queue_letter
from vez.models import (
    RETRYABLE,
    UNFINISHED,
    EntryKind,
    Payment,
    PaymentEntry,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    User,
    utcnow,
)
from vez.payments import providers
from vez.payments.providers import CallbackRejected, GatewayOutcome, GatewayResult

log = logging.getLogger("vez.payments")
FORM = "application/x-www-form-urlencoded"
CURRENCY = "UAH"
RETRIES = 5
CHECK_EVERY = timedelta(seconds=10)  # the gateway is asked about one order at most this often
STILL_WAITING_WARNING = timedelta(hours=24)  # a pending order older than this is logged at each reconcile


class Settled(str, enum.Enum):
    """What a gateway's word did to its order; the callback view picks the HTTP answer for each."""

    credited = "credited"
    declined = "declined"
    cancelled = "cancelled"
    expired = "expired"
    failed = "declined"  # the name before issue 13: an alias of `declined`
    reversed = "reversed"
    waiting = "waiting"  # not final yet: only the gateway's word is remembered
    repeated = "repeated"  # settled already (a replay, a late duplicate): nothing changed
    rejected = "rejected"  # nothing changed and the rejection is audited: signature, mismatch, unknown order
    not_a_form = "not_a_form"  # the body is not a form post (rejected and audited too)
    unknown_provider = "unknown_provider"


def handle_callback(provider_name: str, content_type: str | None, form: Mapping[str, str], ip: str | None) -> Settled:
    """A server callback as posted by the gateway, settled (apply commits it); a rejection is audited and
    the view commits that."""
    provider = providers.get(provider_name)
    if provider is None:
        return Settled.unknown_provider
    if content_type != FORM:
        reject(provider_name, "content_type", ip)
        return Settled.not_a_form
    try:
        result = provider.parse_callback(form)
    except CallbackRejected as rejected:
        return reject(provider_name, rejected.reason, ip, order_id=rejected.order_id)
    return apply(provider_name, result, ip=ip, via="callback")


def reject(
    provider: str, reason: str, ip: str | None, *, order_id: str | None = None, payment: Payment | None = None, **data
) -> Settled:
    """A gateway's word that changes nothing; only the audit event is written."""
    audit.record(
        "payment.callback_rejected",
        ip=ip,
        target_type="payments",
        target_id=payment.id if payment else None,
        provider=provider,
        reason=reason,
        order_id=order_id,
        **data,
    )
    return Settled.rejected


def apply(
    provider_name: str,
    result: GatewayResult,
    *,
    ip: str | None,
    via: str,
    unknown: PaymentStatus | None = None,
) -> Settled:
    """Check a verified result against its order, then settle it: one unit of work, committed here.

    `unknown` is what a status answer "no such payment" closes an unfinished order as (cancelled on the
    return from the gateway, expired by reconcile); without it such an answer changes nothing.

    Where the payments domain commits itself (docs/payments.md): SQLite's busy writer is waited out by
    running the whole unit again, its COMMIT included, and a crash anywhere leaves nothing half-done.
    The callback view and reconcile (a batch, one order at a time) commit everything else.
    """
    return _unit(lambda: _apply(provider_name, result, ip=ip, via=via, unknown=unknown))


def _unit(work):
    for attempt in range(RETRIES):
        try:
            settled = work()
            db.session.commit()
            return settled
        except OperationalError as error:
            db.session.rollback()
            if "locked" not in str(error).lower() or attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _apply(
    provider_name: str, result: GatewayResult, *, ip: str | None, via: str, unknown: PaymentStatus | None
) -> Settled:
    payment = db.session.scalar(
        select(Payment).where(Payment.reference == result.order_id, Payment.source == PaymentSource.online)
    )
    if payment is None:
        # ---- several accounts in one payment (docs/payments.md): the order id may be a batch's ----------
        from vez.payments import batches

        batch = batches.find(result.order_id)
        if batch is not None:
            return batches.apply(provider_name, batch, result, ip=ip, via=via, unknown=unknown)
        # ---- end of the batch hook -----------------------------------------------------------------------
        # ---- a company's order under a contract (docs/companies.md, "Paying"): vez.companies.paying ------
        from vez.companies import paying

        order = paying.find(result.order_id)
        if order is not None:
            return paying.apply(provider_name, order, result, ip=ip, via=via, unknown=unknown)
        # ---- end of the company hook ---------------------------------------------------------------------
        return reject(provider_name, "unknown_order", ip, order_id=result.order_id, via=via)
    facts = dict(order_id=result.order_id, via=via, gateway_status=result.status)
    if payment.batch_id is not None:  # a batch's own order: the gateway never saw its id (batch hook)
        return reject(provider_name, "batch_member", ip, payment=payment, **facts)
    refused = mismatch(provider_name, result, payment, payment.account.number, ip, payment=payment, **facts)
    if refused is not None:
        return refused
    return decide(
        result,
        unknown,
        credit=lambda: credit(payment, result, ip=ip, via=via),
        close=lambda state: close(payment, result, state, ip=ip, via=via),
        reverse=lambda: reverse(payment, result, ip=ip, via=via),
        # The WHERE leaves a settled order alone.
        wait=lambda: compare_and_set(
            Payment, payment.id, UNFINISHED, PaymentStatus.pending, gateway_status=result.status[:40]
        ),
    )


def decide(result: GatewayResult, unknown: PaymentStatus | None, *, credit, close, reverse, wait) -> Settled:
    """What a checked word does to any kind of order (docs/payments.md, "States"): a success credits, a failure
    declines, a reversal takes the money back, "no such payment" closes it as `unknown` (or waits without one);
    any other word means the gateway is still working on it (`wait`: created -> pending, its word remembered)."""
    if result.outcome is GatewayOutcome.success:
        return credit()
    if result.outcome is GatewayOutcome.failure:
        return close(PaymentStatus.declined)
    if result.outcome is GatewayOutcome.reversed:
        return reverse()
    if result.outcome is GatewayOutcome.not_found:
        return Settled.waiting if unknown is None else close(unknown)
    wait()
    return Settled.waiting


def mismatch(provider_name: str, result: GatewayResult, order, account_number: str, ip: str | None, **facts):
    """The checks a verified word passes before it moves any kind of order: the gateway the order went to, the
    account (accounts, contract) it pays, its amount and the currency; the first that fails is rejected and
    audited with `facts` (Settled.rejected), else None."""
    if order.provider != provider_name:
        return reject(provider_name, "provider_mismatch", ip, **facts)
    if result.account_number is not None and result.account_number != account_number:
        return reject(provider_name, "account_mismatch", ip, account=result.account_number, **facts)
    if result.amount is not None and result.amount != order.amount:
        return reject(provider_name, "amount_mismatch", ip, amount=result.amount, **facts)
    if result.currency is not None and result.currency != CURRENCY:
        return reject(provider_name, "currency_mismatch", ip, currency=result.currency, **facts)
    return None


def compare_and_set(model, row_id: int, from_: tuple[PaymentStatus, ...], to: PaymentStatus, **values) -> bool:
    """One move of an order's state (a Payment, a PaymentBatch, a CompanyPayment), only from `from_`: the
    decision "Payment credit" for every kind of order."""
    done = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status.in_(from_))
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def mark_paid(model, row_id: int, result: GatewayResult, now: datetime) -> bool:
    """A verified success moves an order (a Payment, a CompanyPayment) to paid, once: from an unfinished state, or
    from a declined, cancelled or expired one that the gateway still paid (the money did arrive)."""
    return compare_and_set(
        model,
        row_id,
        (*UNFINISHED, *RETRYABLE),
        PaymentStatus.paid,
        paid_at=now,
        settled_at=now,
        gateway_status=result.status[:40],
        gateway_payment_id=result.payment_id,
    )


def mark_closed(model, row_id: int, result: GatewayResult, state: PaymentStatus, now: datetime) -> bool:
    """An unfinished order (of any kind) ends unpaid as `state` (declined, cancelled, expired), once."""
    return compare_and_set(
        model,
        row_id,
        UNFINISHED,
        state,
        settled_at=now,
        gateway_status=result.status[:40],
        gateway_payment_id=result.payment_id,
    )


def _compare_and_set(payment_id: int, from_: tuple[PaymentStatus, ...], to: PaymentStatus, **values) -> bool:
    return compare_and_set(Payment, payment_id, from_, to, **values)


# The states a repeated word finds its order in when it changed it before (a replay, not a contradiction).
FINAL_OF = {
    GatewayOutcome.success: (PaymentStatus.paid,),
    GatewayOutcome.failure: (PaymentStatus.declined,),
    GatewayOutcome.reversed: (PaymentStatus.reversed, PaymentStatus.declined),
    GatewayOutcome.not_found: RETRYABLE,
}


def repeated(model, row_id: int, result: GatewayResult, *, ip: str | None, via: str, **facts) -> Settled:
    """The order was settled already: a replay or a late duplicate (the gateway is told OK, so it stops); any kind
    of order, `facts` added to its audit event."""
    db.session.rollback()  # this unit's own failed step (apply's transaction), then the order as it stands
    db.session.expire_all()
    current = db.session.get(model, row_id).status
    action = "payment.callback_repeated" if current in FINAL_OF.get(result.outcome, ()) else "payment.callback_ignored"
    audit.record(
        action,
        ip=ip,
        target_type=model.__tablename__,
        target_id=row_id,
        order_id=result.order_id,
        via=via,
        gateway_status=result.status,
        **facts,
    )
    return Settled.repeated


def _repeated(payment: Payment, result: GatewayResult, *, ip: str | None, via: str) -> Settled:
    return repeated(Payment, payment.id, result, ip=ip, via=via)


def credit(payment: Payment, result: GatewayResult, *, ip: str | None, via: str, receipt: bool = True) -> Settled:
    """`receipt=False`: the caller sends one letter for several (a batch, docs/payments.md)."""
    payment_id, account_id, amount, user_id = payment.id, payment.account_id, payment.amount, payment.user_id
    now = utcnow()
    if not mark_paid(Payment, payment_id, result, now):
        return _repeated(payment, result, ip=ip, via=via)
    try:
        ledger_entry(payment_id, account_id, EntryKind.credit, -amount, now)
    except IntegrityError:  # the unique ledger row: a credit that somehow raced past the status
        return _repeated(payment, result, ip=ip, via=via)
    db.session.execute(
        update(PersonalAccount)
        .where(PersonalAccount.id == account_id)
        .values(balance=PersonalAccount.balance - amount)
        .execution_options(synchronize_session=False)
    )
    balance = db.session.scalar(select(PersonalAccount.balance).where(PersonalAccount.id == account_id))
    audit.record(
        "payment.received",
        ip=ip,
        target_type="payments",
        target_id=payment_id,
        amount=amount,
        order_id=result.order_id,
        via=via,
        gateway_status=result.status,
        balance=balance,
    )
    if receipt:
        _receipt_letter(payment_id, user_id)
    # Autopay's hook (vez/payments/autopay.py): a card-saving order's token goes onto the account's autopay.
    if result.card_token:
        from vez.payments import autopay

        autopay.card_saved(payment_id, result.card_token, result.card_mask, ip=ip)
    return Settled.credited


def ledger_entry(payment_id: int, account_id: int, kind: EntryKind, change: int, at: datetime) -> None:
    db.session.add(PaymentEntry(payment_id=payment_id, account_id=account_id, kind=kind, balance_change=change, at=at))
    db.session.flush()


CLOSED = {
    PaymentStatus.declined: Settled.declined,
    PaymentStatus.cancelled: Settled.cancelled,
    PaymentStatus.expired: Settled.expired,
}


def close(payment: Payment, result: GatewayResult, state: PaymentStatus, *, ip: str | None, via: str) -> Settled:
    """An unfinished order ends unpaid (`declined`, `cancelled` or `expired`), once, audited as payment.<state>."""
    if not mark_closed(Payment, payment.id, result, state, utcnow()):
        return _repeated(payment, result, ip=ip, via=via)
    audit.record(
        f"payment.{state.value}",
        ip=ip,
        target_type="payments",
        target_id=payment.id,
        amount=payment.amount,
        order_id=result.order_id,
        via=via,
        gateway_status=result.status,
    )
    return CLOSED[state]


def fail(payment: Payment, result: GatewayResult, *, ip: str | None, via: str) -> Settled:
    """The gateway declined the order (the name before issue 13): `close(..., PaymentStatus.declined)`."""
    return close(payment, result, PaymentStatus.declined, ip=ip, via=via)


def cancel_by_consumer(payment: Payment, *, ip: str | None) -> bool:
    """The consumer gave up an order the gateway never took (`created`): cancelled, audited; the view commits.

    A pending order is not theirs to cancel (the bank is deciding); a later verified success still credits a
    cancelled one.
    """
    if not _compare_and_set(payment.id, (PaymentStatus.created,), PaymentStatus.cancelled, settled_at=utcnow()):
        return False
    audit.record(
        "payment.cancelled",
        actor_id=payment.user_id,
        ip=ip,
        target_type="payments",
        target_id=payment.id,
        amount=payment.amount,
        order_id=payment.reference,
        via="consumer",
    )
    db.session.expire(payment)
    return True


def take_back(payment: Payment, at: datetime, **values) -> bool:
    """A received payment reversed, once: False when it is not received (any more).

    One compare-and-set on the status (two clicks or two callbacks reverse once), the ledger's unique
    reversal row for online money, and the balance up again in the same statement-level way as a credit.
    """
    if not _compare_and_set(payment.id, (PaymentStatus.paid,), PaymentStatus.reversed, **values):
        return False
    if payment.source is PaymentSource.online:
        ledger_entry(payment.id, payment.account_id, EntryKind.reversal, payment.amount, at)
    db.session.execute(
        update(PersonalAccount)
        .where(PersonalAccount.id == payment.account_id)
        .values(balance=PersonalAccount.balance + payment.amount)
        .execution_options(synchronize_session=False)
    )
    return True


def reverse(payment: Payment, result: GatewayResult, *, ip: str | None, via: str) -> Settled:
    """The gateway took the money back: the balance rises again and the history says so, once."""
    now = utcnow()
    try:
        if not take_back(payment, now, settled_at=now, gateway_status=result.status[:40]):
            return close(payment, result, PaymentStatus.declined, ip=ip, via=via)  # never credited
    except IntegrityError:
        return _repeated(payment, result, ip=ip, via=via)
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
    return Settled.reversed


def reverse_by_staff(payment: Payment, reason: str, *, actor_id: int, ip: str | None) -> bool:
    """Staff reversal of a received payment (a wrong account, a bank's recall), audited; the view commits."""
    if not take_back(payment, utcnow()):
        return False
    audit.record(
        "admin.payment_reversed",
        actor_id=actor_id,
        ip=ip,
        target=payment,
        before={"status": "paid"},
        after={"status": "reversed"},
        reason=reason[:500],
        amount=payment.amount,
    )
    db.session.expire(payment)
    return True


def _receipt_letter(payment_id: int, user_id: int | None) -> None:
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.email:
        return
    payment = db.session.get(Payment, payment_id)
    db.session.refresh(payment)
    account = db.session.get(PersonalAccount, payment.account_id)
    db.session.refresh(account)
    queue_letter(
        "payment_receipt",
        to=user.email,
        subject=_l("Payment receipt"),
        template="receipt",
        language=user.language,
        user_id=user.id,
        payment=payment,
        account=account,
        user=user,
    )


def claim(model, row_id: int, now: datetime | None = None) -> bool:
    """The right to ask the gateway about an unfinished order (of any kind) now: at most once per CHECK_EVERY,
    whoever asks (the return page, reconcile on any host). A compare-and-set on `checked_at`; the caller commits
    it before asking, so no transaction stays open across the network call."""
    now = now or utcnow()
    done = db.session.execute(
        update(model)
        .where(
            model.id == row_id,
            model.status.in_(UNFINISHED),
            (model.checked_at.is_(None)) | (model.checked_at <= now - CHECK_EVERY),
        )
        .values(checked_at=now)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def claim_check(payment_id: int, now: datetime | None = None) -> bool:
    return claim(Payment, payment_id, now)


class Asked(str, enum.Enum):
    """Why asking the gateway settled nothing (ask's answer when it has no Settled)."""

    no_provider = "skipped"
    unreachable = "unreachable"
    rejected = "rejected"


def ask(payment: Payment, *, unknown: PaymentStatus, via: str, ip: str | None = None) -> Settled | Asked:
    """Ask the gateway once about an order (claimed with claim_check and committed) and apply its answer."""
    return ask_about(payment, unknown=unknown, via=via, ip=ip, payment=payment)


def ask_about(order, *, unknown: PaymentStatus, via: str, ip: str | None = None, **facts) -> Settled | Asked:
    """Ask the gateway once about any kind of order (its `provider` and `reference`; claimed and committed) and
    apply its answer. "No such payment" closes the order as `unknown`; an unreachable or garbled gateway changes
    nothing; a rejected answer is audited with `facts`."""
    provider = providers.get(order.provider)
    if provider is None:
        return Asked.no_provider
    try:
        result = provider.query_status(order.reference)
    except CallbackRejected as rejected:
        reject(order.provider, rejected.reason, ip, order_id=order.reference, via=via, **facts)
        db.session.commit()
        return Asked.rejected
    except (OSError, ValueError) as error:  # unreachable or garbled: ask again later
        log.warning("status of %s unknown: %s", order.reference, error)
        return Asked.unreachable
    return apply(order.provider, result, ip=ip, via=via, unknown=unknown)


def stale_ids(model, now: datetime, limit: int, *where) -> list[int]:
    """Orders of one kind (`where` narrows them) unfinished for longer than PAYMENT_PENDING_TTL_SECONDS, oldest
    first: what reconcile asks the gateway about."""
    before = now - timedelta(seconds=current_app.config["PAYMENT_PENDING_TTL_SECONDS"])
    return db.session.scalars(
        select(model.id)
        .where(*where, model.status.in_(UNFINISHED), model.created_at <= before)
        .order_by(model.id)
        .limit(limit)
    ).all()


def ask_each(model, now: datetime, limit: int, ask_one, *where) -> Counter:
    """Reconcile's round over one kind of order (stale_ids): each claimed (skipped when settled meanwhile or asked
    just now by another run), committed, then asked about with `ask_one`; the answers counted."""
    counts: Counter = Counter()
    for row_id in stale_ids(model, now, limit, *where):
        if not claim(model, row_id, now):
            db.session.rollback()
            counts["skipped"] += 1
            continue
        db.session.commit()
        answer = ask_one(db.session.get(model, row_id))
        counts[answer.value] += 1
        db.session.expire_all()
    return counts


def reconcile(now: datetime | None = None, limit: int = 500) -> Counter:
    """Ask the gateway about orders unfinished for longer than PAYMENT_PENDING_TTL_SECONDS and close them as it
    says: paid, declined, or expired when it knows nothing; a waiting word leaves the order pending."""
    now = now or utcnow()
    late: Counter = Counter()

    def ask_one(payment: Payment) -> Settled | Asked:
        answer = ask(payment, unknown=PaymentStatus.expired, via="reconcile")
        if answer is Settled.waiting and payment.created_at <= now - STILL_WAITING_WARNING:
            # Decision (docs/payments.md, "Reconciliation"): money may still come, so it stays pending and is
            # asked about at every run; staff see it in the log.
            log.warning("order %s still waiting for the gateway after 24 h (%s)", payment.reference, payment.id)
            late["still waiting after 24 h"] += 1
        return answer

    # A batch's orders are settled by their batch's reference (the batch hook below).
    counts = ask_each(Payment, now, limit, ask_one, Payment.source == PaymentSource.online, Payment.batch_id.is_(None))
    counts.update(late)
    # ---- several accounts in one payment: unfinished batches are asked about as one order (batch hook) ----
    from vez.payments import batches

    counts.update(batches.reconcile(now, limit=limit))
    # ---- a company's unfinished orders under its contracts (company hook) ----
    from vez.companies import paying

    counts.update(paying.reconcile(now, limit=limit))
    return counts


def reconcile_job(limit: int = 500) -> str:
    """The job (scheduled every few minutes): `reconcile`, summed up. Idempotent and safe on two hosts at once:
    an order is claimed before it is asked about (claim_check), a closed order is no longer unfinished, and
    every move is a compare-and-set (decision "Payment credit")."""
    counts = reconcile(limit=limit)
    asked = sum(n for name, n in counts.items() if name not in ("skipped", "still waiting after 24 h"))
    details = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    return f"{asked} unfinished orders asked about" + (f": {details}" if details else "")
