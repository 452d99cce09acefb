from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from vez.auth import bp
from vez.auth.forms import CodeForm, LoginForm
from vez.auth.urls import safe_next
from vez.extensions import db
from vez.identity import totp
from vez.identity.login import LoginOutcome, authenticate
from vez.identity.sessions import drop_login, end_session, remember_unactivated, second_factor_passed, start_session
from vez.identity.totp import SecondFactorOutcome
from vez.pagecache import cached_page

LOGIN_STATUS = {
    LoginOutcome.bad_credentials: 422,
    LoginOutcome.throttled: 429,
    LoginOutcome.not_activated: 403,
    LoginOutcome.locked: 403,
}
# docs/offline.md: what this browser keeps of the cabinet for offline reading (Cache Storage and the service
# worker are "storage") is wiped when the login ends, and before another login begins on the same browser.
CLEAR_AT_LOGOUT = '"cache", "storage"'
CLEAR_AT_LOGIN = '"storage"'
SECOND_FACTOR_STATUS = {
    SecondFactorOutcome.throttled: 429,
    SecondFactorOutcome.wrong_code: 422,
    SecondFactorOutcome.unread: 422,
}


@bp.get("/login")
@cached_page
def login_page():
    if current_user.is_authenticated:
        return redirect(url_for("cabinet.index"))
    form = LoginForm()
    form.next.data = safe_next(request.args.get("next"))
    return render_template("auth/login.html", form=form, problem=None)


@bp.post("/login")
def login():
    form = LoginForm()
    status, problem = 422, None
    if form.validate_on_submit():
        result = authenticate(form.login.data, form.password.data, request.remote_addr)
        staff = result.outcome is LoginOutcome.ok and totp.needs_second_factor(result.user)
        if staff:
            totp.begin(result.user, next_url=safe_next(form.next.data))
        elif result.outcome is LoginOutcome.ok:
            start_session(result.user, remember=form.remember.data)
        db.session.commit()  # the audit event and a rehash stay, whatever the outcome
        if staff:
            return redirect(url_for("auth.second_factor"), code=303)
        if result.outcome is LoginOutcome.ok:
            response = redirect(safe_next(form.next.data) or url_for("cabinet.index"), code=303)
            response.headers["Clear-Site-Data"] = CLEAR_AT_LOGIN
            return response
        problem, status = result.outcome.value, LOGIN_STATUS[result.outcome]
        if result.outcome is LoginOutcome.not_activated:
            remember_unactivated(result.user)
    form.password.data = ""
    return render_template("auth/login.html", form=form, problem=problem), status


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    """Staff only: the TOTP code after the right password (and the enrolment QR the first time).

    Staff views send a staff session without a valid second factor here (docs/security.md, "Sessions bound to a
    second factor"): a login with a secret proves it again; one without enrols only after its password.
    """
    user = totp.pending_user()
    if user is None and current_user.is_authenticated and current_user.is_staff:
        next_url = safe_next(request.args.get("next"))
        if second_factor_passed(current_user):
            return redirect(next_url or url_for("admin.index"), code=303)
        user = current_user._get_current_object()
        if user.totp_secret:
            totp.begin(user, next_url=next_url)
        else:
            drop_login()
            return redirect(url_for("auth.login_page", next=next_url), code=303)
    if user is None:
        return redirect(url_for("auth.login_page"), code=303)
    form = CodeForm()
    secret = totp.enrolment_secret(user)
    status, problem = 200, None
    if request.method == "POST":
        code = form.code.data if form.validate_on_submit() else None
        outcome = totp.check_code(user, code, ip=request.remote_addr)
        if outcome is SecondFactorOutcome.ok:
            next_url = totp.finish(user, ip=request.remote_addr)
            start_session(user, second_factor=True)
        db.session.commit()
        if outcome is SecondFactorOutcome.ok:
            return redirect(next_url or url_for("admin.index"), code=303)
        status = SECOND_FACTOR_STATUS[outcome]
        problem = None if outcome is SecondFactorOutcome.unread else outcome.value
    form.code.data = ""
    qr = totp.qr_data_uri(totp.provisioning_uri(user, secret)) if secret else None
    return render_template("auth/code.html", form=form, problem=problem, secret=secret, qr=qr), status


@bp.route("/logout", methods=["POST"])
def logout():
    end_session(current_user if current_user.is_authenticated else None, ip=request.remote_addr)
    db.session.commit()
    response = redirect(url_for("home.index"), code=303)
    response.headers["Clear-Site-Data"] = CLEAR_AT_LOGOUT
    return response
