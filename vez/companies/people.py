"""A company's people (docs/companies.md, "People and roles"): invitations by email with a role and their
letter's link, accepting one (with a login or a new one made on the spot), changing a role, revoking, leaving,
and the company's own audit list. Plain functions; the caller commits.

The last administrator rule: a company always keeps at least one administrator, so the last one can be
neither demoted, revoked nor leave.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from vez import audit
from vez.extensions import db
from vez.identity import limits, tokens
from vez.identity.logins import login_skeleton
from vez.identity.passwords import hash_password
from vez.identity.signup import NewLogin, _drop_stale
from vez.mail import queue_letter
from vez.models import AuditEvent, Company, CompanyInvitation, CompanyMember, CompanyRole, User, utcnow

INVITATION_LETTER = "company_invitation"


class Outcome(str, enum.Enum):
    ok = "ok"
    last_admin = "last_admin"  # the company would be left without an administrator
    already_member = "already_member"  # the invited address's login, or the accepting login, is a member
    limited = "limited"  # INVITATION_LIMIT_PER_COMPANY reached
    not_found = "not_found"  # the member or invitation is not the company's (the web side answers 404)


# ---- lists ----------------------------------------------------------------------------------------------


def members(company_id: int) -> list[tuple[CompanyMember, User, User | None]]:
    """The company's members with their login and the login that invited them, administrators first."""
    inviter = aliased(User)
    rows = db.session.execute(
        select(CompanyMember, User, inviter)
        .join(User, User.id == CompanyMember.user_id)
        .outerjoin(inviter, inviter.id == CompanyMember.invited_by)
        .where(CompanyMember.company_id == company_id)
        .order_by(CompanyMember.role, CompanyMember.full_name, CompanyMember.id)
    )
    return [(m, u, i) for m, u, i in rows]


def pending_invitations(company_id: int) -> list[CompanyInvitation]:
    """Invitations neither accepted, revoked nor expired, newest first."""
    return list(
        db.session.scalars(
            select(CompanyInvitation)
            .where(
                CompanyInvitation.company_id == company_id,
                CompanyInvitation.accepted_at.is_(None),
                CompanyInvitation.revoked_at.is_(None),
                CompanyInvitation.expires_at > utcnow(),
            )
            .order_by(CompanyInvitation.created_at.desc(), CompanyInvitation.id.desc())
        )
    )


def company_member(company_id: int, member_id: int) -> CompanyMember | None:
    """A member of this company only: another company's member id is None (404)."""
    return db.session.scalar(
        select(CompanyMember).where(CompanyMember.id == member_id, CompanyMember.company_id == company_id)
    )


def company_invitation(company_id: int, invitation_id: int) -> CompanyInvitation | None:
    return db.session.scalar(
        select(CompanyInvitation).where(
            CompanyInvitation.id == invitation_id, CompanyInvitation.company_id == company_id
        )
    )


def _admins(company_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(CompanyMember)
        .where(CompanyMember.company_id == company_id, CompanyMember.role == CompanyRole.admin)
    )


def is_last_admin(member: CompanyMember) -> bool:
    return member.role is CompanyRole.admin and _admins(member.company_id) <= 1


# ---- inviting -------------------------------------------------------------------------------------------


def _member_by_email(company_id: int, email_key: str) -> CompanyMember | None:
    return db.session.scalar(
        select(CompanyMember)
        .join(User, User.id == CompanyMember.user_id)
        .where(CompanyMember.company_id == company_id, User.email_key == email_key)
    )


def invitation_token(invitation: CompanyInvitation) -> str:
    return tokens.make(tokens.INVITATION, {"i": invitation.id, "n": invitation.nonce})


def invite(
    company: Company, email: str, role: CompanyRole, *, note: str | None, actor: User, ip: str | None
) -> tuple[Outcome, CompanyInvitation | None]:
    """A new invitation and its letter (in the inviter's language: the invited person's is unknown).

    Limited per company by INVITATION_LIMIT_PER_COMPANY, taken before anything is written through the
    race-free counter every limit uses (vez.identity.limits), so parallel requests in any worker or host never
    send more. A pending invitation to the same address is revoked: only the newest link works."""
    email_key = email.casefold()
    if _member_by_email(company.id, email_key) is not None:
        return Outcome.already_member, None
    if not limits.INVITATIONS_PER_COMPANY.take(str(company.id)):
        audit.record("company.invitation_limited", actor_id=actor.id, ip=ip, company_id=company.id)
        return Outcome.limited, None
    now = utcnow()
    for older in db.session.scalars(
        select(CompanyInvitation).where(
            CompanyInvitation.company_id == company.id,
            CompanyInvitation.email_key == email_key,
            CompanyInvitation.accepted_at.is_(None),
            CompanyInvitation.revoked_at.is_(None),
        )
    ):
        older.revoked_at = now
    invitation = CompanyInvitation(
        company_id=company.id,
        email=email,
        email_key=email_key,
        role=role,
        nonce=secrets.token_urlsafe(18),
        invited_by=actor.id,
        created_at=now,
        expires_at=now + timedelta(seconds=current_app.config["INVITATION_MAX_AGE"]),
        note=note or None,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record("company.invited", actor_id=actor.id, ip=ip, target=invitation, company_id=company.id, role=role.value)
    queue_letter(
        INVITATION_LETTER,
        to=email,
        subject=_l("Invitation to the business cabinet of %(company)s", company=company.name),
        template="company_invitation",
        language=actor.language,
        company=company,
        role=role,
        note=invitation.note,
        token=invitation_token(invitation),
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
    )
    return Outcome.ok, invitation


def revoke_invitation(invitation: CompanyInvitation, *, actor: User, ip: str | None) -> Outcome:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit.record(
            "company.invitation_revoked", actor_id=actor.id, ip=ip, target=invitation, company_id=invitation.company_id
        )
    return Outcome.ok


# ---- the letter's link -------------------------------------------------------------------------------------


class LinkState(str, enum.Enum):
    ready = "ready"
    used = "used"  # accepted already
    expired = "expired"
    revoked = "revoked"
    damaged = "damaged"


@dataclass
class Link:
    state: LinkState
    invitation: CompanyInvitation | None = None


def check_link(token: str) -> Link:
    """What the letter's link stands for: a used, revoked or expired invitation says so (its company named)."""
    try:
        payload = tokens.read(tokens.INVITATION, token)
    except tokens.TokenProblem as problem:
        if problem.kind == "expired" and isinstance(problem.payload, dict):
            invitation = _invitation(problem.payload)
            if invitation is not None:
                return Link(_state(invitation, expired=True), invitation)
        return Link(LinkState.damaged)
    invitation = _invitation(payload)
    if invitation is None:
        return Link(LinkState.damaged)
    return Link(_state(invitation), invitation)


def _invitation(payload: dict) -> CompanyInvitation | None:
    invitation_id, nonce = payload.get("i"), payload.get("n")
    if not isinstance(invitation_id, int) or not isinstance(nonce, str):
        return None
    invitation = db.session.get(CompanyInvitation, invitation_id)
    if invitation is None or not secrets.compare_digest(invitation.nonce, nonce):
        return None
    return invitation


def _state(invitation: CompanyInvitation, *, expired: bool = False) -> LinkState:
    if invitation.accepted_at is not None:
        return LinkState.used
    if invitation.revoked_at is not None:
        return LinkState.revoked
    if expired or invitation.expires_at <= utcnow():
        return LinkState.expired
    return LinkState.ready


# ---- accepting -------------------------------------------------------------------------------------------


def accept(
    invitation: CompanyInvitation, user: User, *, full_name: str, position: str, ip: str | None
) -> tuple[Outcome, CompanyMember | None]:
    """The login joins the company with the invitation's role; the invitation is used.

    A login whose email differs from the invited address may accept (the link is the proof that the letter
    reached the person): the event records `other_email` so the administrators see it in the audit list."""
    existing = db.session.scalar(
        select(CompanyMember).where(CompanyMember.company_id == invitation.company_id, CompanyMember.user_id == user.id)
    )
    if existing is not None:
        return Outcome.already_member, existing
    member = CompanyMember(
        company_id=invitation.company_id,
        user_id=user.id,
        role=invitation.role,
        full_name=full_name,
        position=position,
        invited_by=invitation.invited_by,
    )
    db.session.add(member)
    invitation.accepted_at, invitation.accepted_by = utcnow(), user.id
    db.session.flush()
    audit.record(
        "company.invitation_accepted",
        actor_id=user.id,
        ip=ip,
        target=invitation,
        company_id=invitation.company_id,
        role=invitation.role.value,
        other_email=user.email_key != invitation.email_key,
    )
    return Outcome.ok, member


def create_login(invitation: CompanyInvitation, data: NewLogin, *, ip: str | None) -> User:
    """A login made on the spot from the invitation: its email is the invited one, which the link proved, so
    it is active at once (no activation letter). The caller then accepts with it."""
    _drop_stale(login_skeleton(data.login), invitation.email_key)
    db.session.flush()
    user = User(
        login=data.login,
        email=invitation.email,
        email_key=invitation.email_key,
        phone=data.phone,
        password_hash=hash_password(data.password),
        language=data.language,
        activated_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record("company.login_created", actor_id=user.id, ip=ip, target=user, company_id=invitation.company_id)
    return user


def email_holder(invitation: CompanyInvitation) -> User | None:
    """The login already holding the invited address (then "log in and accept", not a second login)."""
    return db.session.scalar(select(User).where(User.email_key == invitation.email_key))


# ---- roles, revoking, leaving -----------------------------------------------------------------------------


def change_role(member: CompanyMember, role: CompanyRole, *, actor: User, ip: str | None) -> Outcome:
    if member.role is role:
        return Outcome.ok
    if role is not CompanyRole.admin and is_last_admin(member):
        return Outcome.last_admin
    before, member.role = member.role, role
    audit.record(
        "company.role_changed",
        actor_id=actor.id,
        ip=ip,
        target=member,
        company_id=member.company_id,
        before=before.value,
        after=role.value,
    )
    return Outcome.ok


def revoke_member(member: CompanyMember, *, actor: User, ip: str | None) -> Outcome:
    if is_last_admin(member):
        return Outcome.last_admin
    audit.record(
        "company.member_revoked",
        actor_id=actor.id,
        ip=ip,
        target=member,
        company_id=member.company_id,
        user=member.user_id,
        role=member.role.value,
    )
    db.session.delete(member)
    return Outcome.ok


def leave(member: CompanyMember, *, ip: str | None) -> Outcome:
    if is_last_admin(member):
        return Outcome.last_admin
    audit.record(
        "company.member_left",
        actor_id=member.user_id,
        ip=ip,
        target=member,
        company_id=member.company_id,
        role=member.role.value,
    )
    db.session.delete(member)
    return Outcome.ok


# ---- the company's own audit list --------------------------------------------------------------------------

PER_PAGE = 50


@dataclass
class AuditPage:
    events: list[tuple[AuditEvent, User | None]]
    page: int
    pages: int
    total: int


def audit_page(company_id: int, page: int = 1, per_page: int = PER_PAGE) -> AuditPage:
    """The company's events (AuditEvent.company_id), newest first, with the login that acted."""
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.company_id == company_id))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(
        select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.company_id == company_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return AuditPage([(e, u) for e, u in rows], page, pages, total)
