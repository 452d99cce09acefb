"""Paying under a contract online (docs/companies.md, "Paying"): one order per contract through the household's
gateway interface (vez.payments.providers), settled by vez.payments.settle's company hook.

An order is a CompanyPayment with source `online`; it goes through the household states (docs/payments.md,
"States") with the same decision (docs/security.md, "Payment credit"): every move is one compare-and-set
`UPDATE company_payments ... WHERE status IN (...)`, a credit also writes the unique ledger row
(CompanyPaymentEntry) and recomputes the contract's balance in the same transaction, so identical callbacks
at the same moment credit once. The amount's limits and the form key are the household's (vez.payments.orders).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vez import audit
from vez.companies.access import member_contract
from vez.companies.ledger import recompute_contract_balances
from vez.extensions import db
from vez.models import (
    UNFINISHED,
    CompanyPayment,
    CompanyPaymentEntry,
    CompanyPaymentSource,
    Contract,
    EntryKind,
    PaymentStatus,
    utcnow,
)
from vez.payments import orders
from vez.payments.providers import GatewayResult

PREFIX = "vez-c-"  # a company order's id at the gateway: never a household order's (vez-<hex>) or a batch's


def new_order_id() -> str:
    return PREFIX + orders.new_order_id().removeprefix("vez-")


def create_order(
    *, user_id: int, contract: Contract, amount: int, key: str, provider: str, ip: str | None
) -> CompanyPayment | None:
    """The one order of a form key, made now (`created`) or by the same form before; None when the key is another
    login's or another contract's order. The view commits."""
    now = utcnow()
    inserted = orders.insert_once(
        CompanyPayment,
        "idempotency_key",
        contract_id=contract.id,
        amount=amount,
        paid_at=now,
        created_at=now,
        source=CompanyPaymentSource.online,
        status=PaymentStatus.created,
        reference=new_order_id(),
        user_id=user_id,
        provider=provider,
        idempotency_key=key,
    )
    if inserted is not None:
        payment = db.session.get(CompanyPayment, inserted)
        audit.record(
            "company.payment_created",
            actor_id=user_id,
            ip=ip,
            target=payment,
            company_id=contract.company_id,
            amount=amount,
            provider=provider,
            order_id=payment.reference,
            contract=contract.number,
        )
        return payment
    existing = db.session.scalar(select(CompanyPayment).where(CompanyPayment.idempotency_key == key))
    if existing is None or existing.user_id != user_id or existing.contract_id != contract.id:
        return None
    return existing


def member_payment(user_id: int, payment_id: int):
    """An online order under a contract of one of the login's companies, with the login's membership; anything
    else is as if it did not exist (None)."""
    payment = db.session.get(CompanyPayment, payment_id)
    if payment is None or payment.source is not CompanyPaymentSource.online:
        return None
    found = member_contract(user_id, payment.contract_id)
    return (payment, found[1]) if found else None


def find(reference: str) -> CompanyPayment | None:
    """The company order the gateway names (settle's company hook), or None."""
    if not reference.startswith(PREFIX):
        return None
    return db.session.scalar(
        select(CompanyPayment).where(
            CompanyPayment.reference == reference, CompanyPayment.source == CompanyPaymentSource.online
        )
    )


# ---- settling: called by vez.payments.settle._apply inside its unit of work (it commits or rolls back) -------


def apply(
    provider_name: str,
    payment: CompanyPayment,
    result: GatewayResult,
    *,
    ip: str | None,
    via: str,
    unknown: PaymentStatus | None = None,
):
    """The household's checks against the company order, then its move; returns a settle.Settled."""
    from vez.payments import settle

    facts = dict(order_id=result.order_id, via=via, gateway_status=result.status, company_payment=payment.id)
    contract = db.session.get(Contract, payment.contract_id)
    refused = settle.mismatch(provider_name, result, payment, contract.number, ip, **facts)
    if refused is not None:
        return refused
    return settle.decide(
        result,
        unknown,
        credit=lambda: _credit(payment, contract, result, ip=ip, via=via),
        close=lambda state: _close(payment, contract, result, state, ip=ip, via=via),
        reverse=lambda: _reverse(payment, contract, result, ip=ip, via=via),
        wait=lambda: _cas(payment.id, UNFINISHED, PaymentStatus.pending, gateway_status=result.status[:40]),
    )


def _cas(payment_id: int, from_: tuple[PaymentStatus, ...], to: PaymentStatus, **values) -> bool:
    from vez.payments import settle

    return settle.compare_and_set(CompanyPayment, payment_id, from_, to, **values)


def _event(action: str, payment: CompanyPayment, contract: Contract, result: GatewayResult | None, **data) -> None:
    audit.record(
        action,
        ip=data.pop("ip", None),
        actor_id=data.pop("actor_id", None),
        target_type="company_payments",
        target_id=payment.id,
        company_id=contract.company_id,
        amount=payment.amount,
        order_id=payment.reference,
        contract=contract.number,
        **({"gateway_status": result.status} if result else {}),
        **data,
    )


def _repeated(payment: CompanyPayment, contract: Contract, result: GatewayResult, *, ip: str | None, via: str):
    """Settled already (a replay, a late duplicate): nothing changes; the gateway is told OK."""
    from vez.payments import settle

    facts = dict(company_id=contract.company_id, contract=contract.number)
    return settle.repeated(CompanyPayment, payment.id, result, ip=ip, via=via, **facts)


def _credit(payment: CompanyPayment, contract: Contract, result: GatewayResult, *, ip: str | None, via: str):
    """Paid: the order, its ledger row and the contract's balance, once (a declined, cancelled or expired order
    the gateway still paid is credited too: the money did arrive)."""
    from vez.payments import settle

    now = utcnow()
    if not settle.mark_paid(CompanyPayment, payment.id, result, now):
        return _repeated(payment, contract, result, ip=ip, via=via)
    try:
        _entry(payment, EntryKind.credit, -payment.amount, now)
    except IntegrityError:  # the unique ledger row: a credit that somehow raced past the status
        return _repeated(payment, contract, result, ip=ip, via=via)
    recompute_contract_balances([contract.id])
    balance = db.session.scalar(select(Contract.balance).where(Contract.id == contract.id))
    _event("company.payment_received", payment, contract, result, ip=ip, via=via, balance=balance)
    return settle.Settled.credited


def _entry(payment: CompanyPayment, kind: EntryKind, change: int, at: datetime) -> None:
    db.session.add(
        CompanyPaymentEntry(
            payment_id=payment.id, contract_id=payment.contract_id, kind=kind.value, balance_change=change, at=at
        )
    )
    db.session.flush()


def _close(
    payment: CompanyPayment,
    contract: Contract,
    result: GatewayResult,
    state: PaymentStatus,
    *,
    ip: str | None,
    via: str,
):
    from vez.payments import settle

    if not settle.mark_closed(CompanyPayment, payment.id, result, state, utcnow()):
        return _repeated(payment, contract, result, ip=ip, via=via)
    _event(f"company.payment_{state.value}", payment, contract, result, ip=ip, via=via)
    return settle.CLOSED[state]


def _reverse(payment: CompanyPayment, contract: Contract, result: GatewayResult, *, ip: str | None, via: str):
    from vez.payments import settle

    now = utcnow()
    if not _cas(
        payment.id, (PaymentStatus.paid,), PaymentStatus.reversed, settled_at=now, gateway_status=result.status[:40]
    ):
        return _close(payment, contract, result, PaymentStatus.declined, ip=ip, via=via)  # never credited
    try:
        _entry(payment, EntryKind.reversal, payment.amount, now)
    except IntegrityError:
        return _repeated(payment, contract, result, ip=ip, via=via)
    recompute_contract_balances([contract.id])
    _event("company.payment_reversed", payment, contract, result, ip=ip, via=via)
    return settle.Settled.reversed


# ---- the payer's side: cancel before the gateway took it, ask on the return, reconcile stuck orders ------------


def cancel_by_payer(payment: CompanyPayment, *, user_id: int, ip: str | None) -> bool:
    """The payer gave up an order the gateway never took (`created`): cancelled, audited; the view commits."""
    if not _cas(payment.id, (PaymentStatus.created,), PaymentStatus.cancelled, settled_at=utcnow()):
        return False
    contract = db.session.get(Contract, payment.contract_id)
    _event("company.payment_cancelled", payment, contract, None, ip=ip, actor_id=user_id, via="payer")
    db.session.expire(payment)
    return True


def claim_check(payment_id: int, now: datetime | None = None) -> bool:
    """The right to ask the gateway about an unfinished order now (settle.claim: at most once per
    settle.CHECK_EVERY); the caller commits it before asking."""
    from vez.payments import settle

    return settle.claim(CompanyPayment, payment_id, now)


def ask(payment: CompanyPayment, *, unknown: PaymentStatus, via: str, ip: str | None = None):
    """Ask the gateway once about the order (claimed and committed) and settle it as it says; returns a
    settle.Settled or a settle.Asked."""
    from vez.payments import settle

    return settle.ask_about(payment, unknown=unknown, via=via, ip=ip)


def reconcile(now: datetime | None = None, limit: int = 500) -> Counter:
    """Company orders unfinished for longer than PAYMENT_PENDING_TTL_SECONDS: asked about and closed as the gateway
    says (settle.reconcile's company hook); one it does not know expires."""
    now = now or utcnow()
    from vez.payments import settle

    return settle.ask_each(
        CompanyPayment,
        now,
        limit,
        lambda payment: ask(payment, unknown=PaymentStatus.expired, via="reconcile"),
        CompanyPayment.source == CompanyPaymentSource.online,
    )
