"""Autopay: an account's bill charged on a saved card, once per bill, retried once after a decline.

The consumer switches it on (the consent, a cap) and pays one ordinary order with `save_card`; its verified
success callback carries the gateway's card token, which `card_saved` puts on the Autopay row. The daily job
(`autopay_job`, JOBS_SCHEDULE "autopay") then charges each active autopay's newest bill from AUTOPAY_DAY of the
month after the billed one until the bill's due date.

Exactly once per bill (docs/payments.md, "Autopay"): the claim is an INSERT into autopay_attempts, unique on
(bill_id, attempt), committed together with the order (status `created`) before the gateway is called. The
gateway is called only by whoever moves that order `created → pending` (a compare-and-set), so a rerun after a
crash either charges an order nobody sent or asks the gateway about one that was sent; it never sends an order
twice. The gateway's word is settled by `settle.apply`, like any payment, and the attempt's outcome is written
once (`WHERE outcome IS NULL`), which is what queues the "declined" letter.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from vez import audit
from vez.billing import next_month
from vez.extensions import db
from vez.mail import queue_letter
from vez.models import (
    Autopay,
    AutopayAttempt,
    Bill,
    Payment,
    PaymentChannel,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    User,
    utcnow,
)
from vez.payments import orders, providers, settle
from vez.payments.providers import CallbackRejected, Order
from vez.urls import external_url

log = logging.getLogger("vez.payments.autopay")
CONSENT_VERSION = "2026-1"  # the consent text on the account page (cabinet/_autopay.html); a new text, a new one
ATTEMPTS = 2  # the first charge of a bill and one retry after a decline, never a third
OUTCOMES = {
    PaymentStatus.paid: "paid",
    PaymentStatus.reversed: "paid",  # it was paid; a reversal later is staff's or the bank's business
    PaymentStatus.declined: "declined",
    PaymentStatus.cancelled: "declined",
    PaymentStatus.expired: "declined",
}


def autopay_of(account_id: int) -> Autopay | None:
    return db.session.scalar(select(Autopay).where(Autopay.account_id == account_id))


def active_among(account_ids: list[int]) -> set[int]:
    """Which of these accounts have autopay on (a saved card), in one statement."""
    return set(
        db.session.scalars(
            select(Autopay.account_id).where(Autopay.account_id.in_(account_ids), Autopay.card_token.is_not(None))
        )
    )


def covers(account_id: int, amount: int | None = None) -> bool:
    """Whether the account's autopay (on, with a saved card) will charge its bill: reminders skip such bills.
    With `amount`, only when the consumer's cap reaches it (a bill above the cap still needs a reminder)."""
    autopay = autopay_of(account_id)
    if autopay is None or not autopay.active:
        return False
    return amount is None or amount <= autopay.max_amount


def card_order_amount(balance: int, minimum: int, maximum: int) -> int:
    """The card-saving order pays what is due now, or the smallest amount when nothing is."""
    return orders.proposed_amount(balance, minimum, maximum) or minimum


def window_start(bill: Bill, autopay_day: int) -> date:
    """The first day a bill is charged: AUTOPAY_DAY of the month after the billed one."""
    month = next_month(bill.month)
    return date(month.year, month.month, autopay_day)


# ---- switching on and off (the views commit) ---------------------------------------------------------------


def switch_on(user_id: int, account: PersonalAccount, max_amount: int, consent_version: str, *, ip: str | None) -> None:
    """The consent and the cap, without a card yet (the card-saving order brings the token). Switching on again
    while waiting for the card, or with a card, changes the cap and renews the consent."""
    now = utcnow()
    orders.insert_once(
        Autopay,
        "account_id",
        account_id=account.id,
        user_id=user_id,
        max_amount=max_amount,
        consent_version=consent_version,
        consented_at=now,
        created_at=now,
    )
    db.session.execute(
        update(Autopay)
        .where(Autopay.account_id == account.id)
        .values(user_id=user_id, max_amount=max_amount, consent_version=consent_version, consented_at=now)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "autopay.switched_on",
        actor_id=user_id,
        ip=ip,
        target=account,
        max_amount=max_amount,
        consent_version=consent_version,
    )


def switch_off(user_id: int, account: PersonalAccount, *, ip: str | None) -> bool:
    """Delete the account's autopay, and its card token with it; False when there was none."""
    done = db.session.execute(
        delete(Autopay).where(Autopay.account_id == account.id).execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:
        return False
    audit.record("autopay.switched_off", actor_id=user_id, ip=ip, target=account)
    return True


def card_saved(payment_id: int, card_token: str, card_mask: str | None, *, ip: str | None) -> None:
    """settle.credit's hook: a card-saving order paid with a token puts the card on the autopay it was made for
    (none when the consumer switched it off meanwhile: the token is then dropped). Inside settle.apply's unit."""
    payment = db.session.get(Payment, payment_id)
    if not payment.save_card or payment.user_id is None:
        return
    done = db.session.execute(
        update(Autopay)
        .where(Autopay.account_id == payment.account_id, Autopay.user_id == payment.user_id)
        .values(card_token=card_token, card_mask=card_mask, card_saved_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:
        return
    audit.record("autopay.card_saved", ip=ip, target_type="personal_accounts", target_id=payment.account_id)
    user = db.session.get(User, payment.user_id)
    autopay = db.session.scalar(
        select(Autopay).where(Autopay.account_id == payment.account_id).execution_options(populate_existing=True)
    )
    if user is not None and user.email:
        queue_letter(
            "autopay_on",
            to=user.email,
            subject=_l("Autopay is on"),
            template="autopay_on",
            language=user.language,
            user_id=user.id,
            account=db.session.get(PersonalAccount, payment.account_id),
            autopay=autopay,
            autopay_day=current_app.config["AUTOPAY_DAY"],
        )


# ---- what the account page shows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    autopay: Autopay | None
    next_charge: date | None  # when the job will charge next (on, with a card)
    last: AutopayAttempt | None


def panel(account: PersonalAccount, today: date) -> Panel:
    autopay = autopay_of(account.id)
    if autopay is None or not autopay.active:
        return Panel(autopay, None, None)
    day = current_app.config["AUTOPAY_DAY"]
    last = db.session.scalar(
        select(AutopayAttempt).where(AutopayAttempt.account_id == account.id).order_by(AutopayAttempt.id.desc())
    )
    bill = _newest_bill(account.id)
    if bill is not None and bill.amount_due > 0 and today <= bill.due_date and _next_attempt(bill.id, today):
        return Panel(autopay, max(today, window_start(bill, day)), last)
    ahead = date(today.year, today.month, day)
    return Panel(autopay, ahead if ahead > today else date(next_month(ahead).year, next_month(ahead).month, day), last)


# ---- the job -----------------------------------------------------------------------------------------------


def _newest_bill(account_id: int) -> Bill | None:
    return db.session.scalar(select(Bill).where(Bill.account_id == account_id).order_by(Bill.month.desc()).limit(1))


def _attempts(bill_id: int) -> list[AutopayAttempt]:
    return list(
        db.session.scalars(
            select(AutopayAttempt)
            .where(AutopayAttempt.bill_id == bill_id)
            .order_by(AutopayAttempt.attempt)
            .execution_options(populate_existing=True)
        )
    )


def _next_attempt(bill_id: int, today: date) -> int | AutopayAttempt | None:
    """The number of the attempt to make today, the unfinished attempt to resume, or None (done, or not today)."""
    attempts = _attempts(bill_id)
    if not attempts:
        return 1
    last = attempts[-1]
    if last.outcome is None:
        return last
    if last.outcome in ("paid", "skipped") or last.attempt >= ATTEMPTS or last.run_on >= today:
        return None  # a retry comes on a later date than the decline, so the consumer can top up the card
    return last.attempt + 1


def _unit(work, *args):
    """One unit of work committed here; SQLite's busy writer is waited out by running it again (as settle.apply)."""
    for attempt in range(settle.RETRIES):
        try:
            outcome = work(*args)
            db.session.commit()
            return outcome
        except OperationalError as error:
            db.session.rollback()
            if "locked" not in str(error).lower() or attempt == settle.RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def charge_due(today: date) -> Counter:
    """Charge every active autopay's newest bill that is due today; each account's outcome, counted."""
    counts: Counter = Counter()
    rows = db.session.execute(
        select(Autopay.id, Autopay.account_id).where(Autopay.card_token.is_not(None)).order_by(Autopay.id)
    ).all()
    db.session.rollback()
    for autopay_id, account_id in rows:
        try:
            counts[_charge_account(autopay_id, account_id, today)] += 1
        except Exception:  # one account's trouble never stops the others; its attempt is resumed next run
            db.session.rollback()
            log.exception("autopay of account %s", account_id)
            counts["error"] += 1
        db.session.expire_all()
    return counts


def _charge_account(autopay_id: int, account_id: int, today: date) -> str:
    bill = _newest_bill(account_id)
    if bill is None or bill.amount_due <= 0:
        return "nothing_due"
    if not window_start(bill, current_app.config["AUTOPAY_DAY"]) <= today <= bill.due_date:
        return "not_today"
    step = _next_attempt(bill.id, today)
    if step is None:
        return "done"
    if isinstance(step, AutopayAttempt):
        return _resume(step.id)
    claimed = _unit(_claim, autopay_id, bill.id, step, today)
    if claimed in ("lost", "skipped", "off"):
        return claimed
    return _charge(claimed)


def _claim(autopay_id: int, bill_id: int, number: int, today: date) -> int | str:
    """The claim: the attempt row and its order, committed together before the gateway hears of it."""
    autopay = db.session.get(Autopay, autopay_id)
    bill = db.session.get(Bill, bill_id)
    provider = providers.active()
    if autopay is None or not autopay.active or provider is None:
        return "off"
    account = db.session.get(PersonalAccount, bill.account_id)
    db.session.refresh(account)
    amount = min(bill.amount_due, max(account.balance, 0), autopay.max_amount)
    skip = amount < current_app.config["PAYMENT_MIN_AMOUNT"]  # paid already (or less than a gateway takes)
    now = utcnow()
    attempt_id = orders.insert_once(
        AutopayAttempt,
        ("bill_id", "attempt"),
        bill_id=bill.id,
        account_id=account.id,
        attempt=number,
        amount=max(amount, 0),
        outcome="skipped" if skip else None,
        finished_at=now if skip else None,
        run_on=today,
        created_at=now,
    )
    if attempt_id is None:
        return "lost"  # another runner claimed this bill's attempt: it charges, we do not
    if skip:
        audit.record("autopay.skipped", target=account, bill=bill.number, attempt=number, amount=amount)
        return "skipped"
    payment = Payment(
        account_id=account.id,
        amount=amount,
        paid_at=now,
        created_at=now,
        source=PaymentSource.online,
        status=PaymentStatus.created,
        reference=orders.new_order_id(),
        user_id=autopay.user_id,
        provider=provider.name,
        channel=PaymentChannel.autopay,
        bill_id=bill.id,
    )
    db.session.add(payment)
    db.session.flush()
    db.session.execute(
        update(AutopayAttempt)
        .where(AutopayAttempt.id == attempt_id)
        .values(payment_id=payment.id)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "payment.created",
        target=payment,
        amount=amount,
        provider=provider.name,
        order_id=payment.reference,
        account=account.number,
        channel="autopay",
        attempt=number,
    )
    return attempt_id


def _send(payment_id: int) -> bool:
    """The gate: whoever moves the order created → pending calls the gateway; nobody else ever does."""
    return settle._compare_and_set(payment_id, (PaymentStatus.created,), PaymentStatus.pending)


def _charge(attempt_id: int) -> str:
    attempt = db.session.get(AutopayAttempt, attempt_id)
    payment = db.session.get(Payment, attempt.payment_id) if attempt.payment_id else None
    if payment is None:
        return _unit(_finish, attempt_id, "error")
    autopay = autopay_of(payment.account_id)
    provider = providers.get(payment.provider)
    if autopay is None or not autopay.active or provider is None:  # switched off since the claim: no charge
        settle._compare_and_set(payment.id, (PaymentStatus.created,), PaymentStatus.cancelled, settled_at=utcnow())
        return _unit(_finish, attempt_id, "skipped")
    token = autopay.card_token
    if not _unit(_send, payment.id):
        return "in_flight"
    order = _order(payment)
    try:
        result = provider.pay_by_token(order, token)
    except CallbackRejected as rejected:  # an answer that fails our checks: the order stays pending, asked later
        settle.reject(provider.name, rejected.reason, None, order_id=payment.reference, payment=payment, via="autopay")
        db.session.commit()
        return "rejected"
    except (OSError, ValueError) as error:  # unreachable or garbled: the order stays pending, asked later
        db.session.rollback()
        log.warning("autopay charge %s not answered: %s", order.order_id, error)
        return "unreachable"
    settle.apply(provider.name, result, ip=None, via="autopay")
    return _outcome(attempt_id)


def _order(payment: Payment) -> Order:
    account = db.session.get(PersonalAccount, payment.account_id)
    user = db.session.get(User, payment.user_id) if payment.user_id else None
    language = user.language if user is not None else "uk"
    with force_locale(language):
        if account.service.value == "electricity":
            description = _("Payment for electricity, personal account No. %(number)s", number=account.number)
        else:
            description = _("Payment for natural gas, personal account No. %(number)s", number=account.number)
    return Order(
        order_id=payment.reference,
        amount=payment.amount,
        currency=settle.CURRENCY,
        description=description,
        account_number=account.number,
        result_url=external_url("payments.show", payment_id=payment.id),
        server_url=external_url("payments.callback", provider=payment.provider),
        language=language,
        phone=user.phone if user is not None else None,
    )


def _resume(attempt_id: int) -> str:
    """An attempt a runner claimed and did not finish (it crashed, or the gateway had not answered)."""
    attempt = db.session.get(AutopayAttempt, attempt_id)
    payment = db.session.get(Payment, attempt.payment_id) if attempt.payment_id else None
    if payment is None:
        return _unit(_finish, attempt_id, "error")
    db.session.refresh(payment)
    if payment.status is PaymentStatus.created:
        return _charge(attempt_id)  # never sent: the gate lets exactly one runner send it
    if payment.status is PaymentStatus.pending:
        ttl = current_app.config["PAYMENT_PENDING_TTL_SECONDS"]
        if payment.created_at > utcnow() - timedelta(seconds=ttl):
            return "in_flight"  # sent a moment ago, perhaps by a runner still waiting for the answer
        provider = providers.get(payment.provider)
        if provider is None:
            return "in_flight"
        try:
            result = provider.query_status(payment.reference)
        except (OSError, ValueError, CallbackRejected) as error:
            db.session.rollback()
            log.warning("autopay charge %s: status unknown: %s", payment.reference, error)
            return "unreachable"
        # "No such payment": the charge never reached the gateway, and the order expires.
        settle.apply(payment.provider, result, ip=None, via="autopay", unknown=PaymentStatus.expired)
    return _outcome(attempt_id)


def _outcome(attempt_id: int) -> str:
    db.session.expire_all()
    attempt = db.session.get(AutopayAttempt, attempt_id)
    payment = db.session.get(Payment, attempt.payment_id)
    outcome = OUTCOMES.get(payment.status)
    if outcome is None:
        return "waiting"  # the gateway is still deciding; the next run asks it
    return _unit(_finish, attempt_id, outcome)


def _finish(attempt_id: int, outcome: str) -> str:
    """The attempt's outcome, written once; a decline tells the consumer (and whether a retry comes)."""
    done = db.session.execute(
        update(AutopayAttempt)
        .where(AutopayAttempt.id == attempt_id, AutopayAttempt.outcome.is_(None))
        .values(outcome=outcome, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:
        return "repeated"
    attempt = db.session.get(AutopayAttempt, attempt_id)
    db.session.refresh(attempt)
    account = db.session.get(PersonalAccount, attempt.account_id)
    if outcome == "declined":
        audit.record("autopay.declined", target=account, attempt=attempt.attempt, amount=attempt.amount)
        _declined_letter(attempt, account)
    return outcome


def _declined_letter(attempt: AutopayAttempt, account: PersonalAccount) -> None:
    autopay = autopay_of(account.id)
    user = db.session.get(User, autopay.user_id) if autopay is not None else None
    if user is None or not user.email:
        return
    bill = db.session.get(Bill, attempt.bill_id)
    retry = attempt.run_on + timedelta(days=1) if attempt.attempt < ATTEMPTS else None
    queue_letter(
        "autopay_declined",
        to=user.email,
        subject=_l("Autopay: the bank declined the payment"),
        template="autopay_declined",
        language=user.language,
        user_id=user.id,
        account=account,
        attempt=attempt,
        bill=bill,
        retry=retry if retry is not None and retry <= bill.due_date else None,
    )


def autopay_job(day_text: str | None = None) -> str:
    """The daily job (JOBS_SCHEDULE "autopay", given the local date): `charge_due`, summed up. Idempotent and
    safe on two hosts at once: the claim is a unique row and the gateway call sits behind a compare-and-set."""
    from vez import i18n

    today = datetime.strptime(day_text, "%Y-%m-%d").date() if day_text else i18n.today()
    counts = charge_due(today)
    details = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    return f"autopay {today:%Y-%m-%d}: {sum(counts.values())} accounts" + (f": {details}" if details else "")
