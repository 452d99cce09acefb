"""Activation of a new login: its letter (first, again, by staff), the resend limit, and the link's check
and use. The domain of the `activation` blueprint."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy import select

from vez import audit
from vez.extensions import db
from vez.identity import letters, tokens
from vez.identity.limits import LetterLimit
from vez.mail import queue_letter
from vez.models import Company, CompanyMember, Letter, PersonalAccount, User, utcnow

ACTIVATION_LETTER, ACTIVATION_AGAIN, ACTIVATION_BY_STAFF = "activation", "activation_again", "activation_by_staff"
RESENDS = LetterLimit(ACTIVATION_AGAIN, "RESEND_LIMIT")


def activation_token(user: User) -> str:
    return tokens.make(tokens.ACTIVATION, {"u": user.id, "f": _activation_fingerprint(user)})


def _activation_fingerprint(user: User) -> str:
    return tokens.fingerprint(user.id, user.created_at.isoformat(), user.email_key, user.activated_at)


def send_activation_letter(user: User, *, kind: str, company=None) -> Letter:
    """`company`: the login registers as a company's representative (the letter names it)."""
    return queue_letter(
        kind,
        to=user.email,
        subject=_l("Registration"),
        template="activation",
        language=user.language,
        user_id=user.id,
        token=activation_token(user),
        user=user,
        company=company if company is not None else _company_of(user),
    )


def _company_of(user: User):
    """The company an unactivated login registered for (a resend names it too), else None."""
    if user.accounts or user.id is None:
        return None
    return db.session.scalar(
        select(Company)
        .join(CompanyMember, CompanyMember.company_id == Company.id)
        .where(CompanyMember.user_id == user.id)
    )


def resend_allowance() -> int:
    """How many more letters the sent page offers after the first (RESEND_LIMIT's amount)."""
    return parse(current_app.config[RESENDS.config_key]).amount


def resends_left(user: User) -> int:
    return RESENDS.left(user.id)


def resend_activation(user: User, *, ip: str | None) -> bool:
    """Another activation letter, at most RESEND_LIMIT and within the letter limits; False when refused."""
    if user.activated_at is not None or not RESENDS.take(user.id) or not letters.take(user.email, ip, user_id=user.id):
        audit.record("registration.resend_refused", ip=ip, target=user)
        return False
    send_activation_letter(user, kind=ACTIVATION_AGAIN)
    audit.record("registration.resent", ip=ip, target=user)
    return True


class ActivationState(str, enum.Enum):
    ready = "ready"
    used = "used"  # already activated
    expired = "expired"
    replaced = "replaced"  # a newer registration replaced this one, or it was removed
    damaged = "damaged"


@dataclass
class Activation:
    state: ActivationState
    user: User | None = None
    account: PersonalAccount | None = None


def check_activation(token: str) -> Activation:
    try:
        payload = tokens.read(tokens.ACTIVATION, token)
    except tokens.TokenProblem as problem:
        if problem.kind == "expired" and isinstance(problem.payload, dict):
            user = _user(problem.payload.get("u"))
            if user is not None and user.activated_at is not None:
                return Activation(ActivationState.used, user)
            return Activation(ActivationState.expired, user)
        return Activation(ActivationState.damaged)
    user = _user(payload.get("u"))
    if user is None:
        return Activation(ActivationState.replaced)
    if user.activated_at is not None:
        return Activation(ActivationState.used, user)
    if not secrets.compare_digest(str(payload.get("f", "")), _activation_fingerprint(user)):
        return Activation(ActivationState.replaced, user)
    account = user.accounts[0] if user.accounts else None
    return Activation(ActivationState.ready, user, account)


def _user(user_id) -> User | None:
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def activate(token: str, *, ip: str | None) -> Activation:
    """Activate the login (POST only) and queue the welcome letter; the caller commits."""
    result = check_activation(token)
    if result.state is not ActivationState.ready:
        audit.record(f"activation.{result.state.value}", ip=ip, target=result.user)
        return result
    user = result.user
    user.activated_at = utcnow()
    audit.record("activation.done", actor_id=user.id, ip=ip, target=user)
    queue_letter(
        "welcome",
        to=user.email,
        subject=_l("Registration completed"),
        template="welcome",
        language=user.language,
        user_id=user.id,
        user=user,
        account=result.account,
    )
    return result
