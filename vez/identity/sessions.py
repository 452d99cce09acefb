"""Sessions (docs/security.md D): the version check, the idle and absolute timeouts, login and logout, and the
not-yet-activated login a visitor's session remembers (`PENDING_USER`)."""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user, logout_user

from vez.extensions import db
from vez.models import User, utcnow

AUTH_AT = "auth_at"
PENDING_USER = "pending_user_id"  # the not-yet-activated login whose letter /registration/sent can resend


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version; an old version is a dead session."""
    try:
        uid, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or not user.is_active:
        return None
    started = session.get(AUTH_AT)
    if started is None:
        # Restored from a remember cookie: the absolute lifetime starts now.
        session[AUTH_AT] = int(time.time())
    elif time.time() - started > current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds():
        return None
    return user


def start_session(user: User, remember: bool = False) -> None:
    """A fresh session: whatever the visitor's cookie held before login is dropped (no fixation)."""
    session.clear()
    session.permanent = True  # re-signed on every request: the 30-minute idle timeout
    session[AUTH_AT] = int(time.time())
    user.last_login_at = utcnow()
    login_user(user, remember=remember)


def end_all_sessions(user: User) -> None:
    """Every cookie of this login, in every browser, stops opening anything."""
    user.session_version += 1


def end_session(user: User | None) -> None:
    if user is not None:
        end_all_sessions(user)
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
