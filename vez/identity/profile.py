"""A login's own changes: phone, email (confirmed by a letter to the new address), password, language, paperless.

docs/security.md D28: a change of email, phone or password asks for the current password, ends every other
session and sends a notice to the old address.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from vez import audit
from vez.extensions import db
from vez.identity import letters, tokens
from vez.identity.limits import PROFILE_PASSWORD
from vez.identity.passwords import hash_password, password_problem, verify_password
from vez.identity.sessions import end_all_sessions
from vez.mail import queue_letter
from vez.models import User


def check_current_password(user: User, password: str, ip: str | None) -> str | None:
    """None when the password is the login's; else "wrong" or "throttled" (failures counted per login)."""
    key = str(user.id)
    if not PROFILE_PASSWORD.take(key):
        return "throttled"
    matches, _new_hash = verify_password(user.password_hash, password) if len(password) <= 1024 else (False, None)
    if not matches:
        audit.record("profile.password_wrong", actor_id=user.id, ip=ip, target=user)
        return "wrong"
    PROFILE_PASSWORD.refund(key)
    return None


def _notice(user: User, what: str, to: str | None = None) -> None:
    queue_letter(
        "account-changed",
        to=to or user.email,
        subject=_l("Your personal cabinet login was changed"),
        template="account_changed",
        language=user.language,
        user_id=user.id,
        login=user.login,
        what=what,
        phone=current_app.config["SUPPLIER_PHONE"],
    )


def change_phone(user: User, phone: str, ip: str | None) -> None:
    old = user.phone
    user.phone = phone
    end_all_sessions(user)
    audit.record("profile.phone_changed", actor_id=user.id, ip=ip, target=user, old=old[-4:], new=phone[-4:])
    _notice(user, "phone")


def change_password(user: User, password: str, ip: str | None) -> str | None:
    """None when changed; else the policy's reason ("short", "common", ...)."""
    numbers = tuple(a.number for a in user.accounts)
    problem = password_problem(password, login=user.login, account_numbers=numbers)
    if problem:
        return problem
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    audit.record("profile.password_changed", actor_id=user.id, ip=ip, target=user)
    _notice(user, "password")
    return None


def _email_fingerprint(user: User) -> str:
    """Changes when the email changes: a used link is dead."""
    return tokens.fingerprint(user.id, user.email_key)


def email_change_token(user: User, new_email: str) -> str:
    return tokens.make(tokens.EMAIL_CHANGE, {"u": user.id, "e": new_email, "f": _email_fingerprint(user)})


def request_email_change(user: User, new_email: str, ip: str | None) -> bool:
    """The new address (normalized by `contact.normalize_email`) gets a confirmation link; nothing changes
    until it is followed. False (no letter) over the letter limits (docs/security.md, "Step 2 and letters")."""
    if not letters.take(new_email, ip, user_id=user.id):
        audit.record("profile.email_change_refused", actor_id=user.id, ip=ip, target=user)
        return False
    queue_letter(
        "email-change",
        to=new_email,
        subject=_l("Confirm your new email address"),
        template="email_change",
        language=user.language,
        user_id=user.id,
        login=user.login,
        token=email_change_token(user, new_email),
        hours=current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600,
    )
    audit.record("profile.email_change_requested", actor_id=user.id, ip=ip, target=user)
    return True


def email_change_of(user: User, token: str) -> str | None:
    """The new address a valid, unused token of this login carries; None otherwise."""
    try:
        data = tokens.read(tokens.EMAIL_CHANGE, token)
    except tokens.TokenProblem:
        return None
    if data.get("u") != user.id or data.get("f") != _email_fingerprint(user):
        return None
    email = data.get("e")
    return email if isinstance(email, str) and email else None


def apply_email_change(user: User, new_email: str, ip: str | None) -> bool:
    """Switch to the confirmed address; False when another login holds it meanwhile."""
    key = new_email.casefold()
    if db.session.scalar(select(User.id).where(User.email_key == key, User.id != user.id)) is not None:
        return False
    old = user.email
    user.email, user.email_key = new_email, key
    end_all_sessions(user)
    audit.record("profile.email_changed", actor_id=user.id, ip=ip, target=user)
    _notice(user, "email", to=old)
    return True


def set_preferences(
    user: User, language: str, paperless: bool, ip: str | None, *, reminders: bool | None = None
) -> None:
    if language in current_app.config["LANGUAGES"]:
        user.language = language
    if user.paperless != paperless:
        audit.record("profile.paperless", actor_id=user.id, ip=ip, target=user, paperless=paperless)
    user.paperless = paperless
    if reminders is not None and user.reminders != reminders:  # the disconnection warning goes regardless
        audit.record("profile.reminders", actor_id=user.id, ip=ip, target=user, reminders=reminders)
        user.reminders = reminders
