"""The profile's API access tokens (docs/api.md, "Tokens"): listed with their last use, made with the current
password (the secret shown once, on a page nothing caches), revoked with one click."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from vez import htmx
from vez.cabinet import bp
from vez.cabinet.forms import ConfirmForm, TokenForm
from vez.cabinet.views import _password_ok
from vez.extensions import db
from vez.identity import api_tokens
from vez.models import Company
from vez.urls import external_url


def _form(formdata=None) -> TokenForm:
    form = TokenForm(formdata=formdata, prefix="token")
    form.accounts.choices = [(a.id, f"{a.number} · {a.address}") for a in current_user.accounts]
    companies = api_tokens.administered_company_ids(current_user.id)
    form.companies.choices = [
        (c.id, c.name) for c in db.session.query(Company).filter(Company.id.in_(companies)).order_by(Company.name)
    ]
    return form


def _page(form: TokenForm, status: int = 200):
    return (
        render_template(
            "cabinet/tokens.html",
            form=form,
            tokens=api_tokens.live_tokens(current_user.id),
            limit=api_tokens.MAX_TOKENS,
        ),
        status,
    )


@bp.get("/profile/tokens", endpoint="tokens")
@login_required
def tokens_page():
    return _page(_form())


@bp.post("/profile/tokens", endpoint="token_create")
@login_required
def token_create():
    form = _form(request.form)
    if not (form.validate_on_submit() and _password_ok(form)):
        return _page(form, 422)
    made = api_tokens.create(
        current_user,
        form.name.data,
        int(form.days.data),
        account_ids=None if form.scope.data == "all" else list(form.accounts.data or ()),
        company_ids=tuple(form.companies.data or ()),
        ip=request.remote_addr,
    )
    if made is api_tokens.Refusal.too_many:
        form.name.errors.append(
            _("You have %(count)d tokens already: revoke one you no longer use.", count=api_tokens.MAX_TOKENS)
        )
        return _page(form, 422)
    if made is api_tokens.Refusal.no_scope:
        form.accounts.errors.append(_("Tick at least one account, or choose every account."))
        return _page(form, 422)
    db.session.commit()
    api_base = external_url("home.index").rstrip("/") + "/api/v1"
    body = render_template("cabinet/token_created.html", token=made.token, secret=made.secret, api_base=api_base)
    # The secret is in this answer only: no cache, no history copy, not in a URL or a flash cookie.
    return body, 201, {"Cache-Control": "no-store"}


@bp.post("/profile/tokens/<id:token_id>/revoke", endpoint="token_revoke")
@login_required
def token_revoke(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not api_tokens.revoke(current_user, token_id, ip=request.remote_addr):
        abort(404)
    db.session.commit()
    flash(_("The token has been revoked: it no longer opens anything."), "success")
    return htmx.redirect(url_for("cabinet.tokens"))
