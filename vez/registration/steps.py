"""What both registrations' steps share (a household's account, vez.registration.views; a company's contract,
vez.company.registration): the session keys of step 1's proof, the redirect of a plain form or htmx, step 1's
check with its audit of malformed forms, its statuses and its equal answer time, the fields "No payments yet"
shows, the proof handed from step 1 to step 2, and step 2's answer and inline check within its limits."""

from __future__ import annotations

import secrets
import time

from flask import abort, flash, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from vez import htmx
from vez.extensions import db
from vez.identity import identification as ident
from vez.identity import letters, signup
from vez.identity.identification import IdentificationOutcome
from vez.identity.sessions import forget_unactivated, remember_unactivated
from vez.identity.timing import pad_answer_time

BINDING = "identification_binding"  # a random value of this session the proof is bound to
TRIED = "registration_tried"  # step 2 met an email address in use: {"email", "sent"} for the sent page
FAILURE_STATUS = {
    IdentificationOutcome.surname_needed: 422,
    IdentificationOutcome.eic_needed: 422,
    IdentificationOutcome.not_found: 422,
    IdentificationOutcome.mismatch: 422,
    IdentificationOutcome.registered: 422,
    IdentificationOutcome.locked: 422,
    IdentificationOutcome.own: 422,
    IdentificationOutcome.throttled: 429,
}
# A recent last payment asks for a second answer: a holder's surname (an account), a point's EIC (a contract).
SECOND_NEEDED = (IdentificationOutcome.surname_needed, IdentificationOutcome.eic_needed)


def redirect_to(endpoint: str, **values):
    """303 for a plain form, HX-Redirect for htmx."""
    return htmx.redirect(url_for(endpoint, **values))


def run_check(form, answer, *, second, actor_id: int | None = None):
    """Step 1 of any registration (a household's account, a company's contract): a malformed form is audited
    and answers 422 without a lookup; else `answer()` runs the identity core; committed either way, and the
    answer always takes IDENTIFY_ANSWER_SECONDS (docs/security.md B). `second` is (the field of the second
    answer, the message it gets when a recent payment asks for it). (result or None, status)."""
    started = time.monotonic()
    result, status = None, 200
    if not form.validate():
        if request.method == "POST":
            ident.record_malformed(request.remote_addr, actor_id=actor_id, fields=sorted(form.errors))
            db.session.commit()
            status = 422
    else:
        result = answer()
        db.session.commit()
        status = FAILURE_STATUS.get(result.outcome, 200)
        if result.outcome in SECOND_NEEDED:
            field, message = second
            field.errors = [message]
    pad_answer_time(started, "IDENTIFY_ANSWER_SECONDS")
    return result, status


def extra_mode(form, *, page: bool = False) -> str:
    """The fields under "No payments yet": a whole page has them all (htmx swaps in the box's own at load
    time), a partial the box's."""
    if page and not htmx.is_partial_request():
        return "all"
    return "no_payments" if form.no_payments.data else "amount"


def hand_over(key: str, subject_id: int, endpoint: str, *, subject: str = "a"):
    """Step 1 passed: a fresh proof of the account (or, `subject` "c", the contract), bound to this session,
    is kept under `key` for step 2 at `endpoint`."""
    binding = session.get(BINDING) or secrets.token_urlsafe(16)
    session[BINDING] = binding
    session[key] = signup.issue_proof(subject_id, binding, subject=subject)
    db.session.commit()
    return redirect_to(endpoint)


def back_to_step_one(key: str, endpoint: str):
    """Step 2 without a live proof: the proof under `key` is dropped, and step 1 at `endpoint` says why."""
    session.pop(key, None)
    flash(_("Please identify yourself first: the identification is valid for 30 minutes."), "error")
    return redirect_to(endpoint)


def step_two(proof, form, key: str, *, page, create, subject_id: int, subject: str = "a", account=None):
    """Step 2's form, and its answer within its limits (docs/security.md, "Step 2 and letters").
    `page(status, wait=None)` renders the form; `create(data)` makes the unactivated login of a
    `signup.NewLogin`; an address in use spends the proofs of `subject_id` and tells its owner (about
    `account`, if any)."""

    def show(status: int, wait: str | None = None):
        form.password.data = form.confirm.data = ""  # a password is never sent back
        return page(status, wait=wait)

    if request.method == "GET":
        return show(200)
    ip = request.remote_addr
    if not signup.take_step2_answer(proof, session[BINDING], ip):
        return show(htmx.wait_status(), wait="checks")
    if not form.validate():
        return show(422)
    email = form.normalized["email"]
    if not letters.take(email, ip):
        return show(htmx.wait_status(), wait="letters")
    in_use = dict(key=key, subject_id=subject_id, subject=subject, account=account, password=form.password.data)
    if signup.email_taken(email, form.replaces):
        return _email_in_use(email, **in_use)
    user = _create(form, create)
    if user is None:
        if signup.email_taken(email, form.replaces):  # registered a moment ago by another: its owner is told
            return _email_in_use(email, **in_use)
        letters.refund(email, ip)  # no letter went
        return show(422)
    session.pop(key, None)
    session.pop(TRIED, None)
    remember_unactivated(user)
    return redirect_to("registration.sent")


def _create(form, create):
    """The login `create` makes of step 2's answer, committed; None when the same login or email was registered
    a moment ago (the login's field says so)."""
    data = signup.NewLogin(
        login=form.normalized["login"],
        phone=form.normalized["phone"],
        email=form.normalized["email"],
        password=form.password.data,
        language=str(get_locale()),
    )
    try:
        user = create(data)
        db.session.commit()
    except IntegrityError:  # the same login or email registered a moment ago
        db.session.rollback()
        form.login.errors = [_("This login is taken. Choose another one.")]
        return None
    return user


def _email_in_use(email: str, *, key: str, subject_id: int, subject: str, account, password: str):
    """The same "letter sent" page as a registration; the address's owner is told, no login is made."""
    signup.report_attempt(email, account, ip=request.remote_addr, password=password)
    signup.spend_proofs(subject_id, subject=subject)
    db.session.commit()
    session.pop(key, None)
    forget_unactivated()
    session[TRIED] = {"email": email, "sent": 0}
    return redirect_to("registration.sent")


def check_field(proof, fields, make_form):
    """Inline validation of the field the user just left (or is typing, for the login), within step 2's limits;
    `make_form()` builds the step's form once the field's name is known to be one of `fields`."""
    name = request.headers.get("HX-Trigger-Name") or request.form.get("field", "")
    if name not in fields:
        abort(400)
    form = make_form()
    if not signup.take_step2_answer(proof, session[BINDING], request.remote_addr):
        return render_template("registration/_feedback.html", field=form[name], form=form, paused=True), 200
    errors = form.check_one(name)
    return render_template(
        "registration/_feedback.html", field=form[name], form=form, checked=True
    ), 422 if errors else 200
