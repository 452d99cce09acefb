from __future__ import annotations

import secrets
import time

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from vez import htmx
from vez.extensions import db
from vez.htmx import is_partial_request, render
from vez.identity import activation, signup
from vez.identity import identification as ident
from vez.identity.identification import IdentificationOutcome
from vez.identity.sessions import remember_unactivated, unactivated_user
from vez.identity.timing import pad_answer_time
from vez.models import User
from vez.pagecache import cached_page
from vez.registration import bp
from vez.registration.forms import AccountForm, IdentifyForm

IDENTIFICATION = "identification"  # the signed proof handed from step 1 to step 2
BINDING = "identification_binding"  # a random value of this session the proof is bound to
FAILURE_STATUS = {
    IdentificationOutcome.not_found: 422,
    IdentificationOutcome.mismatch: 422,
    IdentificationOutcome.registered: 422,
    IdentificationOutcome.locked: 422,
    IdentificationOutcome.own: 422,
    IdentificationOutcome.throttled: 429,
}


def redirect_to(endpoint: str, **values):
    """303 for a plain form, HX-Redirect for htmx."""
    return htmx.redirect(url_for(endpoint, **values))


def _identify_form() -> IdentifyForm:
    return IdentifyForm(subdivisions=ident.subdivisions())


def run_identification(form: IdentifyForm, actor_id: int | None = None):
    """Validate and check one identification; (result or None, status). Always the same answer time."""
    started = time.monotonic()
    ip = request.remote_addr
    result, status = None, 200
    if not form.validate():
        if request.method == "POST":
            ident.record_malformed(ip, actor_id=actor_id, fields=sorted(form.errors))
            db.session.commit()
            status = 422
    else:
        no_payments = bool(form.no_payments.data)
        result = ident.identify(
            form.subdivision.data,
            form.parsed_number,
            amount=None if no_payments else form.parsed_amount,
            surname=form.surname.data if no_payments else None,
            meter=form.meter.data if no_payments else None,
            ip=ip,
            actor_id=actor_id,
        )
        db.session.commit()
        status = FAILURE_STATUS.get(result.outcome, 200)
    pad_answer_time(started, "IDENTIFY_ANSWER_SECONDS")
    return result, status


def _render_identify(form, result, status, *, adding: bool = False):
    page = "registration/add_account.html" if adding else "registration/identify.html"
    body = render(
        page,
        "registration/_identify.html",
        form=form,
        result=result,
        adding=adding,
        extra_mode="all" if not is_partial_request() else ("no_payments" if form.no_payments.data else "amount"),
    )
    return body, status


@bp.get("/registration")
@cached_page
def identify_page():
    body, _status = _render_identify(_identify_form(), None, 200)
    return body


@bp.post("/registration")
def identify():
    form = _identify_form()
    result, status = run_identification(form)
    if result is not None and result.outcome is IdentificationOutcome.ok:
        binding = session.get(BINDING) or secrets.token_urlsafe(16)
        session[BINDING] = binding
        session[IDENTIFICATION] = signup.identification_token(result.account.id, binding)
        return redirect_to("registration.account")
    return _render_identify(form, result, status)


@bp.route("/registration/extra", methods=["POST"])
def identify_extra():
    """The fields that depend on "No payments yet" (htmx reveals them as the box changes)."""
    form = _identify_form()
    mode = "no_payments" if form.no_payments.data else "amount"
    return render_template("registration/_extra.html", form=form, extra_mode=mode)


def _identified():
    return signup.identified_account(session.get(IDENTIFICATION), session.get(BINDING))


def _account_form(account) -> AccountForm:
    replaces = signup.unactivated_holder(account.id)
    return AccountForm(account_number=account.number, replaces=replaces)


@bp.route("/registration/account", methods=["GET", "POST"])
def account():
    account = _identified()
    if account is None:
        session.pop(IDENTIFICATION, None)
        flash(_("Please identify yourself first: the identification is valid for 30 minutes."), "error")
        return redirect_to("registration.identify")
    form = _account_form(account)
    status = 200
    if request.method == "POST":
        if form.validate():
            user = _create(form, account)
            if user is not None:
                session.pop(IDENTIFICATION, None)
                remember_unactivated(user)
                return redirect_to("registration.sent")
        status = 422
    form.password.data = form.confirm.data = ""
    return render("registration/account.html", "registration/_account_form.html", form=form, account=account), status


def _create(form: AccountForm, account) -> User | None:
    data = signup.NewLogin(
        login=form.normalized["login"],
        phone=form.normalized["phone"],
        email=form.normalized["email"],
        password=form.password.data,
        language=str(get_locale()),
    )
    try:
        user = signup.create_registration(account, data, ip=request.remote_addr)
        db.session.commit()
    except IntegrityError:  # the same login or email registered a moment ago
        db.session.rollback()
        form.login.errors = [_("This login is taken. Choose another one.")]
        return None
    return user


@bp.route("/registration/account/check", methods=["POST"])
def check_field():
    """Inline validation of the field the user just left (or is typing, for the login)."""
    account = _identified()
    if account is None:
        abort(409)
    name = request.headers.get("HX-Trigger-Name") or request.form.get("field", "")
    form = _account_form(account)
    if name not in AccountForm.FIELDS:
        abort(400)
    errors = form.check_one(name)
    return render_template(
        "registration/_feedback.html", field=form[name], form=form, checked=True
    ), 422 if errors else 200


@bp.route("/registration/sent", methods=["GET"])
def sent():
    user = unactivated_user()
    if user is None:
        return redirect(url_for("registration.identify"))
    return render_template(
        "registration/sent.html",
        user=user,
        webmail=signup.webmail_for(user.email),
        resends_left=activation.resends_left(user),
    )


@bp.route("/registration/sent", methods=["POST"])
def resend():
    user = unactivated_user()
    if user is None:
        return redirect(url_for("registration.identify"), code=303)
    if activation.resend_activation(user, ip=request.remote_addr):
        flash(_("We have sent the letter again."), "info")
    else:
        flash(
            _("The letter has been sent several times in the last hour. Please wait an hour before asking again."),
            "error",
        )
    db.session.commit()
    return redirect(url_for("registration.sent"), code=303)


@bp.route("/cabinet/accounts/add", methods=["GET", "POST"])
@login_required
def add_account():
    """A second personal account under the same login: the same identification and the same limits."""
    form = _identify_form()
    if request.method == "GET":
        return _render_identify(form, None, 200, adding=True)
    result, status = run_identification(form, actor_id=current_user.id)
    if result is not None and result.outcome is IdentificationOutcome.ok:
        signup.attach_account(current_user, result.account, ip=request.remote_addr)
        db.session.commit()
        flash(_("Personal account № %(number)s is added to your cabinet.", number=result.account.number), "info")
        return redirect_to("cabinet.index")
    return _render_identify(form, result, status, adding=True)
