"""Thin routes of autopay on the account page: switch on (consent, cap, then the card-saving checkout), switch off."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from vez import htmx
from vez.extensions import db
from vez.holdings import account_of
from vez.htmx import render
from vez.payments import autopay, bp, flow, orders, providers
from vez.payments.forms import AutopayForm, AutopayOffForm, autopay_context


def _page(account, form: AutopayForm | None = None, status: int = 200):
    body = render("payments/autopay.html", "cabinet/_autopay.html", account=account, **autopay_context(account, form))
    return body, status


@bp.route("/cabinet/accounts/<number>/autopay", methods=["GET", "POST"])
@login_required
def autopay_on(number: str):
    account = account_of(current_user.id, number) or abort(404)
    provider = providers.active()
    if provider is None:
        abort(503)
    if request.method == "GET":
        return _page(account)
    form = AutopayForm()
    if not form.validate_on_submit():
        flow.renew_key(form)
        return _page(account, form, 422)
    # docs/security.md, "Per-login caps": the card-saving order is an unfinished order like any other.
    if flow.refused_over_cap(form, current_user.id):
        return _page(account, form, htmx.wait_status())
    autopay.switch_on(current_user.id, account, form.kopiykas, autopay.CONSENT_VERSION, ip=request.remote_addr)
    config = current_app.config
    payment = orders.create_order(
        user_id=current_user.id,
        account=account,
        amount=autopay.card_order_amount(account.balance, config["PAYMENT_MIN_AMOUNT"], config["PAYMENT_MAX_AMOUNT"]),
        key=form.key.data,
        provider=provider.name,
        ip=request.remote_addr,
        save_card=True,
    )
    if payment is None:  # another login's form key
        db.session.rollback()
        abort(404)
    db.session.commit()
    return htmx.redirect(url_for("payments.checkout", payment_id=payment.id))


@bp.post("/cabinet/accounts/<number>/autopay/off")
@login_required
def autopay_off(number: str):
    """One click: the autopay and its card token are deleted."""
    account = account_of(current_user.id, number) or abort(404)
    if not AutopayOffForm().validate_on_submit():
        abort(400)
    if autopay.switch_off(current_user.id, account, ip=request.remote_addr):
        db.session.commit()
        flash(_("Autopay is off and the saved card is deleted."), "success")
    return htmx.redirect(url_for("cabinet.account", number=number) + "#autopay")
