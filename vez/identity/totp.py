"""The staff's second factor (docs/security.md 31, ASVS 4.3.1): a TOTP code after the password.

Between the password and the code the login is only *pending*: the session holds its id, the moment
and the session version, and nothing opens until the code is right. Wrong codes are counted per login;
an accepted code's time step is remembered so the same code never opens a second session.
"""

from __future__ import annotations

import base64
import enum
import io
import time

import pyotp
import segno
from flask import current_app, session

from vez import audit
from vez.extensions import db
from vez.identity import sessions
from vez.identity.limits import TOTP_PER_LOGIN, claim_totp_step
from vez.models import User

PENDING = "second_factor"
ENROL_SECRET = "second_factor_secret"
PENDING_MAX_AGE = 300  # seconds from the right password to the code


class SecondFactorOutcome(str, enum.Enum):
    ok = "ok"
    wrong_code = "wrong_code"
    throttled = "throttled"
    unread = "unread"  # the form was not valid: nothing checked, nothing counted


class TOTP(pyotp.TOTP):
    """pyotp 2.12 refuses secrets under 112 bits; the demo secret the README publishes has 80.

    Secrets we make are 160 bits (pyotp.random_base32); shorter ones are accepted only as given.
    """

    min_secret_length_bits = 80


def needs_second_factor(user: User) -> bool:
    return user.is_staff


def begin(user: User, *, next_url: str | None) -> None:
    """The password was right (or this session's login, opened by its password, has no valid second factor and
    has a secret to prove): remember who is half-way in. The session is renewed at the end; staff are never
    remembered by a cookie."""
    sessions.renew()
    session[PENDING] = {
        "u": user.id,
        "v": user.session_version,
        "at": int(time.time()),
        "next": next_url,
    }


def pending_user() -> User | None:
    state = session.get(PENDING)
    if not isinstance(state, dict) or time.time() - state.get("at", 0) > PENDING_MAX_AGE:
        return None
    user = db.session.get(User, state.get("u"))
    if user is None or user.session_version != state.get("v") or not user.is_active or not user.is_staff:
        return None
    return user


def enrolment_secret(user: User) -> str | None:
    """A new secret for a staff login without one, kept in the session until a code proves it."""
    if user.totp_secret:
        return None
    secret = session.get(ENROL_SECRET)
    if not secret:
        secret = session[ENROL_SECRET] = pyotp.random_base32()
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    return TOTP(secret).provisioning_uri(name=user.login, issuer_name=current_app.config["TOTP_ISSUER"])


def qr_data_uri(uri: str) -> str:
    """The enrolment QR as an SVG data URI (the CSP allows data: images, nothing inline runs)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def check_code(user: User, code: str | None, *, ip: str | None) -> SecondFactorOutcome:
    """Right for this moment (±30 s) and not used before? Wrong codes count against TOTP_LIMIT.

    `code` None: the form was not valid; only the limit is looked at. The caller commits.
    """
    key = str(user.id)
    if not TOTP_PER_LOGIN.take(key):
        return SecondFactorOutcome.throttled
    if code is None:
        TOTP_PER_LOGIN.refund(key)
        return SecondFactorOutcome.unread
    secret = user.totp_secret or session.get(ENROL_SECRET)
    code = "".join(code.split())
    step = _matching_step(secret, code) if secret else None
    # One compare-and-set committed at once: of parallel posts of one code, one alone gets the step.
    if step is None or not claim_totp_step(user, step):
        audit.record("login.second_factor_failed", actor_id=user.id, ip=ip, target=user)
        return SecondFactorOutcome.wrong_code
    TOTP_PER_LOGIN.reset(key)
    if not user.totp_secret:
        user.totp_secret = secret
        audit.record("login.second_factor_enrolled", actor_id=user.id, ip=ip, target=user)
    audit.record("login.second_factor_ok", actor_id=user.id, ip=ip, target=user)
    return SecondFactorOutcome.ok


def _matching_step(secret: str, code: str) -> int | None:
    if len(code) != 6 or not code.isdigit():
        return None
    totp = TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now, now - 1, now + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def finish(user: User, *, ip: str | None) -> str | None:
    """The code was right: the login is complete (audited as login.ok); returns the pending login's `next`.

    The pending state is dropped; the caller starts the session with `second_factor=True`, never remembered.
    """
    state = session.pop(PENDING, None) or {}
    session.pop(ENROL_SECRET, None)
    audit.record("login.ok", actor_id=user.id, ip=ip, target=user, second_factor=True)
    return state.get("next")
