from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from vez.extensions import db
from vez.htmx import render
from vez.identity import activation, letters, signup
from vez.identity import identification as ident
from vez.identity.identification import IdentificationOutcome
from vez.identity.sessions import unactivated_user
from vez.models import PersonalAccount
from vez.pagecache import cached_page
from vez.registration import bp, steps
from vez.registration.forms import AccountForm, IdentifyForm
from vez.registration.steps import (
    BINDING,
    TRIED,
    back_to_step_one,
    extra_mode,
    hand_over,
    redirect_to,
    run_check,
    step_two,
)

IDENTIFICATION = "identification"  # the signed proof handed from step 1 to step 2


def _identify_form() -> IdentifyForm:
    return IdentifyForm(subdivisions=ident.subdivisions())


def run_identification(form: IdentifyForm, actor_id: int | None = None):
    """Validate and check one identification; (result or None, status). Always the same answer time."""

    def answer():
        amount, meter = form.last_payment()
        return ident.identify(
            form.subdivision.data,
            form.parsed_number,
            amount=amount,
            surname=form.surname.data,
            meter=meter,
            ip=request.remote_addr,
            actor_id=actor_id,
        )

    second = (form.surname, _("Enter the surname of the account holder as on the bill."))
    return run_check(form, answer, second=second, actor_id=actor_id)


def _render_identify(form, result, status, *, adding: bool = False):
    page = "registration/add_account.html" if adding else "registration/identify.html"
    body = render(
        page,
        "registration/_identify.html",
        form=form,
        result=result,
        adding=adding,
        extra_mode=extra_mode(form, page=True),
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
        return hand_over(IDENTIFICATION, result.account.id, "registration.account")
    return _render_identify(form, result, status)


@bp.route("/registration/extra", methods=["POST"])
def identify_extra():
    """The fields that depend on "No payments yet" (htmx reveals them as the box changes)."""
    form = _identify_form()
    return render_template("registration/_extra.html", form=form, extra_mode=extra_mode(form))


def _identified():
    """This session's unspent proof of step 1, checked again at every answer of step 2 (docs/security.md,
    "Step 2 and letters"): an account registered meanwhile spends it."""
    proof = signup.identified_proof(session.get(IDENTIFICATION), session.get(BINDING))
    if proof is not None and signup.registered_holder(proof.account_id) is not None:
        signup.spend_proofs(proof.account_id)
        db.session.commit()
        return None
    return proof


def _account_form(account) -> AccountForm:
    replaces = signup.unactivated_holder(account.id)
    return AccountForm(account_number=account.number, replaces=replaces)


def _step2_page(form, account, status, *, wait: str | None = None):
    return render(
        "registration/account.html", "registration/_account_form.html", form=form, account=account, wait=wait
    ), status


@bp.route("/registration/account", methods=["GET", "POST"])
def account():
    proof = _identified()
    if proof is None:
        return back_to_step_one(IDENTIFICATION, "registration.identify")
    account = db.session.get(PersonalAccount, proof.account_id)
    form = _account_form(account)
    return step_two(
        proof,
        form,
        IDENTIFICATION,
        page=partial(_step2_page, form, account),
        create=lambda data: signup.create_registration(account, data, ip=request.remote_addr),
        subject_id=account.id,
        account=account,
    )


@bp.route("/registration/account/check", methods=["POST"])
def check_field():
    """Inline validation of the field the user just left (or is typing, for the login), within step 2's limits."""
    proof = _identified()
    if proof is None:
        abort(409)
    return steps.check_field(
        proof, AccountForm.FIELDS, lambda: _account_form(db.session.get(PersonalAccount, proof.account_id))
    )


@bp.route("/registration/sent", methods=["GET"])
def sent():
    user = unactivated_user()
    tried = session.get(TRIED) if user is None else None
    if user is None and not isinstance(tried, dict):
        return redirect(url_for("registration.identify"))
    email = user.email if user is not None else str(tried.get("email", ""))
    left = activation.resends_left(user) if user is not None else _tried_resends_left(tried)
    # "Repeat the registration" leads back to the company registration for a company's representative.
    again = url_for("company.registration" if user is not None and not user.accounts else "registration.identify")
    return render_template(
        "registration/sent.html", email=email, webmail=signup.webmail_for(email), resends_left=left, again=again
    )


def _tried_resends_left(tried: dict) -> int:
    """The same count the page shows after a registration: the resend limit less the letters asked for."""
    sent = tried.get("sent") if isinstance(tried.get("sent"), int) else 0
    return max(0, activation.resend_allowance() - sent)


@bp.route("/registration/sent", methods=["POST"])
def resend():
    user = unactivated_user()
    tried = session.get(TRIED) if user is None else None
    if user is None and not isinstance(tried, dict):
        return redirect(url_for("registration.identify"), code=303)
    if activation.resend_activation(user, ip=request.remote_addr) if user is not None else _resend_attempt(tried):
        flash(_("We have sent the letter again."), "info")
    else:
        flash(
            _("The letter has been sent several times in the last hour. Please wait an hour before asking again."),
            "error",
        )
    db.session.commit()
    return redirect(url_for("registration.sent"), code=303)


def _resend_attempt(tried: dict) -> bool:
    """ "Send again" after an address in use: the owner's letter again, within the same limits."""
    email = str(tried.get("email", ""))
    if _tried_resends_left(tried) <= 0 or not letters.take(email, request.remote_addr):
        return False
    signup.report_attempt(email, None, ip=request.remote_addr)  # no password: a resend hashes none either
    session[TRIED] = {"email": email, "sent": int(tried.get("sent") or 0) + 1}
    return True


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
        flash(_("Personal account No. %(number)s is added to your cabinet.", number=result.account.number), "info")
        return redirect_to("cabinet.index")
    return _render_identify(form, result, status, adding=True)
