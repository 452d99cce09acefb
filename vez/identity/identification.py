"""Identification of a consumer by a personal account and its last payment (or surname and meter).

A recent last payment does not identify alone: anyone can pay 1.00 to any account at a bank, so the holder's
surname is asked too (docs/security.md, "Recent payments"). The last payment carries only a few bits of
entropy, so guessing is limited per account and per address,
counted in the database (`vez.identity.limits`), audited, and every outcome takes the same time (docs/security.md B,
`vez.identity.timing`). Used by registration's step 1, the cabinet's add-account and the admin's unlock.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from vez import audit
from vez.extensions import db
from vez.identity import limits
from vez.ledger import last_payment
from vez.models import Payment, PersonalAccount, Service, Subdivision, User, UserAccount, utcnow
from vez.money import MoneyError, parse_kopiykas

NUMBER_LENGTH = 9
LONGEST_INPUT = 64  # anything longer is refused unread
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class IdentificationOutcome(str, enum.Enum):
    ok = "ok"
    not_found = "not_found"
    mismatch = "mismatch"  # wrong amount (or wrong surname / meter number)
    surname_needed = "surname_needed"  # a recent last payment: the holder's surname too (nothing was checked)
    registered = "registered"  # held by an activated login
    locked = "locked"  # too many wrong answers for this account today
    throttled = "throttled"  # too many failures from this address
    own = "own"  # already in the current login's cabinet (adding an account)


@dataclass
class Identification:
    outcome: IdentificationOutcome
    account: PersonalAccount | None = None
    asked_surname: bool = False  # the answer was the amount together with the surname


# ---- parsing: plain values in, a value or a problem code out ------------------------------------


def parse_number(raw: str | None, service: Service | None) -> tuple[str | None, str | None]:
    """(the 9-digit number, None) or (None, problem): symbols, length, first_digit."""
    text = (raw or "")[: LONGEST_INPUT + 1]
    if len(text) > LONGEST_INPUT:
        return None, "length"
    compact = re.sub(r"\s+", "", text)
    if not compact:
        return None, "empty"
    if not _DIGITS.fullmatch(compact):
        return None, "symbols"
    if len(compact) != NUMBER_LENGTH:
        return None, "length"
    if service is not None and compact[0] not in service.first_digits:
        return None, "first_digit"
    return compact, None


def parse_amount(raw: str | None) -> tuple[int | None, str | None]:
    """Hryvnias as typed or as we print them (`500`, `500,00`, `1 321,92 ₴`) to kopiykas, never through a float."""
    try:
        kopiykas = parse_kopiykas((raw or "")[: LONGEST_INPUT + 1].strip())
    except MoneyError as error:
        return None, error.reason
    return (kopiykas, None) if kopiykas > 0 else (None, "zero")


def normalize_meter(raw: str | None) -> str:
    return re.sub(r"[\s\-]+", "", (raw or "")[:LONGEST_INPUT]).casefold()


def normalize_surname(raw: str | None) -> str:
    return re.sub(r"\s+", " ", (raw or "")[:LONGEST_INPUT]).strip().replace("’", "'").replace("`", "'").casefold()


# ---- the identification ----------------------------------------------------------------------------


def record_malformed(ip: str | None, actor_id: int | None = None, **fields) -> None:
    """Input refused before any lookup is a form error: audited, never a failed attempt (docs/security.md B14).

    It looked nothing up and so told nothing about any account; counting it would lock a consumer out for
    pasting `1 321,92 ₴` in a way the form did not know.
    """
    audit.record("identify.malformed", actor_id=actor_id, ip=ip, **fields)


def identify(
    subdivision_id: int,
    number: str,
    *,
    amount: int | None = None,
    surname: str | None = None,
    meter: str | None = None,
    ip: str | None,
    actor_id: int | None = None,
) -> Identification:
    """Check one answer. `amount` (kopiykas) or, when no payment was ever made, `surname` and `meter`.

    Writes the failure and the audit event into the session; the caller commits.
    """
    ip = ip or ""
    data = {"number": number, "mode": "amount" if amount is not None else "no_payments"}
    if actor_id is not None:
        data["actor"] = actor_id
    attempt = limits.IdentificationAttempt.take(ip)
    if attempt is None:
        audit.record("identify.throttled", actor_id=actor_id, ip=ip, **data)
        return Identification(IdentificationOutcome.throttled)
    account = db.session.scalar(
        select(PersonalAccount).where(
            PersonalAccount.number == number, PersonalAccount.subdivision_id == subdivision_id
        )
    )
    if account is None:
        attempt.fail(IdentificationOutcome.not_found.value)
        audit.record("identify.not_found", ip=ip, target=None, **data)
        return Identification(IdentificationOutcome.not_found)
    if not attempt.take_account(account.id):
        attempt.fail(IdentificationOutcome.locked.value)
        audit.record("identify.locked", actor_id=actor_id, ip=ip, target=account, **data)
        return Identification(IdentificationOutcome.locked, account)
    last = last_payment(account.id)
    asked_surname = amount is not None and last is not None and recent_payment(last)
    if asked_surname and not normalize_surname(surname):
        # Nothing is compared (the amount alone is never confirmed); it counts against the address only.
        attempt.fail(IdentificationOutcome.surname_needed.value)
        audit.record("identify.surname_needed", actor_id=actor_id, ip=ip, target=account, **data)
        return Identification(IdentificationOutcome.surname_needed, account)
    checked_surname = surname if amount is None or asked_surname else None  # not asked: not compared
    if not _answer_matches(account, last, amount, checked_surname, meter):
        attempt.fail(IdentificationOutcome.mismatch.value)
        audit.record("identify.mismatch", ip=ip, target=account, surname=asked_surname, **data)
        return Identification(IdentificationOutcome.mismatch, account, asked_surname)
    attempt.refund()  # a right answer counts against nothing
    holder = db.session.scalar(
        select(User).join(UserAccount, UserAccount.user_id == User.id).where(UserAccount.account_id == account.id)
    )
    if holder is not None and actor_id is not None and holder.id == actor_id:
        audit.record("identify.own", actor_id=actor_id, ip=ip, target=account, **data)
        return Identification(IdentificationOutcome.own, account)
    if holder is not None and holder.activated_at is not None:
        audit.record("identify.registered", actor_id=actor_id, ip=ip, target=account, **data)
        return Identification(IdentificationOutcome.registered, account)
    audit.record("identify.ok", actor_id=actor_id, ip=ip, target=account, **data)
    return Identification(IdentificationOutcome.ok, account)


def recent_payment(payment: Payment) -> bool:
    """Paid or recorded within IDENTIFY_RECENT_PAYMENT_DAYS: it may be a payment someone else chose."""
    since = utcnow() - timedelta(days=current_app.config["IDENTIFY_RECENT_PAYMENT_DAYS"])
    return payment.paid_at > since or (payment.created_at is not None and payment.created_at > since)


def _same_surname(typed: str | None, account: PersonalAccount) -> bool:
    return bool(normalize_surname(typed)) and normalize_surname(typed) == normalize_surname(account.holder_surname)


def _answer_matches(
    account: PersonalAccount, last: Payment | None, amount: int | None, surname: str | None, meter: str | None
) -> bool:
    """With an amount, `surname` is given only when a recent payment asks for it, and must match then."""
    if amount is not None:
        return last is not None and last.amount == amount and (surname is None or _same_surname(surname, account))
    # "No payments yet": only for an account that really has none, and only with both bill details.
    if last is not None or not surname or not meter or not account.meter_number:
        return False
    return _same_surname(surname, account) and normalize_meter(meter) == normalize_meter(account.meter_number)


def subdivisions() -> list[Subdivision]:
    """Electricity branches first (in their order), then natural gas."""
    return list(
        db.session.scalars(
            select(Subdivision).order_by(
                (Subdivision.service == Service.gas).asc(), Subdivision.sort_order, Subdivision.id
            )
        )
    )
