from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from vez.auth import bp
from vez.auth import totp
from vez.auth.forms import CodeForm, LoginForm
from vez.auth.login import Outcome, authenticate
from vez.auth.sessions import end_session, start_session
from vez.auth.urls import safe_next
from vez.extensions import db
from vez.pagecache import cached_page

PENDING_USER = "pending_user_id"  # the not-yet-activated login whose letter /registration/sent can resend


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
        if result.outcome is Outcome.ok and totp.needs_second_factor(result.user):
            totp.begin(result.user, remember=False, next_url=safe_next(form.next.data))
            db.session.commit()
            return redirect(url_for("auth.second_factor"), code=303)
        if result.outcome is Outcome.ok:
            start_session(result.user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(form.next.data) or url_for("cabinet.index"), code=303)
        db.session.commit()
        problem = result.outcome.value
        status = 429 if result.outcome is Outcome.throttled else 422 if problem == "bad_credentials" else 403
        if result.outcome is Outcome.not_activated:
            session[PENDING_USER] = result.user.id
    form.password.data = ""
    return render_template("auth/login.html", form=form, problem=problem), status


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    """Staff only: the TOTP code after the right password (and the enrolment QR the first time)."""
    user = totp.pending_user()
    if user is None:
        return redirect(url_for("auth.login_page"), code=303)
    form = CodeForm()
    secret = totp.enrolment_secret(user)
    status, problem = 200, None
    if request.method == "POST":
        status = 422
        if totp.throttled(user):
            status, problem = 429, "throttled"
        elif form.validate_on_submit():
            if totp.check_code(user, form.code.data, ip=request.remote_addr):
                remember, next_url = totp.finish()
                start_session(user, remember=remember)
                db.session.commit()
                return redirect(next_url or url_for("admin.index"), code=303)
            db.session.commit()
            problem = "wrong_code"
    form.code.data = ""
    qr = totp.qr_data_uri(totp.provisioning_uri(user, secret)) if secret else None
    return render_template("auth/code.html", form=form, problem=problem, secret=secret, qr=qr), status


@bp.route("/logout", methods=["POST"])
def logout():
    end_session(current_user if current_user.is_authenticated else None)
    db.session.commit()
    return redirect(url_for("home.index"), code=303)
