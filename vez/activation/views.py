from __future__ import annotations

from flask import redirect, render_template, request, url_for

from vez.activation import bp
from vez.auth.forms import LoginForm
from vez.extensions import db
from vez.identity.activation import ActivationState, activate, check_activation, resend_activation
from vez.identity.sessions import forget_unactivated, remember_unactivated

STATUS = {
    ActivationState.ready: 200,
    ActivationState.used: 410,
    ActivationState.expired: 410,
    ActivationState.replaced: 410,
    ActivationState.damaged: 404,
}


@bp.route("/activate/<token>", methods=["GET"])
def confirm(token: str):
    """Only shows the button: mail scanners that prefetch links must not activate anything."""
    result = check_activation(token)
    return _page(result, token)


@bp.route("/activate/<token>", methods=["POST"])
def activate_login(token: str):
    result = activate(token, ip=request.remote_addr)
    db.session.commit()
    if result.state is ActivationState.ready:
        forget_unactivated()
        return redirect(url_for("activation.done"), code=303)
    return _page(result, token)


@bp.route("/activate/<token>/resend", methods=["POST"])
def resend(token: str):
    """An expired link offers a new letter (the same resend limit applies)."""
    result = check_activation(token)
    if result.state is ActivationState.expired and result.user is not None:
        remember_unactivated(result.user)
        resend_activation(result.user, ip=request.remote_addr)
        db.session.commit()
        return redirect(url_for("registration.sent"), code=303)
    return _page(result, token)


@bp.route("/activate/done")
def done():
    return render_template("activation/done.html", form=LoginForm(), problem=None, tab="home")


def _page(result, token):
    template = "activation/confirm.html" if result.state is ActivationState.ready else "activation/problem.html"
    return render_template(template, result=result, token=token, state=result.state.value), STATUS[result.state]
