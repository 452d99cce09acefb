"""Thin routes of a pay link: the bill's page, its "Pay", the checkout hand-off and the order's result. No login:
the signed token in the path is the only key, and it opens one bill of one account (docs/payments.md)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from vez import htmx, paylink
from vez.extensions import db
from vez.htmx import is_partial_request, render
from vez.identity.limits import PAY_LINK_PER_ADDRESS
from vez.models import PaymentChannel
from vez.paylink import LinkState
from vez.paylinks import bp
from vez.paylinks.forms import PayLinkForm
from vez.payments import flow, orders, providers, settle
from vez.urls import external_url

STOP_POLLING = 286  # htmx stops an `every` trigger on this status
INVALID_STATUS = {LinkState.expired: 410, LinkState.damaged: 404}


def _page(link: paylink.PayLink, token: str, form: PayLinkForm | None = None, status: int = 200, problem=None):
    if not link.valid:
        return render_template("paylinks/invalid.html", link=link), INVALID_STATUS[link.state]
    if form is None and link.state is LinkState.open:
        form = PayLinkForm(formdata=None, key=orders.new_key())
    context = dict(link=link, token=token, form=form, holder=paylink.mask_name(link.account.holder_name))
    return render("paylinks/show.html", "paylinks/_bill.html", problem=problem, **context), status


@bp.get("/pay/<token>")
def show(token: str):
    return _page(paylink.open_link(token), token)


@bp.post("/pay/<token>")
def pay(token: str):
    link = paylink.open_link(token)
    if link.state is not LinkState.open:
        return _page(link, token, status=409)  # paid or superseded meanwhile: nothing to pay
    provider = providers.active()
    if provider is None:
        return _page(link, token, status=503, problem=_("Online payment is temporarily unavailable."))
    form = PayLinkForm()
    if not form.validate_on_submit():
        return _page(link, token, status=422, problem=_("The page had expired. Press “Pay” again."))
    # docs/security.md, "One-tap pay links": presses per address, counted before anything is written.
    if not PAY_LINK_PER_ADDRESS.take(request.remote_addr):
        return _page(link, token, status=429, problem=_("Too many payments were started from here. Try again later."))
    if paylink.orders_cap_reached(link.bill.id, form.key.data):
        db.session.rollback()
        PAY_LINK_PER_ADDRESS.refund(request.remote_addr)
        problem = _("Several payments of this bill are still unfinished. Finish one of them, or try again later.")
        return _page(link, token, status=429, problem=problem)
    payment = orders.create_order(
        user_id=None,
        account=link.account,
        amount=link.amount,
        key=form.key.data,
        provider=provider.name,
        ip=request.remote_addr,
        channel=PaymentChannel.link,
        bill_id=link.bill.id,
    )
    if payment is None:  # another form's key: as if the page did not exist
        db.session.rollback()
        abort(404)
    db.session.commit()
    return htmx.redirect(url_for("paylinks.checkout", token=token, reference=payment.reference))


def _order(token: str, reference: str):
    link = paylink.open_link(token)
    if not link.valid:
        return link, None
    return link, paylink.link_order(link, reference) or abort(404)


@bp.get("/pay/<token>/orders/<reference>/checkout")
def checkout(token: str, reference: str):
    """The hand-off to the gateway, as the cabinet's: a form with the signed order the browser posts there."""
    link, payment = _order(token, reference)
    if payment is None:
        return _page(link, token)
    if not payment.unfinished:
        return redirect(url_for("paylinks.order", token=token, reference=reference), code=303)
    provider = providers.get(payment.provider) or abort(503)
    account = payment.account
    order = flow.gateway_order(
        provider,
        reference=payment.reference,
        amount=payment.amount,
        description=paylink.order_description(account),
        account_number=account.number,
        result_url=external_url("paylinks.came_back", token=token, reference=reference),
    )
    return flow.checkout_page(
        "paylinks/checkout.html",
        provider,
        order,
        payment=payment,
        account=account,
        token=token,
    )


@bp.get("/pay/<token>/orders/<reference>/return")
def came_back(token: str, reference: str):
    """Where the gateway sends the browser back, as the cabinet's return route: the gateway is asked once
    (throttled) about an unfinished order, and "no such payment" means the payer left without paying."""
    link, payment = _order(token, reference)
    if payment is None:
        return _page(link, token)
    flow.ask_on_return(payment, settle.claim_check, settle.ask)
    return redirect(url_for("paylinks.order", token=token, reference=reference), code=303)


@bp.get("/pay/<token>/orders/<reference>")
def order(token: str, reference: str):
    """The order's result: its state, amount and account number, nothing else (no balance, no history)."""
    link, payment = _order(token, reference)
    if payment is None:
        return _page(link, token)
    final = not payment.unfinished
    if is_partial_request() and not final:
        return "", 204  # the poll: nothing changed, keep asking
    body = render(
        "paylinks/order.html", "paylinks/_order_state.html", link=link, token=token, payment=payment, final=final
    )
    return body, STOP_POLLING if final and is_partial_request() else 200
