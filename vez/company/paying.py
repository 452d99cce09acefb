"""Paying under a contract online: one order per contract through the payment gateway interface
(vez.companies.paying; docs/companies.md, "Paying"). The household's pay form, amount limits and states; the
gateway's callback is the household one (/payments/callback/<provider>), whose settle hook finds company orders."""

from __future__ import annotations

from functools import partial

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from vez import htmx, money
from vez.companies import paying
from vez.companies.access import Can, can
from vez.company import bp
from vez.company.access import contract_or_404
from vez.extensions import db
from vez.htmx import is_partial_request, render
from vez.models import CompanyPayment, PaymentStatus
from vez.payments import flow, providers
from vez.urls import external_url

STOP_POLLING = 286  # htmx stops an `every` trigger on this status


@bp.route("/contracts/<id:contract_id>/pay", methods=["GET", "POST"])
@login_required
def pay(contract_id: int):
    contract, member = contract_or_404(contract_id, Can.pay)
    g.company_member = member
    provider = providers.active()
    if provider is None:
        return render_template("company/payment_pay.html", form=None, contract=contract), 503
    filled = flow.pay_form(current_user.id, contract.balance, provider, partial(paying.create_order, contract=contract))
    if filled.order is not None:
        return htmx.redirect(url_for("company.checkout", payment_id=filled.order.id))
    body = render("company/payment_pay.html", "company/_payment_form.html", form=filled.form, contract=contract)
    return body, filled.status


def _member_payment(payment_id: int, capability: Can = Can.view) -> CompanyPayment:
    """The order if it is under a contract of one of the login's companies (404 otherwise) and the role may
    (403 otherwise)."""
    found = paying.member_payment(current_user.id, payment_id)
    if found is None:
        abort(404)
    payment, member = found
    if not can(member, capability):
        abort(403)
    g.company_member = member
    return payment


@bp.get("/payments/<id:payment_id>/checkout")
@login_required
def checkout(payment_id: int):
    """The hand-off to the gateway: a form with the signed order that the browser posts there."""
    payment = _member_payment(payment_id, Can.pay)
    if payment.status is not PaymentStatus.created:
        return redirect(url_for("company.payment", payment_id=payment.id), code=303)
    provider = providers.get(payment.provider)
    if provider is None:
        abort(503)
    contract = payment.contract
    order = flow.gateway_order(
        provider,
        reference=payment.reference,
        amount=payment.amount,
        description=description(contract),
        account_number=contract.number,
        result_url=external_url("company.payment_return", payment_id=payment.id),
    )
    return flow.checkout_page(
        "company/payment_checkout.html",
        provider,
        order,
        payment=payment,
        contract=contract,
    )


def description(contract) -> str:
    """The purpose line the gateway shows and prints, in the payer's language."""
    if contract.service.value == "electricity":
        return _("Payment for electricity under contract No. %(number)s", number=contract.number)
    return _("Payment for natural gas under contract No. %(number)s", number=contract.number)


@bp.get("/payments/<id:payment_id>/return")
@login_required
def payment_return(payment_id: int):
    """Where the gateway sends the browser back. The return proves nothing: the gateway is asked once (throttled)
    about an order still unfinished; "no such payment" means the payer left without paying (cancelled)."""
    payment = _member_payment(payment_id)
    flow.ask_on_return(payment, paying.claim_check, paying.ask)
    return redirect(url_for("company.payment", payment_id=payment_id), code=303)


@bp.post("/payments/<id:payment_id>/cancel")
@login_required
def payment_cancel(payment_id: int):
    """The payer changed their mind before the gateway took the order; a pending one is the bank's to decide."""
    payment = _member_payment(payment_id, Can.pay)
    if paying.cancel_by_payer(payment, user_id=current_user.id, ip=request.remote_addr):
        db.session.commit()
    return htmx.redirect(url_for("company.payment", payment_id=payment_id))


@bp.get("/payments/<id:payment_id>")
@login_required
def payment(payment_id: int):
    """The order's state; while pending the page asks every 2 s (204 until it changes, then 286 with the news)."""
    payment = _member_payment(payment_id)
    polling = payment.status is PaymentStatus.pending
    if is_partial_request() and polling:
        return "", 204
    contract = payment.contract
    db.session.refresh(contract)
    body = render(
        "company/payment.html",
        "company/_payment_status_final.html",
        payment=payment,
        contract=contract,
        polling=polling,
        again=url_for("company.pay", contract_id=contract.id, amount=money.format_plain(payment.amount)),
    )
    return body, STOP_POLLING if is_partial_request() else 200
