"""Checking a login and password, with limits that count failures only (docs/security.md A).

`authenticate` changes the session (audit events, a rehash) and returns a `Login`; it never commits: the
view does (docs/architecture.md, "Who commits").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from vez import audit
from vez.extensions import db
from vez.identity.limits import LOGIN_PER_ADDRESS, LOGIN_PER_LOGIN, refund_all, take_all
from vez.identity.logins import login_key
from vez.identity.passwords import verify_password
from vez.models import User

# Longer than any stored password can be: refused without spending a hash on it.
LONGEST_CHECKED = 1024


class LoginOutcome(str, enum.Enum):
    ok = "ok"
    bad_credentials = "bad_credentials"
    throttled = "throttled"
    not_activated = "not_activated"
    locked = "locked"


@dataclass
class Login:
    outcome: LoginOutcome
    user: User | None = None


def find_user(login: str) -> User | None:
    """The login with exactly this key (NFKC, casefold), never a look-alike: `аdmin` does not find `admin`
    (docs/security.md, "Logins and look-alikes"). A login registered before the rule whose NFKC key another
    login holds kept its old key (migration 0004): the text as typed, case-folded, finds it first."""
    typed = login.strip()[:200]
    keys = {typed.casefold(), login_key(typed)}
    found = {user.login_key: user for user in db.session.scalars(select(User).where(User.login_key.in_(keys)))}
    return found.get(typed.casefold()) or found.get(login_key(typed))


def authenticate(login: str, password: str, ip: str | None) -> Login:
    key = login_key(login[:200])[:200]
    limits = ((LOGIN_PER_LOGIN, key), (LOGIN_PER_ADDRESS, ip or ""))
    if not take_all(*limits):
        audit.record("login.throttled", ip=ip, login=key[:40])
        return Login(LoginOutcome.throttled)
    user = find_user(login)
    if len(password) > LONGEST_CHECKED:
        matches, new_hash = False, None
    else:
        matches, new_hash = verify_password(user.password_hash if user else None, password)
    if not matches:
        audit.record("login.failed", ip=ip, target=user, login=key[:40])
        return Login(LoginOutcome.bad_credentials)
    refund_all(*limits)  # only failures count
    assert user is not None
    if new_hash:
        user.password_hash = new_hash
    if user.activated_at is None:
        outcome = LoginOutcome.not_activated
    elif user.locked_at is not None:
        outcome = LoginOutcome.locked
    else:
        outcome = LoginOutcome.ok
    # A staff password is only half a login: login.ok comes after the code (vez.identity.totp.finish).
    half = outcome is LoginOutcome.ok and user.is_staff
    audit.record("login.password_ok" if half else f"login.{outcome.value}", actor_id=user.id, ip=ip, target=user)
    return Login(outcome, user)
