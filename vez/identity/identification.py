"""Identification of a consumer by a personal account and its last payment (or surname and meter).

A recent last payment does not identify alone: anyone can pay 1.00 to any account at a bank, so the holder's
surname is asked too (docs/security.md, "Recent payments"). The last payment carries only a few bits of
entropy, so guessing is limited per account and per address,
counted in the database (`vez.identity.limits`), audited, and every outcome takes the same time (docs/security.md B,
`vez.identity.timing`). Used by registration's step 1, the cabinet's add-account and the admin's unlock.

The mechanism (`check`) is generic over its `Subject`: a household's personal account here, a company's
contract in `vez.companies.identification` (docs/companies.md, "Registration").
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
    eic_needed = "eic_needed"  # a contract's recent last payment: the EIC of one of its points too
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


class Subject:
    """What the identity core asks of the thing identified by its last payment: a household's personal account
    (`AccountSubject`) or a company's contract (`vez.companies.identification.ContractSubject`).

    The core (`check`) owns the order and the bookkeeping (throttle per address, lock per subject, the failure
    rows, the audit events); a subject says only how it is counted, what its last payment is, which second
    answer a recent payment asks for, and whether the answer matches.
    """

    second_needed: IdentificationOutcome = IdentificationOutcome.surname_needed  # a recent payment's question
    second_key = "surname"  # the mismatch event's flag: the second answer was asked

    def __init__(self, row):
        self.row = row

    @property
    def audit(self) -> dict:
        """Fields of every audit event about it (its target; a company's events carry company_id)."""
        return {"target": self.row}

    def take(self, attempt: limits.IdentificationAttempt) -> bool:
        raise NotImplementedError

    def last_payment(self):
        raise NotImplementedError

    def second_given(self, answer: Answer) -> bool:
        raise NotImplementedError

    def matches(self, last, answer: Answer, asked_second: bool) -> bool:
        raise NotImplementedError

    def holder(self, actor_id: int | None) -> IdentificationOutcome | None:
        """`own` or `registered` when the right answer cannot register it again, else None."""
        raise NotImplementedError


@dataclass
class Answer:
    """One answer: the last payment's `amount` (kopiykas) and maybe a `second` answer (a household's surname,
    a contract's point EIC); or, when no payment was ever made (`amount` None), `second` and `meter`."""

    amount: int | None
    second: str | None = None
    meter: str | None = None


def check(find, answer: Answer, *, ip: str | None, actor_id: int | None, data: dict, scope: dict | None = None):
    """The identity core: one answer against the subject `find()` returns (None: not found).

    Throttled per address before anything is looked up; a subject with too many wrong answers is locked even
    for the right one; a recent last payment is never confirmed alone (the subject's second answer, nothing
    compared without it); only a wrong answer counts against the subject; every outcome is audited (`data`
    and `scope` in every event). Writes into the session; the caller commits and pads the answer time
    (`vez.identity.timing`). Returns (outcome, subject or None, asked_second)."""
    ip = ip or ""
    extra = dict(scope or {})
    if actor_id is not None:
        data = {**data, "actor": actor_id}
    attempt = limits.IdentificationAttempt.take(ip)
    if attempt is None:
        _audit("throttled", actor_id=actor_id, ip=ip, **extra, **data)
        return IdentificationOutcome.throttled, None, False
    subject = find()
    if subject is None:
        attempt.fail(IdentificationOutcome.not_found.value)
        _audit("not_found", ip=ip, target=None, **extra, **data)
        return IdentificationOutcome.not_found, None, False
    fields = {**subject.audit, **extra, **data}
    if not subject.take(attempt):
        attempt.fail(IdentificationOutcome.locked.value)
        _audit("locked", actor_id=actor_id, ip=ip, **fields)
        return IdentificationOutcome.locked, subject, False
    last = subject.last_payment()
    asked_second = answer.amount is not None and last is not None and recent_payment(last)
    if asked_second and not subject.second_given(answer):
        # Nothing is compared (the amount alone is never confirmed); it counts against the address only.
        attempt.fail(subject.second_needed.value)
        _audit(subject.second_needed.value, actor_id=actor_id, ip=ip, **fields)
        return subject.second_needed, subject, False
    if not subject.matches(last, answer, asked_second):
        attempt.fail(IdentificationOutcome.mismatch.value)
        _audit("mismatch", ip=ip, **fields, **{subject.second_key: asked_second})
        return IdentificationOutcome.mismatch, subject, asked_second
    attempt.refund()  # a right answer counts against nothing
    outcome = subject.holder(actor_id) or IdentificationOutcome.ok
    _audit(outcome.value, actor_id=actor_id, ip=ip, **fields)
    return outcome, subject, False


def _audit(outcome: str, **fields) -> None:
    audit.record(f"identify.{outcome}", **fields)


class AccountSubject(Subject):
    """A household's personal account: a recent payment asks for the holder's surname."""

    def take(self, attempt):
        return attempt.take_account(self.row.id)

    def last_payment(self):
        return last_payment(self.row.id)

    def second_given(self, answer):
        return bool(normalize_surname(answer.second))

    def matches(self, last, answer, asked_second):
        surname = answer.second if answer.amount is None or asked_second else None  # not asked: not compared
        return _answer_matches(self.row, last, answer.amount, surname, answer.meter)

    def holder(self, actor_id):
        holder = db.session.scalar(
            select(User).join(UserAccount, UserAccount.user_id == User.id).where(UserAccount.account_id == self.row.id)
        )
        if holder is not None and actor_id is not None and holder.id == actor_id:
            return IdentificationOutcome.own
        if holder is not None and holder.activated_at is not None:
            return IdentificationOutcome.registered
        return None


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

    def find():
        account = db.session.scalar(
            select(PersonalAccount).where(
                PersonalAccount.number == number, PersonalAccount.subdivision_id == subdivision_id
            )
        )
        return AccountSubject(account) if account is not None else None

    data = {"number": number, "mode": "amount" if amount is not None else "no_payments"}
    outcome, subject, asked = check(find, Answer(amount, surname, meter), ip=ip, actor_id=actor_id, data=data)
    return Identification(outcome, subject.row if subject else None, asked)


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
