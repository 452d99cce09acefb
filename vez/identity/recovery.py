"""Password and login recovery. Every request answers the same whether anything matched (docs/security.md C)."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vez import audit
from vez.extensions import db
from vez.identity import tokens
from vez.identity.limits import RECOVERY_PER_ADDRESS, RECOVERY_PER_EMAIL, take_all
from vez.identity.logins import normalize_text
from vez.identity.passwords import hash_password
from vez.identity.sessions import end_all_sessions
from vez.mail import queue_letter
from vez.models import ResetRequest, User, utcnow


def take_request(email: str, ip: str | None) -> bool:
    """Counts this request (matched or not) against the email and the address; False once either is full."""
    key = email.strip().casefold()[:254]
    return take_all((RECOVERY_PER_EMAIL, key), (RECOVERY_PER_ADDRESS, ip or ""))


def _recoverable(user: User | None) -> bool:
    return user is not None and user.activated_at is not None and user.locked_at is None


def request_password_reset(login: str, email: str, *, ip: str | None) -> bool:
    """Queue a reset link when the login (exactly) and the email both match; True when a letter was queued."""
    user = db.session.scalar(select(User).where(User.email_key == email.strip().casefold()))
    # Exactly the login, case too, once NFKC-normalized as registration stores it (vez.identity.logins).
    typed = normalize_text(login)
    matched = _recoverable(user) and secrets.compare_digest(user.login.encode(), typed.encode())
    if not matched:
        audit.record("recovery.password_unmatched", ip=ip, login=login.strip()[:40])
        return False
    request = ResetRequest(user_id=user.id)
    db.session.add(request)
    db.session.flush()
    token = tokens.make(tokens.RESET, {"r": request.id, "f": _reset_fingerprint(user)})
    queue_letter(
        "reset",
        to=user.email,
        subject=_l("Password recovery"),
        template="reset",
        language=user.language,
        user_id=user.id,
        user=user,
        token=token,
    )
    audit.record("recovery.password_sent", ip=ip, target=user)
    return True


def request_login_reminder(email: str, *, ip: str | None) -> bool:
    user = db.session.scalar(select(User).where(User.email_key == email.strip().casefold()))
    if not _recoverable(user):
        audit.record("recovery.login_unmatched", ip=ip)
        return False
    queue_letter(
        "login_reminder",
        to=user.email,
        subject=_l("Login recovery"),
        template="login_reminder",
        language=user.language,
        user_id=user.id,
        user=user,
    )
    audit.record("recovery.login_sent", ip=ip, target=user)
    return True


def _reset_fingerprint(user: User) -> str:
    return tokens.fingerprint(user.id, user.password_hash, user.session_version)


class ResetState(str, enum.Enum):
    ready = "ready"
    expired = "expired"
    used = "used"  # used, superseded by a newer link, or the password changed meanwhile
    damaged = "damaged"


@dataclass
class Reset:
    state: ResetState
    user: User | None = None
    request: ResetRequest | None = None


def check_reset(token: str) -> Reset:
    try:
        payload = tokens.read(tokens.RESET, token)
    except tokens.TokenProblem as problem:
        return Reset(ResetState.expired if problem.kind == "expired" else ResetState.damaged)
    request = db.session.get(ResetRequest, payload.get("r")) if isinstance(payload.get("r"), int) else None
    if request is None:
        return Reset(ResetState.damaged)
    user = db.session.get(User, request.user_id)
    newest = db.session.scalar(
        select(ResetRequest.id).where(ResetRequest.user_id == request.user_id).order_by(ResetRequest.id.desc()).limit(1)
    )
    if (
        user is None
        or request.used_at is not None
        or newest != request.id
        or not secrets.compare_digest(str(payload.get("f", "")), _reset_fingerprint(user))
    ):
        return Reset(ResetState.used, user)
    return Reset(ResetState.ready, user, request)


def reset_password(token: str, new_password: str, *, ip: str | None) -> Reset:
    """Set the new password, end every session of the login, send a notice; the caller commits."""
    result = check_reset(token)
    if result.state is not ResetState.ready:
        audit.record(f"recovery.reset_{result.state.value}", ip=ip, target=result.user)
        return result
    user = result.user
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    result.request.used_at = utcnow()
    audit.record("recovery.password_changed", actor_id=user.id, ip=ip, target=user)
    queue_letter(
        "password_changed",
        to=user.email,
        subject=_l("Your password was changed"),
        template="password_changed",
        language=user.language,
        user_id=user.id,
        user=user,
    )
    return result
