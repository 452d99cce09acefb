from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vez.extensions import db
from vez.identity import recovery as reset
from vez.identity.timing import pad_answer_time
from vez.recovery import bp
from vez.recovery.forms import LoginRecoveryForm, NewPasswordForm, PasswordRecoveryForm


def _page(password_form=None, login_form=None, status=200, sent=None, throttled=False):
    return render_template(
        "recovery/index.html",
        password_form=password_form or PasswordRecoveryForm(prefix="pw"),
        login_form=login_form or LoginRecoveryForm(prefix="lg"),
        sent=sent,
        throttled=throttled,
    ), status


@bp.route("/password", methods=["GET"])
def password():
    return _page(sent=request.args.get("sent"))


@bp.route("/login", methods=["GET"])
def login():
    return _page(sent=request.args.get("sent"))


@bp.route("/password", methods=["POST"])
def password_post():
    form = PasswordRecoveryForm(prefix="pw")
    return _answer(
        form,
        "password_form",
        "password",
        lambda: reset.request_password_reset(form.login.data, form.email.data, ip=request.remote_addr),
    )


@bp.route("/login", methods=["POST"])
def login_post():
    form = LoginRecoveryForm(prefix="lg")
    return _answer(
        form, "login_form", "login", lambda: reset.request_login_reminder(form.email.data, ip=request.remote_addr)
    )


def _answer(form, form_name: str, sent: str, send):
    """The same answer, in the same time, whether or not anything matched (docs/security.md 19, 23)."""
    if not form.validate():
        return _page(**{form_name: form}, status=422)
    started = time.monotonic()
    if not reset.take_request(form.email.data, request.remote_addr):
        db.session.commit()
        return _page(status=429, throttled=True)
    send()
    db.session.commit()
    pad_answer_time(started, "RECOVERY_ANSWER_SECONDS")
    return redirect(url_for(f"recovery.{sent}", sent=sent), code=303)


@bp.route("/password/<token>", methods=["GET", "POST"])
def new_password(token: str):
    result = reset.check_reset(token)
    if result.state is not reset.ResetState.ready:
        status = 404 if result.state is reset.ResetState.damaged else 410
        return render_template("recovery/problem.html", state=result.state.value), status
    user = result.user
    form = NewPasswordForm(login=user.login, account_numbers=tuple(a.number for a in user.accounts))
    status = 200
    if request.method == "POST":
        if form.validate():
            reset.reset_password(token, form.password.data, ip=request.remote_addr)
            db.session.commit()
            flash(
                _("Your password has been changed and every other session has ended. Log in with the new password."),
                "info",
            )
            return redirect(url_for("auth.login"), code=303)
        status = 422
    form.password.data = form.confirm.data = ""
    return render_template("recovery/reset.html", form=form, token=token), status
