"""A company's people: invitations with a role, revoking, the company's own audit list, switching companies.

The domain is vez.companies.people; these views parse, call it, commit and render or redirect (303, or
HX-Redirect for htmx). Members and invitations are looked up within the chosen company only: another
company's id answers 404; a role without Can.people answers 403 (vez.company.access).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from vez import htmx, labels
from vez.auth.urls import safe_next
from vez.companies import access as company_access
from vez.companies import people
from vez.companies.access import Can
from vez.companies.people import LinkState, Outcome
from vez.company import bp
from vez.company.access import CURRENT, choose, current_member, member_required
from vez.company.people_forms import (
    ROLE_WORDS,
    ROLES_HINT,
    AcceptForm,
    ActionForm,
    InviteForm,
    JoinForm,
    RoleForm,
    SwitchForm,
)
from vez.extensions import db
from vez.htmx import render
from vez.identity.sessions import start_session
from vez.identity.signup import NewLogin
from vez.models import CompanyRole

LINK_STATUS = {
    LinkState.ready: 200,
    LinkState.used: 410,
    LinkState.expired: 410,
    LinkState.revoked: 410,
    LinkState.damaged: 404,
}
ROLE_ORDER = {CompanyRole.admin: 0, CompanyRole.accountant: 1, CompanyRole.viewer: 2}


def _role_word(role) -> str:
    """A role's word; a stored value (an audit event's) too, and an unknown one as it is."""
    try:
        return str(ROLE_WORDS[CompanyRole(role)])
    except ValueError:
        return str(role)


@bp.app_context_processor
def people_words() -> dict:
    return {"company_role_word": _role_word, "event_label": labels.event}


# ---- /company/people ------------------------------------------------------------------------------------


def _people_page(invite_form: InviteForm, status: int = 200, *, limited: bool = False):
    member = current_member()
    rows = sorted(people.members(member.company_id), key=lambda row: (ROLE_ORDER[row[0].role], row[0].full_name))
    body = render(
        "company/people.html",
        "company/_people_invite.html",
        member=member,
        rows=rows,
        invitations=people.pending_invitations(member.company_id),
        invite_form=invite_form,
        role_choices=[(role.value, ROLE_WORDS[role]) for role in CompanyRole],
        roles_hint=ROLES_HINT,
        limited=limited,
        last_admin=people.is_last_admin(member),
    )
    return body, status


@bp.get("/people", endpoint="people")
@member_required(Can.people)
def people_list():
    return _people_page(InviteForm())


@bp.post("/people/invite")
@member_required(Can.people)
def invite():
    member = current_member()
    form = InviteForm()
    if not form.validate_on_submit():
        return _people_page(form, 422)
    outcome, _invitation = people.invite(
        member.company,
        form.normalized_email,
        form.parsed_role,
        note=form.note.data,
        actor=current_user,
        ip=request.remote_addr,
    )
    db.session.commit()
    if outcome is Outcome.already_member:
        form.email.errors = [_("A login with this email address is already a member of the company.")]
        return _people_page(form, 422)
    if outcome is Outcome.limited:
        return _people_page(form, htmx.wait_status(), limited=True)
    flash(_("The invitation is sent to %(email)s.", email=form.normalized_email), "success")
    return htmx.redirect(url_for("company.people"))


def _member_or_404(member_id: int):
    found = people.company_member(current_member().company_id, member_id)
    if found is None:
        abort(404)
    return found


def _last_admin():
    flash(_("The company must keep at least one administrator: appoint another one first."), "error")
    return htmx.redirect(url_for("company.people"))


@bp.post("/people/<id:member_id>/role")
@member_required(Can.people)
def change_role(member_id: int):
    target = _member_or_404(member_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = people.change_role(target, form.parsed_role, actor=current_user, ip=request.remote_addr)
    db.session.commit()
    if outcome is Outcome.last_admin:
        return _last_admin()
    flash(_("%(name)s is now: %(role)s.", name=target.full_name, role=ROLE_WORDS[target.role]), "success")
    return htmx.redirect(url_for("company.people"))


@bp.post("/people/<id:member_id>/revoke")
@member_required(Can.people)
def revoke_member(member_id: int):
    target = _member_or_404(member_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    name = target.full_name
    outcome = people.revoke_member(target, actor=current_user, ip=request.remote_addr)
    db.session.commit()
    if outcome is Outcome.last_admin:
        return _last_admin()
    flash(_("%(name)s no longer has access to the company.", name=name), "success")
    return htmx.redirect(url_for("company.people"))


@bp.post("/people/invitations/<id:invitation_id>/revoke")
@member_required(Can.people)
def revoke_invitation(invitation_id: int):
    invitation = people.company_invitation(current_member().company_id, invitation_id)
    if invitation is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    people.revoke_invitation(invitation, actor=current_user, ip=request.remote_addr)
    db.session.commit()
    flash(_("The invitation to %(email)s is revoked.", email=invitation.email), "success")
    return htmx.redirect(url_for("company.people"))


@bp.post("/leave")
@member_required(Can.view)
def leave():
    member = current_member()
    if not ActionForm().validate_on_submit():
        abort(400)
    name = member.company.name
    outcome = people.leave(member, ip=request.remote_addr)
    db.session.commit()
    if outcome is Outcome.last_admin:
        flash(_("The company must keep at least one administrator: appoint another one before you leave."), "error")
        return htmx.redirect(request.referrer if safe_next(_path(request.referrer)) else url_for("company.people"))
    session.pop(CURRENT, None)
    flash(_("You have left %(company)s.", company=name), "success")
    return htmx.redirect(_landing(None))


def _path(url: str | None) -> str | None:
    """The path of a same-site Referer (a safe place to go back to), else None."""
    if not url:
        return None
    root = request.host_url.rstrip("/")
    return url[len(root) :] if url.startswith(root + "/") else None


def _landing(member) -> str:
    """After accepting or leaving: the company cabinet (part C), else the people page (administrators), else the
    household cabinet."""
    if "company.cabinet" in current_app.view_functions and (member is not None or current_member() is not None):
        return url_for("company.cabinet")
    if member is not None and company_access.can(member, Can.people):
        return url_for("company.people")
    return url_for("cabinet.index")


# ---- the switcher -------------------------------------------------------------------------------------------


@bp.post("/switch")
@login_required
def switch():
    form = SwitchForm()
    if not form.validate_on_submit() or choose(form.company_id.data or 0) is None:
        abort(404)
    target = safe_next(form.next.data) or _path(request.referrer) or url_for("company.people")
    return redirect(target, code=303)


@bp.app_context_processor
def switcher() -> dict:
    """`company_switcher()`: the login's memberships and a form to switch, when it has several."""

    def build():
        if not current_user.is_authenticated:
            return None
        members = company_access.memberships(current_user.id)
        if len(members) < 2:
            return None
        form = SwitchForm()
        form.company_id.choices = [(m.company_id, m.company.name) for m in members]
        form.company_id.data = current_member().company_id
        form.next.data = request.full_path.rstrip("?") if request.method == "GET" else ""
        return form

    return {"company_switcher": build}


# ---- /company/audit -----------------------------------------------------------------------------------------


@bp.get("/audit")
@member_required(Can.audit)
def audit():
    member = current_member()
    page = request.args.get("page", 1, type=int)
    return render_template("company/audit.html", member=member, listing=people.audit_page(member.company_id, page))


# ---- the invitation letter's link -----------------------------------------------------------------------


def _link_page(token: str, link, *, accept_form=None, join_form=None, status=None):
    invitation = link.invitation
    template = "company/invitation.html" if link.state is LinkState.ready else "company/invitation_problem.html"
    context = dict(token=token, link=link, state=link.state.value, invitation=invitation)
    if link.state is LinkState.ready:
        member = (
            company_access.membership(current_user.id, invitation.company_id) if current_user.is_authenticated else None
        )
        holder = None if current_user.is_authenticated else people.email_holder(invitation)
        context.update(
            already=member,
            landing_url=_landing(member) if member else None,
            holder=holder,
            accept_form=accept_form or AcceptForm(),
            join_form=join_form or JoinForm(),
            login_url=url_for("auth.login", next=url_for("company.invitation", token=token)),
        )
    return render_template(template, **context), status or LINK_STATUS[link.state]


@bp.get("/invitations/<token>")
def invitation(token: str):
    """Only shows the forms: mail scanners that prefetch links must not accept anything."""
    return _link_page(token, people.check_link(token))


@bp.post("/invitations/<token>/accept")
@login_required
def accept(token: str):
    link = people.check_link(token)
    if link.state is not LinkState.ready:
        return _link_page(token, link)
    form = AcceptForm()
    if not form.validate_on_submit():
        return _link_page(token, link, accept_form=form, status=422)
    outcome, member = people.accept(
        link.invitation,
        current_user,
        full_name=form.full_name.data,
        position=form.position.data,
        ip=request.remote_addr,
    )
    db.session.commit()
    return _accepted(outcome, member)


@bp.post("/invitations/<token>/join")
def join(token: str):
    """A visitor without a login makes one on the spot and accepts with it."""
    if current_user.is_authenticated:
        return redirect(url_for("company.invitation", token=token), code=303)
    link = people.check_link(token)
    if link.state is not LinkState.ready:
        return _link_page(token, link)
    if people.email_holder(link.invitation) is not None:  # a login holds the address: log in and accept
        return _link_page(token, link, status=409)
    form = JoinForm()
    if not form.validate_on_submit():
        form.password.data = form.confirm.data = ""
        return _link_page(token, link, join_form=form, status=422)
    data = NewLogin(
        login=form.normalized["login"],
        phone=form.normalized["phone"],
        email=link.invitation.email,
        password=form.password.data,
        language=str(get_locale()),
    )
    try:
        user = people.create_login(link.invitation, data, ip=request.remote_addr)
        outcome, member = people.accept(
            link.invitation, user, full_name=form.full_name.data, position=form.position.data, ip=request.remote_addr
        )
        db.session.commit()
    except IntegrityError:  # the login or the address was taken meanwhile
        db.session.rollback()
        form.login.errors = [_("This login is taken. Choose another one.")]
        return _link_page(token, people.check_link(token), join_form=form, status=422)
    start_session(user)
    db.session.commit()
    return _accepted(outcome, member)


def _accepted(outcome: Outcome, member):
    choose(member.company_id)
    if outcome is Outcome.already_member:
        flash(_("You are already a member of %(company)s.", company=member.company.name), "success")
    else:
        flash(_("Welcome to %(company)s.", company=member.company.name), "success")
    return redirect(_landing(member), code=303)
