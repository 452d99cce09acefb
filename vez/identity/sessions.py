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
import threading
import time
from collections import OrderedDict
from functools import cache
from typing import Any

from flask import Flask, Request, current_app, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import login_user, logout_user
from itsdangerous import BadSignature
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from vez import audit, csrf, replay
from vez.csrf import SmallValues
from vez.extensions import db
from vez.models import User, utcnow

AUTH_AT = "auth_at"
SECOND_FACTOR = "second_factor_at"  # {"u": user id, "at": when this session's TOTP code was accepted}
PENDING_USER = "pending_user_id"  # the not-yet-activated login whose letter /registration/sent can resend
LOGIN_ID = "_user_id"  # Flask-Login's key


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, re-signed only when it changed or is a minute old (docs/performance.md).

    The idle timeout (PERMANENT_SESSION_LIFETIME) is the signature's age limit: a cookie signed again on every
    request slides it, and so does this one, to within SESSION_RESIGN_SECONDS of the last request; meanwhile the
    same cookie is not signed and sent again on every page (one HMAC and a Set-Cookie header less an answer).
    """

    def get_signing_serializer(self, app: Flask):
        """Flask's serializer, built once per secret key (and fallbacks) instead of twice a request."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, self._serializer_for(app))
        return cached[1]

    def _serializer_for(self, app: Flask) -> SmallValues | None:
        """Flask's own (flask.sessions, 3.1), as `SmallValues`: a visitor's session holding only its CSRF
        secret is not run through zlib for nothing."""
        if not app.secret_key:
            return None
        keys = [*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key]  # the current key last
        return SmallValues(
            keys,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
        )

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        opened = self.session_class(data)
        opened.signed_at = signed_at.timestamp()  # type: ignore[attr-defined]
        return opened

    def should_set_cookie(self, app: Flask, session: SecureCookieSession) -> bool:
        if session.modified:
            return True
        signed_at = getattr(session, "signed_at", None)
        if signed_at is not None and time.time() - signed_at < app.config["SESSION_RESIGN_SECONDS"]:
            return False
        return session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]


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
    row = _read_login(uid)
    if row is None:
        return None
    user = _attached(row)
    g.login_row = (row.id, tuple(row))  # the login as read, for keys (vez.rendercache)
    if user.session_version != version or not user.is_active:
        return None
    if not row.in_company:
        g.company_member = None  # known with the login: it belongs to no company (vez.company.access)
    now = int(time.time())
    started = session.get(AUTH_AT)
    if started is None:
        return _restore(user, issued, now)
    if now - started > current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds():
        return None
    return user


class _Logins:
    """The logins a worker read lately: each with the reading (SQL, parameters, driver rows) that checks it.

    The session's login is read on every request. When the statement, run again on the driver's cursor, returns
    the very driver rows of the reading, SQLAlchemy would make the same row of them: that row is used, and none
    of SQLAlchemy's statement, session and result machinery runs (docs/performance.md). Any change to the login
    (a new session version, a disabled login, a password) changes its row: it is read through SQLAlchemy again.
    """

    LIMIT = 4096

    def __init__(self) -> None:
        self.seen: OrderedDict[int, tuple[str, Any, list, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, uid: int):
        with self.lock:
            return self.seen.get(uid)

    def put(self, uid: int, reading: tuple[str, Any, list], row) -> None:
        with self.lock:
            self.seen[uid] = (*reading, row)
            self.seen.move_to_end(uid)
            while len(self.seen) > self.LIMIT:
                self.seen.popitem(last=False)


def init_app(app: Flask) -> None:
    app.extensions["vez.logins"] = _Logins()  # per app, like the kept pages: its own database, its own readings


def _read_login(uid: int):
    logins = current_app.extensions["vez.logins"]
    seen = logins.get(uid)
    if seen is not None and replay.rows(seen[0], seen[1]) == seen[2]:
        return seen[3]
    row, reading = replay.first(_user_statement(), {"uid": uid})
    if row is not None and reading is not None:
        logins.put(uid, reading, row)
    return row


@cache
def _user_statement():
    """The login's columns and whether it belongs to any company, in one statement (the header asks on every
    page); a Core statement: the ORM's loading of one row cost a fifth of a cabinet page (docs/performance.md)."""
    from vez.models import CompanyMember

    belongs = select(CompanyMember.id).where(CompanyMember.user_id == User.id).exists()
    columns = [inspect(User).column_attrs[key].columns[0].label(key) for key in _column_keys()]
    return select(*columns, belongs.label("in_company")).where(User.__table__.c.id == bindparam("uid"))


def _attached(row) -> User:
    """The login of `row` as the session's own persistent, unchanged User, as if the ORM had loaded it (or the
    one the session already holds)."""
    key = identity_key(User, row.id)
    held = db.session.identity_map.get(key)
    if held is not None:
        return held
    fields = row._mapping
    # As the ORM's loading makes one: a bare instance given its columns directly (the constructor's attribute
    # events, one per column, were half of this function; none is wanted, the values are the database's).
    user = _user_manager().new_instance()
    user.__dict__.update({key: fields[key] for key in _column_keys()})
    make_transient_to_detached(user)  # no pending change: as freshly loaded
    db.session.add(user)
    return user


@cache
def _user_manager():
    return inspect(User).class_manager


@cache
def _column_keys() -> tuple[str, ...]:
    return tuple(attribute.key for attribute in inspect(User).column_attrs)


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
    renew()
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
    renew()


def drop_login() -> None:
    """This browser's login is forgotten (the other sessions of the login stay)."""
    logout_user()
    renew()


def renew() -> None:
    """Empty the session but for a new CSRF secret (none of the old session's, docs/security.md D).

    The answer that renews the session carries the secret its next page's forms are signed with: without it
    the next page added one, and its answer signed and sent the cookie again (once for a browser, on every
    request for a client that keeps the cookie of the login's answer)."""
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # the old secret's signed token
    csrf.token()  # a new secret, and its token for this answer


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
