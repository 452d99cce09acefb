"""Personal access tokens of the read-only API (docs/api.md, "Tokens"): made, found, used and revoked here.

A token is `vez_` and 43 URL-safe characters (256 random bits). Only its SHA-256 is stored, so a copy of
the database opens nothing, and the lookup is one indexed equality (the secret is random: no slow hash is
needed, and comparing digests leaks nothing about the secret). A token reads; it never pays, changes or
logs in to the web cabinet, and no cookie ever authenticates the API.

A token lives until its expiry or its revocation. A password change or "end all sessions" leaves it alone
(the poller on a home server keeps working) unless the consumer ticks "revoke the API tokens too"; a locked
or deactivated login's tokens stop at once (checked on every use), and so does a token's access to an account
the login no longer holds (scoped on every query, `readable_account_ids`).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from vez import audit
from vez.extensions import db
from vez.mail import queue_letter
from vez.models import (
    ApiToken,
    ApiTokenAccount,
    ApiTokenCompany,
    CompanyMember,
    CompanyRole,
    User,
    UserAccount,
    utcnow,
)

PREFIX = "vez_"
LIFETIMES = (30, 90, 365)  # days a consumer may choose
TOUCH_EVERY = timedelta(minutes=1)  # the last use is written at most this often (a poller every minute: one write)
MAX_TOKENS = 20  # live tokens of one login


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Refusal(str, enum.Enum):
    too_many = "too_many"
    no_scope = "no_scope"  # "some accounts" chosen with none of the login's accounts


@dataclass(frozen=True)
class Made:
    token: ApiToken
    secret: str  # shown once, never stored


def create(
    user: User,
    name: str,
    days: int,
    *,
    account_ids: list[int] | None,
    company_ids: tuple[int, ...] = (),
    ip: str | None,
) -> Made | Refusal:
    """A new token of `user`; account_ids None = every account the login holds, now and later. Accounts and
    companies outside the login's are ignored (the form offers only its own). Audited, and a notice goes to the
    login's address (a token made by someone else in an unattended browser is then seen); the caller commits."""
    if days not in LIFETIMES:
        raise ValueError(f"lifetime {days} not one of {LIFETIMES}")
    if len(live_tokens(user.id)) >= MAX_TOKENS:
        return Refusal.too_many
    own_accounts = set(db.session.scalars(select(UserAccount.account_id).where(UserAccount.user_id == user.id)))
    own_companies = set(administered_company_ids(user.id))
    chosen_accounts = sorted(own_accounts & set(account_ids or ())) if account_ids is not None else None
    chosen_companies = sorted(own_companies & set(company_ids))
    if chosen_accounts == [] and not chosen_companies:
        return Refusal.no_scope
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:60],
        digest=digest(secret),
        hint=secret[: len(PREFIX) + 4],
        all_accounts=chosen_accounts is None,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    db.session.add_all(ApiTokenAccount(token_id=token.id, account_id=a) for a in chosen_accounts or ())
    db.session.add_all(ApiTokenCompany(token_id=token.id, company_id=c) for c in chosen_companies)
    audit.record(
        "api.token_created",
        actor_id=user.id,
        ip=ip,
        target=token,
        days=days,
        accounts="all" if chosen_accounts is None else len(chosen_accounts),
        companies=len(chosen_companies),
    )
    queue_letter(
        "account-changed",
        to=user.email,
        subject=_l("An API access token was made for your login"),
        template="account_changed",
        language=user.language,
        user_id=user.id,
        login=user.login,
        what="api_token",
        token_name=token.name,
        until=token.expires_at.date(),
        phone=current_app.config["SUPPLIER_PHONE"],
    )
    return Made(token, secret)


def live_tokens(user_id: int) -> list[ApiToken]:
    """The login's tokens neither revoked nor expired, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def authenticate(secret: str | None, *, ip: str | None) -> ApiToken | None:
    """The live token this secret is, with its login active; None otherwise (the caller answers 401 alike
    for unknown, expired, revoked and a locked login: nothing tells them apart). Records the last use."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY or token.last_used_ip != ip:
        db.session.execute(
            update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now, last_used_ip=(ip or "")[:45])
        )
        db.session.commit()
    return token


def readable_account_ids(token: ApiToken) -> list[int]:
    """The accounts this token reads now: the login's accounts (all, or the chosen ones it still holds)."""
    query = select(UserAccount.account_id).where(UserAccount.user_id == token.user_id)
    if not token.all_accounts:
        query = query.join(
            ApiTokenAccount,
            (ApiTokenAccount.account_id == UserAccount.account_id) & (ApiTokenAccount.token_id == token.id),
        )
    return list(db.session.scalars(query.order_by(UserAccount.account_id)))


def administered_company_ids(user_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(CompanyMember.company_id).where(
                CompanyMember.user_id == user_id, CompanyMember.role == CompanyRole.admin
            )
        )
    )


def readable_company_ids(token: ApiToken) -> list[int]:
    """The companies this token reads now: the chosen ones whose administrator its login still is."""
    return list(
        db.session.scalars(
            select(ApiTokenCompany.company_id)
            .join(
                CompanyMember,
                (CompanyMember.company_id == ApiTokenCompany.company_id)
                & (CompanyMember.user_id == token.user_id)
                & (CompanyMember.role == CompanyRole.admin),
            )
            .where(ApiTokenCompany.token_id == token.id)
            .order_by(ApiTokenCompany.company_id)
        )
    )


def revoke(user: User, token_id: int, *, ip: str | None) -> bool:
    """Revoke one of the login's own tokens; False when it is not theirs or already gone."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record("api.token_revoked", actor_id=user.id, ip=ip, target=token)
    return True


def revoke_all(user_id: int, *, actor_id: int | None, ip: str | None) -> int:
    """Revoke every live token of a login (the consumer's choice on a password change or "end sessions", or
    staff's); how many."""
    now = utcnow()
    count = (
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
            .values(revoked_at=now)
        ).rowcount
        or 0
    )
    if count:
        audit.record(
            "api.tokens_revoked", actor_id=actor_id, ip=ip, target_type="users", target_id=user_id, count=count
        )
    return count
