"""Sessions (docs/security.md D, "Sessions bound to a second factor"): the version check, the idle and absolute
timeouts, remember cookies with an issue time, the second factor a staff session passed, login and logout, and
the not-yet-activated login a visitor's session remembers (`PENDING_USER`).

The id Flask-Login keeps in the session and signs into the remember cookie is `user:version:issued:nonce`:
the session version (bumping it ends every cookie), the moment of the login that made it (a remember cookie
restores nothing after REMEMBER_COOKIE_DURATION, whatever its Expires says) and a random part, so each login
gives a new value.
"""

from __future__ import annotations

import secrets
import time

from flask import current_app, session
from flask_login import login_user, logout_user

from vez import audit
from vez.extensions import db
from vez.models import User, utcnow

AUTH_AT = "auth_at"
SECOND_FACTOR = "second_factor_at"  # {"u": user id, "at": when this session's TOTP code was accepted}
PENDING_USER = "pending_user_id"  # the not-yet-activated login whose letter /registration/sent can resend
LOGIN_ID = "_user_id"  # Flask-Login's key


def login_id(user: User, issued: int) -> str:
    return f"{user.id}:{user.session_version}:{issued}:{secrets.token_urlsafe(6)}"


def _parse(user_id: str) -> tuple[int, int, int] | None:
    parts = user_id.split(":") if isinstance(user_id, str) else []
    if len(parts) != 4 or not all(part.isascii() and part.isdigit() for part in parts[:3]):
        return None  # also an id of the older `user:version` form: that login logs in again once
    return int(parts[0]), int(parts[1]), int(parts[2])


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader, for the session's id and for a remember cookie's (then the session has no AUTH_AT)."""
    parsed = _parse(user_id)
    if parsed is None:
        return None
    uid, version, issued = parsed
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or not user.is_active:
        return None
    now = int(time.time())
    started = session.get(AUTH_AT)
    if started is None:
        return _restore(user, issued, now)
    if now - started > current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds():
        return None
    return user


def _restore(user: User, issued: int, now: int) -> User | None:
    """A remember cookie: only a consumer's, only within REMEMBER_COOKIE_DURATION of its login.

    The restore is audited by vez.auth (Flask-Login's user_loaded_from_cookie), which knows the address.
    """
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds()
    if user.is_staff or not 0 <= now - issued <= lifetime:
        # A staff session is opened only by a password and a code, never by a cookie.
        session.pop(LOGIN_ID, None)  # Flask-Login put the cookie's id there before asking
        session.pop("_fresh", None)
        session["_remember"] = "clear"  # Flask-Login deletes the cookie with the answer
        return None
    session[AUTH_AT] = now  # the absolute lifetime starts again at the restore
    return user


def start_session(user: User, remember: bool = False, *, second_factor: bool = False) -> None:
    """A fresh session: whatever the visitor's cookie held before login is dropped (no fixation).

    `second_factor`: the TOTP code was accepted in this request. A session renewed for the login already in it
    (the profile's changes) keeps the second factor it had; staff never get a remember cookie.
    """
    kept = session.get(SECOND_FACTOR)
    kept = kept if isinstance(kept, dict) and kept.get("u") == user.id else None
    session.clear()
    session.permanent = True  # re-signed on every request: the 30-minute idle timeout
    now = int(time.time())
    session[AUTH_AT] = now
    if second_factor:
        session[SECOND_FACTOR] = {"u": user.id, "at": now}
    elif kept is not None:
        session[SECOND_FACTOR] = kept
    user.last_login_at = utcnow()
    login_user(user, remember=remember and not user.is_staff)
    session[LOGIN_ID] = login_id(user, now)  # what the session and the remember cookie carry


def login_ends_at(remembered: bool) -> int:
    """When this browser's login ends if it is not used again (epoch seconds): the session's idle timeout within
    its absolute lifetime, or the remember cookie's lifetime when the browser holds one (docs/offline.md)."""
    config, now = current_app.config, int(time.time())
    started = session.get(AUTH_AT, now)
    idle, absolute = config["PERMANENT_SESSION_LIFETIME"], config["SESSION_ABSOLUTE_LIFETIME"]
    ends = min(now + idle.total_seconds(), started + absolute.total_seconds())
    parsed = _parse(session.get(LOGIN_ID, ""))
    if remembered and parsed is not None:
        ends = max(ends, parsed[2] + config["REMEMBER_COOKIE_DURATION"].total_seconds())
    return int(ends)


def second_factor_passed(user: User) -> bool:
    """This session's TOTP code was accepted for this login within STAFF_SECOND_FACTOR_MAX_AGE."""
    state = session.get(SECOND_FACTOR)
    if not isinstance(state, dict) or state.get("u") != user.id or not isinstance(state.get("at"), int):
        return False
    age = time.time() - state["at"]
    return 0 <= age <= current_app.config["STAFF_SECOND_FACTOR_MAX_AGE"].total_seconds()


def end_all_sessions(user: User) -> None:
    """Every cookie of this login, in every browser, stops opening anything."""
    user.session_version += 1


def end_session(user: User | None, *, ip: str | None = None) -> None:
    if user is not None:
        end_all_sessions(user)
        audit.record("logout", actor_id=user.id, ip=ip, target=user)
    logout_user()
    session.clear()


def drop_login() -> None:
    """This browser's login is forgotten (the other sessions of the login stay)."""
    logout_user()
    session.clear()


def remember_unactivated(user: User) -> None:
    """This visitor registered (or tried to log in to) a login not yet activated: /registration/sent may resend."""
    session[PENDING_USER] = user.id


def forget_unactivated() -> None:
    session.pop(PENDING_USER, None)


def unactivated_user() -> User | None:
    """The not-yet-activated login this session remembers; forgotten once it is activated or gone."""
    user_id = session.get(PENDING_USER)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.activated_at is not None:
        forget_unactivated()
        return None
    return user
