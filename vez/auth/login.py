"""Checking a login and password, with throttling that counts failures only (SECURITY.md A)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from vez import audit
from vez.auth.passwords import verify_password
from vez.extensions import db
from vez.models import User
from vez.throttle import Throttle

PER_LOGIN = Throttle("login", "LOGIN_LIMIT_PER_LOGIN")
PER_ADDRESS = Throttle("login-address", "LOGIN_LIMIT_PER_ADDRESS")
# Longer than any stored password can be: refused without spending a hash on it.
LONGEST_CHECKED = 1024


class Outcome(enum.Enum):
    ok = "ok"
    bad_credentials = "bad_credentials"
    throttled = "throttled"
    not_activated = "not_activated"
    locked = "locked"


@dataclass
class Result:
    outcome: Outcome
    user: User | None = None


def find_user(login: str) -> User | None:
    return db.session.scalar(select(User).where(User.login_key == login.strip().casefold()))


def authenticate(login: str, password: str, ip: str | None) -> Result:
    key = login.strip().casefold()[:200]
    if not (PER_LOGIN.allowed(key) and PER_ADDRESS.allowed(ip or "")):
        audit.record("login.throttled", ip=ip, login=key[:40])
        db.session.commit()
        return Result(Outcome.throttled)
    user = find_user(login)
    if len(password) > LONGEST_CHECKED:
        matches, new_hash = False, None
    else:
        matches, new_hash = verify_password(user.password_hash if user else None, password)
    if not matches:
        PER_LOGIN.hit(key)
        PER_ADDRESS.hit(ip or "")
        audit.record("login.failed", ip=ip, target=user, login=key[:40])
        db.session.commit()
        return Result(Outcome.bad_credentials)
    assert user is not None
    if new_hash:
        user.password_hash = new_hash
    if user.activated_at is None:
        outcome = Outcome.not_activated
    elif user.locked_at is not None:
        outcome = Outcome.locked
    else:
        outcome = Outcome.ok
    audit.record(f"login.{outcome.value}", actor_id=user.id, ip=ip, target=user)
    return Result(outcome, user)
