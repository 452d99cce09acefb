"""What staff do to logins and letters from the panel: plain functions, each audited (payments: vez.payments.settle).

Every function takes the acting staff member's id and address and records who, what, before and after
in the audit log, in the same transaction as the change (the caller commits).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect

from vez import audit
from vez.extensions import db
from vez.identity.activation import ACTIVATION_BY_STAFF, send_activation_letter
from vez.identity.limits import account_locked, unlock_account
from vez.identity.recovery import request_password_reset
from vez.identity.sessions import end_all_sessions
from vez.models import Letter, LetterStatus, User, utcnow

# Never shown, never written to the audit log.
SECRET_FIELDS = frozenset(
    {"password_hash", "totp_secret", "totp_last_step", "session_version", "body_text", "body_html"}
)


def plain(value: Any) -> Any:
    """A value as the audit log's JSON holds it."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def snapshot(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {
        attr.key: plain(getattr(obj, attr.key)) for attr in state.mapper.column_attrs if attr.key not in SECRET_FIELDS
    }


def changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the columns changed on this object and not yet flushed."""
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        if attr.key in SECRET_FIELDS:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = plain(history.deleted[0]) if history.deleted else None
            after[attr.key] = plain(history.added[0]) if history.added else None
    return before, after


def record_change(
    action: str, obj: Any, *, actor_id: int, ip: str | None, before: dict, after: dict, **data: Any
) -> None:
    audit.record(action, actor_id=actor_id, ip=ip, target=obj, before=before, after=after, **data)


def _user_change(action: str, user: User, actor_id: int, ip: str | None, **data: Any) -> None:
    before, after = changes(user)
    record_change(action, user, actor_id=actor_id, ip=ip, before=before, after=after, **data)


# ---- logins -------------------------------------------------------------------------------------------


def activate(user: User, *, actor_id: int, ip: str | None) -> bool:
    if user.activated_at is not None:
        return False
    user.activated_at = utcnow()
    _user_change("admin.user_activated", user, actor_id, ip)
    return True


def lock(user: User, reason: str, *, actor_id: int, ip: str | None) -> bool:
    if user.locked_at is not None or user.id == actor_id:
        return False
    user.locked_at, user.locked_reason = utcnow(), reason[:200]
    end_all_sessions(user)
    _user_change("admin.user_locked", user, actor_id, ip)
    return True


def unlock(user: User, *, actor_id: int, ip: str | None) -> bool:
    if user.locked_at is None:
        return False
    user.locked_at, user.locked_reason = None, None
    _user_change("admin.user_unlocked", user, actor_id, ip)
    return True


def end_sessions(user: User, *, actor_id: int, ip: str | None) -> bool:
    end_all_sessions(user)
    record_change("admin.user_sessions_ended", user, actor_id=actor_id, ip=ip, before={}, after={})
    return True


def reset_second_factor(user: User, *, actor_id: int, ip: str | None) -> bool:
    """A staff member lost the phone: the next login enrols a new authenticator."""
    if not user.totp_secret:
        return False
    user.totp_secret, user.totp_last_step = None, None
    end_all_sessions(user)
    record_change("admin.user_second_factor_reset", user, actor_id=actor_id, ip=ip, before={}, after={})
    return True


def send_activation(user: User, *, actor_id: int, ip: str | None) -> bool:
    """A new activation letter (the same letter and token as registration's)."""
    if user.activated_at is not None:
        return False
    letter = send_activation_letter(user, kind=ACTIVATION_BY_STAFF)
    db.session.flush()
    record_change("admin.letter_activation", user, actor_id=actor_id, ip=ip, before={}, after={}, letter_id=letter.id)
    return True


def send_recovery(user: User, *, actor_id: int, ip: str | None) -> bool:
    """A password recovery letter, as if the holder asked for one (the same link as recovery's)."""
    if user.activated_at is None or user.locked_at is not None:
        return False
    if not request_password_reset(user.login, user.email, ip=ip):
        return False
    record_change("admin.letter_recovery", user, actor_id=actor_id, ip=ip, before={}, after={})
    return True


USER_OPERATIONS = {
    # name: (function, admins only, label)
    "activate": (activate, True, _l("Activate")),
    "unlock": (unlock, False, _l("Unlock")),
    "send_activation": (send_activation, False, _l("Send a new activation letter")),
    "send_recovery": (send_recovery, False, _l("Send a password recovery letter")),
    "end_sessions": (end_sessions, True, _l("End all sessions")),
    "reset_second_factor": (reset_second_factor, True, _l("Reset the second factor")),
}


# ---- letters and payments -----------------------------------------------------------------------------


def resend_letter(letter: Letter, *, actor_id: int, ip: str | None) -> bool:
    """The outbox sends it again from the start (new attempts, now)."""
    if letter.status is LetterStatus.sent and letter.sent_at is None:
        return False
    letter.status, letter.attempts, letter.next_attempt_at = LetterStatus.pending, 0, utcnow()
    letter.sent_at = None
    before, after = changes(letter)
    record_change("admin.letter_resent", letter, actor_id=actor_id, ip=ip, before=before, after=after)
    return True


def identification_locked(account_id: int) -> bool:
    return account_locked(account_id)


def unlock_identification(account_id: int, *, actor_id: int, ip: str | None) -> int:
    """Identification's unlock (it audits as identify.unlocked); returns the failures cleared."""
    return unlock_account(account_id, actor_id=actor_id, ip=ip)
