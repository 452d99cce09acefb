"""Every attempt limit of identity behind one small interface: `take` decides and counts in one call.

    if not LOGIN_PER_ADDRESS.take(ip):   # over the limit: refused, nothing counted
        ...
    ... the expensive check ...
    LOGIN_PER_ADDRESS.refund(ip)         # it succeeded: only failures count (docs/security.md A)

Callers never "test, then work, then hit": the next step (docs/security.md A9) makes each `take` one atomic
step in its storage without touching a caller.

Storage underneath today:
- `Limit`: the rate limiter's storage (memory in development, Redis in production), moving window: logins,
  the second factor, the profile's current password, recovery requests.
- `IdentificationAttempt` (identification, docs/security.md B): rows of `identification_failures`, so staff can
  see and clear them (`locked_account_ids`, `unlock_account`, `recent_failures`).
- `LetterLimit`: the outbox itself counts the letters of one kind sent to a login (the resend limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import func, select, update

from vez import audit
from vez.extensions import db, limiter
from vez.models import IdentificationFailure, Letter, utcnow


@dataclass(frozen=True)
class Limit:
    """A named limit from the configuration, e.g. Limit("login", "LOGIN_LIMIT_PER_LOGIN")."""

    name: str
    config_key: str

    @property
    def item(self) -> RateLimitItem:
        return parse(current_app.config[self.config_key])

    def take(self, key: str) -> bool:
        """Count one attempt if the limit allows it: True counted, False over the limit (nothing counted)."""
        return limiter.limiter.hit(self.item, self.name, key)

    def refund(self, key: str) -> None:
        """Give back the newest attempt taken (it succeeded, or another limit refused the request)."""
        storage = limiter.limiter.storage
        storage_key = self.item.key_for(self.name, key)
        events = getattr(storage, "events", None)
        if isinstance(events, dict):  # memory storage: the newest entry is first
            with storage.locks[storage_key]:
                if events.get(storage_key):
                    events[storage_key].pop(0)
        elif hasattr(storage, "prefixed_key"):  # Redis: the window is a list, newest first
            storage.get_connection().lpop(storage.prefixed_key(storage_key))

    def reset(self, key: str) -> None:
        limiter.limiter.clear(self.item, self.name, key)


def take_all(*limits: tuple[Limit, str]) -> bool:
    """Take from each (limit, key); when one refuses, the ones already taken are given back."""
    taken = []
    for limit, key in limits:
        if not limit.take(key):
            for done, done_key in taken:
                done.refund(done_key)
            return False
        taken.append((limit, key))
    return True


def refund_all(*limits: tuple[Limit, str]) -> None:
    for limit, key in limits:
        limit.refund(key)


LOGIN_PER_LOGIN = Limit("login", "LOGIN_LIMIT_PER_LOGIN")
LOGIN_PER_ADDRESS = Limit("login-address", "LOGIN_LIMIT_PER_ADDRESS")
TOTP_PER_LOGIN = Limit("totp", "TOTP_LIMIT")
PROFILE_PASSWORD = Limit("profile-password", "LOGIN_LIMIT_PER_LOGIN")
RECOVERY_PER_EMAIL = Limit("recovery-email", "RECOVERY_LIMIT_PER_EMAIL")
RECOVERY_PER_ADDRESS = Limit("recovery-address", "RECOVERY_LIMIT_PER_ADDRESS")
STEP2_PER_IDENTIFICATION = Limit("step2-identification", "REGISTRATION_CHECK_LIMIT_PER_IDENTIFICATION")
STEP2_PER_SESSION = Limit("step2-session", "REGISTRATION_CHECK_LIMIT_PER_SESSION")
STEP2_PER_ADDRESS = Limit("step2-address", "REGISTRATION_CHECK_LIMIT_PER_ADDRESS")
LETTERS_PER_LOGIN = Limit("letters-login", "LETTER_LIMIT_PER_LOGIN")
LETTERS_PER_RECIPIENT = Limit("letters-recipient", "LETTER_LIMIT_PER_RECIPIENT")
LETTERS_PER_ADDRESS = Limit("letters-address", "LETTER_LIMIT_PER_ADDRESS")


# ---- identification: counted in the database ----------------------------------------------------------

PENDING = "pending"  # an attempt taken and not yet settled; never committed (settled or refunded first)
MISMATCH = "mismatch"  # a wrong answer: the only reason that locks the account


def _limit(key: str) -> tuple[int, timedelta]:
    item = parse(current_app.config[key])
    return item.amount, timedelta(seconds=item.get_expiry())


class IdentificationAttempt:
    """One identification against the per-address and per-account limits, held as one failure row.

    `take(ip)` decides and counts (the row, reason "pending"); `take_account` charges it to an account;
    `fail(reason)` settles it as a failure, `refund()` removes it (a right answer counts nothing).
    """

    def __init__(self, row: IdentificationFailure):
        self.row = row

    @classmethod
    def take(cls, ip: str) -> IdentificationAttempt | None:
        """None when this address is over IDENTIFY_LIMIT_PER_ADDRESS (failures of any kind, nothing counted)."""
        amount, window = _limit("IDENTIFY_LIMIT_PER_ADDRESS")
        count = (
            db.session.scalar(
                select(func.count(IdentificationFailure.id)).where(
                    IdentificationFailure.ip == ip, IdentificationFailure.at > utcnow() - window
                )
            )
            or 0
        )
        if count >= amount:
            return None
        row = IdentificationFailure(ip=ip, reason=PENDING)
        db.session.add(row)
        db.session.flush()
        return cls(row)

    def take_account(self, account_id: int) -> bool:
        """False when the account has IDENTIFY_LIMIT_PER_ACCOUNT wrong answers (it is locked today)."""
        amount, _ = _limit("IDENTIFY_LIMIT_PER_ACCOUNT")
        if account_failures(account_id) >= amount:
            return False
        self.row.account_id = account_id
        return True

    def fail(self, reason: str) -> None:
        """Settle as a failure; only a wrong answer stays charged to the account."""
        self.row.reason = reason
        if reason != MISMATCH:
            self.row.account_id = None

    def refund(self) -> None:
        db.session.delete(self.row)
        db.session.flush()


def count_identification_failure(ip: str, reason: str) -> None:
    """A failure refused before any lookup (malformed input) still counts against the address."""
    db.session.add(IdentificationFailure(ip=ip, reason=reason))


def account_failures(account_id: int) -> int:
    _, window = _limit("IDENTIFY_LIMIT_PER_ACCOUNT")
    return (
        db.session.scalar(
            select(func.count(IdentificationFailure.id)).where(
                IdentificationFailure.account_id == account_id,
                IdentificationFailure.reason.in_((MISMATCH, PENDING)),
                IdentificationFailure.cleared_at.is_(None),
                IdentificationFailure.at > utcnow() - window,
            )
        )
        or 0
    )


def account_locked(account_id: int) -> bool:
    amount, _ = _limit("IDENTIFY_LIMIT_PER_ACCOUNT")
    return account_failures(account_id) >= amount


def recent_failures(hours: int = 1) -> int:
    """The global alarm counter: failed identifications in the last `hours`, every account and address."""
    return (
        db.session.scalar(
            select(func.count(IdentificationFailure.id)).where(
                IdentificationFailure.at > utcnow() - timedelta(hours=hours),
                IdentificationFailure.reason != PENDING,
            )
        )
        or 0
    )


def locked_account_ids() -> list[int]:
    """Accounts whose identification is refused now (for the admin panel)."""
    amount, window = _limit("IDENTIFY_LIMIT_PER_ACCOUNT")
    rows = db.session.execute(
        select(IdentificationFailure.account_id, func.count(IdentificationFailure.id))
        .where(
            IdentificationFailure.account_id.is_not(None),
            IdentificationFailure.reason == MISMATCH,
            IdentificationFailure.cleared_at.is_(None),
            IdentificationFailure.at > utcnow() - window,
        )
        .group_by(IdentificationFailure.account_id)
    ).all()
    return sorted(account_id for account_id, count in rows if count >= amount)


def unlock_account(account_id: int, *, actor_id: int | None = None, ip: str | None = None) -> int:
    """Staff unlock: the account's wrong answers stop counting. Returns how many were cleared; audited."""
    cleared = db.session.execute(
        update(IdentificationFailure)
        .where(IdentificationFailure.account_id == account_id, IdentificationFailure.cleared_at.is_(None))
        .values(cleared_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(
        "identify.unlocked",
        actor_id=actor_id,
        ip=ip,
        target_type="personal_accounts",
        target_id=account_id,
        cleared=cleared,
    )
    return cleared


# ---- letters: counted in the outbox ---------------------------------------------------------------------


@dataclass(frozen=True)
class LetterLimit:
    """At most `config_key` letters of `kind` to one login; the queued letter itself is the count."""

    kind: str
    config_key: str

    def left(self, user_id: int) -> int:
        item = parse(current_app.config[self.config_key])
        since = utcnow() - timedelta(seconds=item.get_expiry())
        sent = (
            db.session.scalar(
                select(func.count(Letter.id)).where(
                    Letter.user_id == user_id, Letter.kind == self.kind, Letter.created_at > since
                )
            )
            or 0
        )
        return max(0, item.amount - sent)

    def take(self, user_id: int) -> bool:
        """True when one more letter may go; the caller queues it in the same transaction."""
        return self.left(user_id) > 0
