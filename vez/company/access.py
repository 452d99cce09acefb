"""The web side of who may do what (vez.companies.access): the company a request acts for, and lookups that
answer 404 for anything of a company the login is not a member of and 403 for what its role may not do."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, redirect, session, url_for
from flask_login import current_user, login_required

from vez.companies import access
from vez.companies.access import Can
from vez.models import CompanyMember, Contract

CURRENT = "company_id"  # the session's chosen company (a login may belong to several)


def current_member() -> CompanyMember | None:
    """The login's membership of the chosen company, else of its first company, else None."""
    if not current_user.is_authenticated:
        return None
    if "company_member" in g:
        return g.company_member
    chosen = session.get(CURRENT)
    member = access.membership(current_user.id, chosen) if isinstance(chosen, int) else None
    if member is None:
        members = access.memberships(current_user.id)
        member = members[0] if members else None
    g.company_member = member
    return member


def choose(company_id: int) -> CompanyMember | None:
    """Switch the session to another of the login's companies; None (and nothing changed) if not a member."""
    member = access.membership(current_user.id, company_id)
    if member is not None:
        session[CURRENT] = company_id
        g.company_member = member
    return member


def member_required(capability: Can = Can.view) -> Callable:
    """The view needs a login that is a member of a company whose role allows `capability`; it finds the
    membership as `current_member()`. No company at all: the cabinet's "no company" page; a role that may
    not: 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            member = current_member()
            if member is None:
                return redirect(url_for("company.no_company"))
            if not access.can(member, capability):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def contract_or_404(contract_id: int, capability: Can = Can.view) -> tuple[Contract, CompanyMember]:
    """The contract if the login is a member of its company (404 otherwise), and its role allows
    `capability` (403 otherwise)."""
    found = access.member_contract(current_user.id, contract_id)
    if found is None:
        abort(404)
    contract, member = found
    if not access.can(member, capability):
        abort(403)
    return contract, member
