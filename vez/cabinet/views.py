"""The cabinet's routes: thin; every account is looked up through the login (docs/security.md 29)."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from vez import audit, caps, htmx, i18n, rendercache
from vez.cabinet import bp, documents, offline, queries
from vez.cabinet.chart import chart
from vez.cabinet.export import account_csv
from vez.cabinet.forms import ConfirmForm, EmailChangeForm, PasswordChangeForm, PhoneForm, PreferencesForm
from vez.extensions import db
from vez.htmx import render_kept
from vez.identity import api_tokens, profile
from vez.identity.passwords import password_message
from vez.identity.sessions import start_session
from vez.models import Certificate
from vez.payments import batches
from vez.payments.forms import autopay_context
from vez.rendercache import render_page
from vez.urls import external_url


def _account(number: str):
    account = queries.account_of(current_user.id, number)
    if account is None:
        abort(404)
    return account


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.route("")
@login_required
def index():
    page = rendercache.kept(_index)
    return offline.keep(Response(page)) if isinstance(page, str) else page


def _index():
    from vez.company.registration import landing  # the business side lands elsewhere (docs/companies.md)

    cards = queries.cards_of(current_user.id, i18n.today())
    elsewhere = None if cards else landing(current_user)  # with no account of its own, a login may land elsewhere
    if elsewhere is not None:
        return redirect(elsewhere)
    summary = queries.summary_of(cards)
    config = current_app.config  # "pay everything in one payment", from the cards read (no statement)
    owing = ((card.account, card.bill) for card in summary.to_pay)
    batch_offer = batches.offer(owing, config["PAYMENT_MIN_AMOUNT"], config["PAYMENT_MAX_AMOUNT"])
    return render_page("cabinet/index.html", cards=cards, summary=summary, batch_offer=batch_offer)


@bp.route("/accounts/<number>")
@login_required
def account(number: str):
    page = rendercache.kept(lambda: _account_page(number))
    # The page as it opens, not an htmx partial or another year: that is the copy kept for offline reading.
    whole = not htmx.is_partial_request() and not request.args
    return offline.keep(Response(page)) if whole else page


def _account_page(number: str) -> str:
    account = _account(number)
    history = queries.history(account, request.args.get("year", type=int))
    return render_kept(
        "cabinet/account.html",
        "cabinet/_history.html",
        account=account,
        history=history,
        chart=chart(history.start, history.charges),
        selected_year=history.year,
        can_certify=documents.can_certify(account),
        certificate_form=ConfirmForm(),
        **autopay_context(account),  # the autopay section (cabinet/_autopay.html)
    )


@bp.route("/accounts/<number>/bills/<month:month>")
@login_required
def bill(number: str, month: date):
    def build() -> tuple[str, bool]:
        view = documents.bill_view(_account(number), month, i18n.today())
        if view is None:
            abort(404)
        return render_page("cabinet/bill.html", view=view), view.newest

    page, newest = rendercache.kept(build)
    return offline.keep(Response(page)) if newest else Response(page)  # the newest bill is kept for offline reading


@bp.route("/accounts/<number>/bills/<month:month>.pdf")
@login_required
def bill_pdf(number: str, month: date):
    view = documents.bill_view(_account(number), month, i18n.today())
    if view is None:
        abort(404)
    pdf = _pdf(documents.bill_pdf(view), f"bill-{number}-{month:%Y-%m}.pdf")
    return offline.keep(pdf) if view.newest else pdf


@bp.route("/accounts/<number>/export.csv")
@login_required
def export(number: str):
    account = _account(number)
    response = Response(account_csv(account, str(get_locale())), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="vez-{number}.csv"'
    return response


@bp.route("/accounts/<number>/certificates", methods=["POST"])
@login_required
def certificate_new(number: str):
    account = _account(number)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not documents.can_certify(account):
        flash(_("A certificate of no debt is issued when the account has no debt."), "error")
        return redirect(url_for("cabinet.account", number=number), code=303)
    # docs/security.md, "Per-login caps": counted under the login's row lock, held until the commit.
    cap = caps.certificates_cap(current_user.id)
    if cap is not None:
        db.session.rollback()
        flash(_("The daily limit of certificates (%(max)s) is used up. Try again tomorrow.", max=cap.limit), "error")
        return redirect(url_for("cabinet.account", number=number), code=303)
    today = i18n.today()
    certificate = documents.issue_certificate(account, current_user.id, today)
    audit.record("cabinet.certificate", actor_id=current_user.id, ip=request.remote_addr, target=account)
    db.session.commit()
    return htmx.redirect(url_for("cabinet.certificate_pdf", number=number, code=certificate.code))


@bp.route("/accounts/<number>/certificates/<code>.pdf")
@login_required
def certificate_pdf(number: str, code: str):
    account = _account(number)
    certificate = queries.certificate_by_code(code)
    if certificate is None or certificate.account_id != account.id:
        abort(404)
    check = external_url("cabinet.certificate_check", code=documents.pretty_code(certificate.code))
    return _pdf(documents.certificate_pdf(certificate, check), f"certificate-{number}-{certificate.code}.pdf")


@bp.route("/certificates/check")
def certificate_check():
    """Public: anyone holding a certificate checks its code; the page shows no more than the paper does."""
    code = request.args.get("code", "")
    certificate: Certificate | None = queries.certificate_by_code(code) if code else None
    return render_template("cabinet/certificate_check.html", code=code[:40], certificate=certificate, asked=bool(code))


# ---- profile -------------------------------------------------------------------------------------


def _profile_page(status: int = 200, **forms):
    user = current_user
    context = {
        "phone_form": forms.get("phone") or PhoneForm(formdata=None, prefix="phone", phone=user.phone),
        "email_form": forms.get("email") or EmailChangeForm(formdata=None, prefix="email"),
        "password_form": forms.get("password") or PasswordChangeForm(formdata=None, prefix="password"),
        "preferences_form": forms.get("preferences")
        or PreferencesForm(
            formdata=None, prefix="prefs", language=user.language, paperless=user.paperless, reminders=user.reminders
        ),
        "token_count": len(api_tokens.live_tokens(user.id)),
    }
    return render_template("cabinet/profile.html", **context), status


def _done(message: str):
    flash(message, "success")
    return htmx.redirect(url_for("cabinet.profile"))


def _password_ok(form) -> bool:
    problem = profile.check_current_password(current_user, form.current_password.data or "", request.remote_addr)
    if problem == "throttled":
        form.current_password.errors.append(_("Too many wrong passwords. Try again later."))
    elif problem:
        form.current_password.errors.append(_("The current password is wrong."))
    db.session.commit()  # the failure counter and its audit event stay even though the form fails
    return problem is None


def _stay_logged_in() -> None:
    """Every other session ended; this one continues under the new session version."""
    start_session(current_user._get_current_object())


@bp.route("/profile", endpoint="profile")
@login_required
def profile_page():
    return _profile_page()


@bp.route("/profile/phone", methods=["POST"])
@login_required
def profile_phone():
    form = PhoneForm(prefix="phone")
    if not (form.validate_on_submit() and _password_ok(form)):
        return _profile_page(422, phone=form)
    profile.change_phone(current_user, form.phone.data, request.remote_addr)
    _stay_logged_in()
    db.session.commit()
    return _done(_("Your phone number has been changed."))


@bp.route("/profile/email", methods=["POST"])
@login_required
def profile_email():
    form = EmailChangeForm(prefix="email")
    if not (form.validate_on_submit() and _password_ok(form)):
        return _profile_page(422, email=form)
    if not profile.request_email_change(current_user, form.email.data, request.remote_addr):
        db.session.commit()  # the refusal's audit event
        form.email.errors.append(_("Too many letters in the last hour. Please wait an hour before asking again."))
        return _profile_page(htmx.wait_status(), email=form)
    db.session.commit()
    return _done(
        _(
            "We have sent a letter to %(email)s. The new address takes effect when you follow the link in it.",
            email=form.email.data,
        )
    )


@bp.route("/profile/email/<token>", methods=["GET", "POST"])
@login_required
def profile_email_confirm(token: str):
    new_email = profile.email_change_of(current_user, token)
    if new_email is None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        if not profile.apply_email_change(current_user, new_email, request.remote_addr):
            db.session.rollback()
            flash(_("This email address cannot be used. Choose another one."), "error")
            return redirect(url_for("cabinet.profile"), code=303)
        _stay_logged_in()
        db.session.commit()
        return _done(_("Your email address has been changed."))
    return render_template("cabinet/email_confirm.html", form=form, new_email=new_email)


@bp.route("/profile/password", methods=["POST"])
@login_required
def profile_password():
    form = PasswordChangeForm(prefix="password")
    if not (form.validate_on_submit() and _password_ok(form)):
        return _profile_page(422, password=form)
    problem = profile.change_password(current_user, form.password.data, request.remote_addr)
    if problem:
        form.password.errors.append(password_message(problem))
        return _profile_page(422, password=form)
    revoked = form.revoke_tokens.data and api_tokens.revoke_all(
        current_user.id, actor_id=current_user.id, ip=request.remote_addr
    )
    _stay_logged_in()
    db.session.commit()
    if revoked:
        return _done(
            _("Your password has been changed. Your other sessions have been ended and your API tokens revoked.")
        )
    return _done(_("Your password has been changed. Your other sessions have been ended."))


@bp.route("/profile/preferences", methods=["POST"])
@login_required
def profile_preferences():
    form = PreferencesForm(prefix="prefs")
    if not form.validate_on_submit():
        return _profile_page(422, preferences=form)
    profile.set_preferences(
        current_user, form.language.data, form.paperless.data, request.remote_addr, reminders=form.reminders.data
    )
    db.session.commit()
    response = _done(_("Your settings have been saved."))
    response.set_cookie("lang", form.language.data, max_age=365 * 24 * 3600, secure=True, httponly=True, samesite="Lax")
    return response
