"""Every attempt limit of identity behind one small interface: `take` decides and counts in one call.

    if not LOGIN_PER_ADDRESS.take(ip):   # over the limit: refused, nothing counted
        ...
    ... the expensive check ...
    LOGIN_PER_ADDRESS.refund(ip)         # it succeeded: only failures count (docs/security.md A)

Race-free (docs/security.md, "Race-free limits"): every limit is one row of `limit_counters` per (limit, key)
holding the moments of the attempts inside its moving window. `take` locks the row (an upsert: PostgreSQL's
row lock, SQLite's one writer), counts, appends and commits on a connection of its own, so parallel requests in
any worker or host are decided one after the other, and the request's own rollback undoes nothing. Callers
take before their first write (see `_own_transaction`); `refund` and `reset` commit on their own too.

- logins, the second factor, the profile's current password, recovery requests, letters (`LetterLimit`) and
  identification (per address and per account: `IdentificationAttempt`); the rows of
  `identification_failures` stay as the audit trail, the alarm counter and what staff see.
- Per-address limits key an IPv6 address on its /64 (`address_key`).
- `claim_totp_step`: a TOTP code's time step is used at most once (a compare-and-set).
"""

from __future__ import annotations

import ipaddress
import math
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.attributes import set_committed_value

from vez import audit
from vez.extensions import db
from vez.models import IdentificationFailure, Letter, LimitCounter, User, utcnow


def address_key(ip: str | None) -> str:
    """The key of a per-address limit: an IPv4 address whole, an IPv6 address by its /64 (one subscriber's
    prefix gives it 2**64 addresses), an IPv4-mapped IPv6 address as the IPv4 address; anything else as given."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return (ip or "")[:255]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


SWEEP_CHANCE = 1 / 256  # how often a `take` also deletes the counters that expired


# ---- the one mechanism: a counter row per (limit, key) -------------------------------------------------


@contextmanager
def _own_transaction() -> Iterator[Connection]:
    """A short transaction of its own, committed at the end: the count is seen at once by every worker.

    SQLite has one writer: when this request's session already holds the write lock (it wrote before taking),
    another connection would wait for it forever (until the busy timeout), so the count joins the session's
    transaction instead; no other writer can come between until it commits. An in-memory SQLite database is
    one connection, so it always joins the session.
    """
    engine = db.engine
    if engine.dialect.name == "sqlite":
        session = db.session()
        memory = engine.url.database in (None, "", ":memory:")
        writing = False
        if not memory and session.in_transaction():
            dbapi = session.connection().connection.dbapi_connection
            writing = bool(getattr(dbapi, "in_transaction", False))
        if memory or writing:
            yield session.connection()
            return
    with engine.begin() as conn:
        yield conn


def _upsert(conn: Connection, name: str, key: str):
    """Create the row or lock it as it is (a no-op update): the lock is held until the transaction ends."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(LimitCounter).values(name=name, key=key, hits="", expires_at=utcnow())
    return statement.on_conflict_do_update(
        index_elements=[LimitCounter.name, LimitCounter.key], set_={"name": statement.excluded.name}
    )


def _moments(hits: str | None) -> list[float]:
    return [float(part) for part in (hits or "").split()]


def _row(name: str, key: str):
    return (LimitCounter.name == name) & (LimitCounter.key == key)


@dataclass(frozen=True)
class Limit:
    """A named limit from the configuration, e.g. Limit("login", "LOGIN_LIMIT_PER_LOGIN").

    `per_address`: the key is a client address, counted by `address_key` (an IPv6 /64).
    """

    name: str
    config_key: str
    per_address: bool = False

    @property
    def item(self) -> RateLimitItem:
        return parse(current_app.config[self.config_key])

    def _key(self, key: str | None) -> str:
        return address_key(key) if self.per_address else (key or "")[:255]

    def take(self, key: str | None) -> bool:
        """Count one attempt if the limit allows it: True counted, False over the limit (nothing counted)."""
        with _own_transaction() as conn:
            allowed = self._take_in(conn, self._key(key), time.time())
        if random.random() < SWEEP_CHANCE:
            sweep()
        return allowed

    def refund(self, key: str | None) -> None:
        """Give back the newest attempt taken (it succeeded, or another limit refused the request)."""
        with _own_transaction() as conn:
            self._refund_in(conn, self._key(key))

    def _take_in(self, conn: Connection, key: str, now: float) -> bool:
        item = self.item
        window = item.get_expiry()
        conn.execute(_upsert(conn, self.name, key))
        hits = conn.scalar(select(LimitCounter.hits).where(_row(self.name, key)))
        moments = [moment for moment in _moments(hits) if moment > now - window]
        allowed = len(moments) < item.amount
        if allowed:
            moments.append(now)
        expires = datetime.fromtimestamp((moments[-1] if moments else now) + window, UTC).replace(tzinfo=None)
        conn.execute(
            update(LimitCounter)
            .where(_row(self.name, key))
            .values(hits=" ".join(f"{moment:.3f}" for moment in moments), expires_at=expires)
        )
        return allowed

    def _refund_in(self, conn: Connection, key: str) -> None:
        conn.execute(_upsert(conn, self.name, key))
        moments = _moments(conn.scalar(select(LimitCounter.hits).where(_row(self.name, key))))
        if moments:
            conn.execute(
                update(LimitCounter)
                .where(_row(self.name, key))
                .values(hits=" ".join(f"{moment:.3f}" for moment in moments[:-1]))
            )

    def reset(self, key: str | None) -> None:
        key = self._key(key)
        with _own_transaction() as conn:
            conn.execute(delete(LimitCounter).where(_row(self.name, key)))

    def count(self, key: str | None) -> int:
        """Attempts inside the window now (for display; deciding is `take`'s)."""
        key, window = self._key(key), self.item.get_expiry()
        hits = db.session.scalar(select(LimitCounter.hits).where(_row(self.name, key)))
        return sum(1 for moment in _moments(hits) if moment > time.time() - window)

    def retry_after(self, key: str | None) -> int:
        """Whole seconds until `take` may count again for this key (the oldest attempt leaves the window); 0 now."""
        key, item, now = self._key(key), self.item, time.time()
        hits = db.session.scalar(select(LimitCounter.hits).where(_row(self.name, key)))
        inside = [moment for moment in _moments(hits) if moment > now - item.get_expiry()]
        if len(inside) < item.amount:
            return 0
        return max(1, math.ceil(inside[-item.amount] + item.get_expiry() - now))

    def keys_over(self) -> list[str]:
        """Keys that `take` refuses now."""
        item, now = self.item, time.time()
        rows = db.session.execute(
            select(LimitCounter.key, LimitCounter.hits).where(
                LimitCounter.name == self.name, LimitCounter.expires_at > utcnow()
            )
        ).all()
        return [
            key
            for key, hits in rows
            if sum(1 for moment in _moments(hits) if moment > now - item.get_expiry()) >= item.amount
        ]


def _in_lock_order(limits) -> list[tuple[Limit, str]]:
    """(limit, normalized key) sorted, so two requests lock the same rows in the same order (no deadlock)."""
    return sorted(((limit, limit._key(key)) for limit, key in limits), key=lambda pair: (pair[0].name, pair[1]))


def take_all(*limits: tuple[Limit, str]) -> bool:
    """Take from each (limit, key) in one transaction; when one refuses, the ones already taken are given back."""
    now, taken = time.time(), []
    with _own_transaction() as conn:
        for limit, key in _in_lock_order(limits):
            if not limit._take_in(conn, key, now):
                for done, done_key in taken:
                    done._refund_in(conn, done_key)
                return False
            taken.append((limit, key))
    if random.random() < SWEEP_CHANCE:
        sweep()
    return True


def refund_all(*limits: tuple[Limit, str]) -> None:
    """Give back one attempt of each (limit, key), in one transaction."""
    with _own_transaction() as conn:
        for limit, key in _in_lock_order(limits):
            limit._refund_in(conn, key)


def sweep() -> int:
    """Delete the counters whose every attempt has left its window; `take` calls it now and then."""
    try:
        with _own_transaction() as conn:
            return conn.execute(delete(LimitCounter).where(LimitCounter.expires_at < utcnow())).rowcount
    except DBAPIError:  # another sweep at the same moment: the next one will do
        return 0


LOGIN_PER_LOGIN = Limit("login", "LOGIN_LIMIT_PER_LOGIN")
LOGIN_PER_ADDRESS = Limit("login-address", "LOGIN_LIMIT_PER_ADDRESS", per_address=True)
TOTP_PER_LOGIN = Limit("totp", "TOTP_LIMIT")
PROFILE_PASSWORD = Limit("profile-password", "LOGIN_LIMIT_PER_LOGIN")
RECOVERY_PER_EMAIL = Limit("recovery-email", "RECOVERY_LIMIT_PER_EMAIL")
RECOVERY_PER_ADDRESS = Limit("recovery-address", "RECOVERY_LIMIT_PER_ADDRESS", per_address=True)
IDENTIFY_PER_ADDRESS = Limit("identify-address", "IDENTIFY_LIMIT_PER_ADDRESS", per_address=True)
IDENTIFY_PER_ACCOUNT = Limit("identify-account", "IDENTIFY_LIMIT_PER_ACCOUNT")
STEP2_PER_IDENTIFICATION = Limit("step2-identification", "REGISTRATION_CHECK_LIMIT_PER_IDENTIFICATION")
STEP2_PER_SESSION = Limit("step2-session", "REGISTRATION_CHECK_LIMIT_PER_SESSION")
STEP2_PER_ADDRESS = Limit("step2-address", "REGISTRATION_CHECK_LIMIT_PER_ADDRESS", per_address=True)
LETTERS_PER_LOGIN = Limit("letters-login", "LETTER_LIMIT_PER_LOGIN")
LETTERS_PER_RECIPIENT = Limit("letters-recipient", "LETTER_LIMIT_PER_RECIPIENT")
LETTERS_PER_ADDRESS = Limit("letters-address", "LETTER_LIMIT_PER_ADDRESS", per_address=True)
# "Pay" on a one-tap pay link (no login to count by): presses per address (docs/payments.md, "One-tap pay links").
INVITATIONS_PER_COMPANY = Limit("company-invitations", "INVITATION_LIMIT_PER_COMPANY")
PAY_LINK_PER_ADDRESS = Limit("pay-link-address", "PAY_LINK_LIMIT_PER_ADDRESS", per_address=True)
# Every request of one personal access token, 304s too (docs/api.md, "Limits"): keyed by the token's id.
API_PER_TOKEN = Limit("api-token", "API_LIMIT_PER_TOKEN")


# ---- the second factor: each time step once -------------------------------------------------------------


def claim_totp_step(user: User, step: int) -> bool:
    """Mark `step` as the login's newest used TOTP step; False when it (or a later one) was used already.

    One compare-and-set committed on its own: of parallel requests with the same code exactly one gets True.
    """
    with _own_transaction() as conn:
        claimed = conn.execute(
            update(User)
            .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
            .values(totp_last_step=step)
        ).rowcount
    if claimed == 1:
        set_committed_value(user, "totp_last_step", step)  # the session knows it without writing it again
    return claimed == 1


# ---- identification: per address and per account, failures kept as rows --------------------------------

MISMATCH = "mismatch"  # a wrong answer: the only reason that locks the account


class IdentificationAttempt:
    """One identification against the per-address and per-account limits.

    `take(ip)` decides and counts against the address; `take_account` against the account; `fail(reason)`
    keeps what was taken and writes the failure row (the audit trail); `refund()` gives everything back (a
    right answer counts nothing).
    """

    def __init__(self, ip: str):
        self.ip = ip
        self.key: str | None = None  # the per-account limit's key taken (an account's id, `contract_key`)
        self.failure: dict[str, int] = {}  # the failure row's column naming it: account_id or contract_id

    @property
    def account_id(self) -> int | None:
        return self.failure.get("account_id")

    @classmethod
    def take(cls, ip: str) -> IdentificationAttempt | None:
        """None when this address is over IDENTIFY_LIMIT_PER_ADDRESS (failures of any kind, nothing counted)."""
        return cls(ip) if IDENTIFY_PER_ADDRESS.take(ip) else None

    def take_account(self, account_id: int) -> bool:
        """False when the account has IDENTIFY_LIMIT_PER_ACCOUNT wrong answers (it is locked today)."""
        return self.take_subject(str(account_id), account_id=account_id)

    def take_contract(self, contract_id: int) -> bool:
        """The same for a company's contract (the same setting, keyed `contract_key`)."""
        return self.take_subject(contract_key(contract_id), contract_id=contract_id)

    def take_subject(self, key: str, **failure: int) -> bool:
        if not IDENTIFY_PER_ACCOUNT.take(key):
            return False
        self.key, self.failure = key, failure
        return True

    def fail(self, reason: str) -> None:
        """Settle as a failure; only a wrong answer stays charged to the account (or contract)."""
        if reason != MISMATCH and self.key is not None:
            IDENTIFY_PER_ACCOUNT.refund(self.key)
            self.key, self.failure = None, {}
        db.session.add(IdentificationFailure(ip=self.ip, reason=reason, **self.failure))

    def refund(self) -> None:
        if self.key is not None:
            IDENTIFY_PER_ACCOUNT.refund(self.key)
        IDENTIFY_PER_ADDRESS.refund(self.ip)


def account_failures(account_id: int) -> int:
    return IDENTIFY_PER_ACCOUNT.count(str(account_id))


def account_locked(account_id: int) -> bool:
    return account_failures(account_id) >= IDENTIFY_PER_ACCOUNT.item.amount


def recent_failures(hours: int = 1) -> int:
    """The global alarm counter: failed identifications in the last `hours`, every account and address."""
    return (
        db.session.scalar(
            select(func.count(IdentificationFailure.id)).where(
                IdentificationFailure.at > utcnow() - timedelta(hours=hours)
            )
        )
        or 0
    )


def locked_account_ids() -> list[int]:
    """Accounts whose identification is refused now (for the admin panel)."""
    return sorted(int(key) for key in IDENTIFY_PER_ACCOUNT.keys_over() if key.isdigit())  # not "contract:<id>"


def _unlock(key: str, column, subject_id: int, target_type: str, *, actor_id, ip, **data) -> int:
    """Staff unlock of one subject's identification: its wrong answers stop counting (the counter reset, the
    failure rows marked cleared); audited. How many were cleared."""
    cleared = IDENTIFY_PER_ACCOUNT.count(key)
    IDENTIFY_PER_ACCOUNT.reset(key)  # before the session writes (see `_own_transaction`)
    db.session.execute(
        update(IdentificationFailure)
        .where(column == subject_id, IdentificationFailure.cleared_at.is_(None))
        .values(cleared_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "identify.unlocked",
        actor_id=actor_id,
        ip=ip,
        target_type=target_type,
        target_id=subject_id,
        cleared=cleared,
        **data,
    )
    return cleared


def unlock_account(account_id: int, *, actor_id: int | None = None, ip: str | None = None) -> int:
    """Staff unlock of a personal account; how many wrong answers were cleared."""
    column = IdentificationFailure.account_id
    return _unlock(str(account_id), column, account_id, "personal_accounts", actor_id=actor_id, ip=ip)


# ---- a company's contract: the same limit as a personal account, keyed "contract:<id>" ---------------------


def contract_key(contract_id: int) -> str:
    """The per-account limit's key of a contract (the business identification counts wrong answers per contract
    as the household one does per account, with the same setting)."""
    return f"contract:{contract_id}"


def contract_failures(contract_id: int) -> int:
    return IDENTIFY_PER_ACCOUNT.count(contract_key(contract_id))


def contract_locked(contract_id: int) -> bool:
    return contract_failures(contract_id) >= IDENTIFY_PER_ACCOUNT.item.amount


def locked_contract_ids() -> list[int]:
    """Contracts whose identification is refused now (for the admin panel)."""
    prefix = contract_key(0)[:-1]
    return sorted(int(key[len(prefix) :]) for key in IDENTIFY_PER_ACCOUNT.keys_over() if key.startswith(prefix))


def unlock_contract(
    contract_id: int, *, actor_id: int | None = None, ip: str | None = None, company_id: int | None = None, **data
) -> int:
    """Staff unlock of a company's identification (in the company's own audit list when `company_id` is given;
    `data`, e.g. the staff's reason, goes with the event); how many wrong answers were cleared."""
    column = IdentificationFailure.contract_id
    key = contract_key(contract_id)
    return _unlock(key, column, contract_id, "contracts", actor_id=actor_id, ip=ip, company_id=company_id, **data)


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
        """True when one more letter may go; the caller queues it in the same transaction.

        The outbox's count sees the letters of every path (staff's too); the counter makes parallel requests
        wait their turn, so they cannot all see the same count (docs/security.md, "Race-free limits").
        """
        return self.left(user_id) > 0 and Limit(f"letter-{self.kind}", self.config_key).take(str(user_id))
