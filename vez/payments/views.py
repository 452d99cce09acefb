"""Thin routes: the pay form, the checkout hand-off, the result page, the callbacks and the sandbox bank."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from vez import htmx, money
from vez.extensions import csrf, db
from vez.holdings import account_of
from vez.htmx import is_partial_request, render
from vez.models import PaymentStatus
from vez.payments import bp, flow, orders, providers, settle
from vez.payments.providers import CallbackRejected, Order, sandbox_bank
from vez.payments.providers.sandbox import SandboxProvider
from vez.urls import external_url

STOP_POLLING = 286  # htmx stops an `every` trigger on this status
# The gateway's answer to each settlement: OK stops its redelivery; anything else it retries or logs.
CALLBACK_ANSWERS = {
    settle.Settled.credited: (200, "OK"),
    settle.Settled.declined: (200, "OK"),
    settle.Settled.cancelled: (200, "OK"),
    settle.Settled.expired: (200, "OK"),
    settle.Settled.reversed: (200, "OK"),
    settle.Settled.waiting: (200, "OK"),
    settle.Settled.repeated: (200, "OK"),
    settle.Settled.rejected: (400, "rejected"),
    settle.Settled.not_a_form: (415, "rejected"),
    settle.Settled.unknown_provider: (404, "unknown provider"),
}


@bp.route("/cabinet/accounts/<number>/pay", methods=["GET", "POST"])
@login_required
def pay(number: str):
    account = account_of(current_user.id, number) or abort(404)
    provider = providers.active()
    if provider is None:
        return render_template("payments/pay.html", form=None, account=account), 503
    filled = flow.pay_form(current_user.id, account.balance, provider, partial(orders.create_order, account=account))
    if filled.order is not None:
        return htmx.redirect(url_for("payments.checkout", payment_id=filled.order.id))
    return render("payments/pay.html", "payments/_pay_form.html", form=filled.form, account=account), filled.status


def _owned(payment_id: int):
    return orders.owned_payment(current_user.id, payment_id) or abort(404)


@bp.get("/payments/<id:payment_id>/checkout")
@login_required
def checkout(payment_id: int):
    """The hand-off to the gateway: a form with the signed order that the browser posts there."""
    payment = _owned(payment_id)
    if payment.batch_id is not None:  # paid through its batch's one order (several accounts in one payment)
        return redirect(url_for("payments.batch_checkout", batch_id=payment.batch_id), code=303)
    if payment.status is not PaymentStatus.created:  # the gateway took it, or it is over: nothing to pay here
        return redirect(url_for("payments.show", payment_id=payment.id), code=303)
    provider = providers.get(payment.provider)
    if provider is None:
        abort(503)
    account = payment.account
    order = flow.gateway_order(
        provider,
        reference=payment.reference,
        amount=payment.amount,
        description=_description(account),
        account_number=account.number,
        result_url=external_url("payments.came_back", payment_id=payment.id),
        save_card=payment.save_card,
    )
    return flow.checkout_page(
        "payments/checkout.html",
        provider,
        order,
        payment=payment,
        account=account,
    )


def _description(account) -> str:
    """The purpose line the gateway shows and prints, in the payer's language."""
    if account.service.value == "electricity":
        return _("Payment for electricity, personal account No. %(number)s", number=account.number)
    return _("Payment for natural gas, personal account No. %(number)s", number=account.number)


@bp.get("/payments/<id:payment_id>/return")
@login_required
def came_back(payment_id: int):
    """Where the gateway sends the browser back (result_url). The browser's return proves nothing, so the gateway
    is asked once (claim_check throttles it) about an order still unfinished: "no such payment" means the
    consumer left without paying (cancelled); an unreachable gateway changes nothing."""
    payment = _owned(payment_id)
    flow.ask_on_return(payment, settle.claim_check, settle.ask)
    return redirect(url_for("payments.show", payment_id=payment_id), code=303)


@bp.post("/payments/<id:payment_id>/cancel")
@login_required
def cancel(payment_id: int):
    """The consumer changed their mind before the gateway took the order; a pending one is the bank's to decide."""
    payment = _owned(payment_id)
    if settle.cancel_by_consumer(payment, ip=request.remote_addr):
        db.session.commit()
    return htmx.redirect(url_for("payments.show", payment_id=payment_id))


@bp.get("/payments/<id:payment_id>")
@login_required
def show(payment_id: int):
    payment = _owned(payment_id)
    polling = payment.in_transit  # only a pending order can change by itself; every other state waits for a click
    if is_partial_request() and polling:
        return "", 204  # the poll: nothing changed, nothing to swap, keep asking
    body = render(
        "payments/show.html",
        "payments/_status_final.html",
        payment=payment,
        account=payment.account,
        polling=polling,
        again=url_for("payments.pay", number=payment.account.number, amount=money.format_plain(payment.amount)),
    )
    return body, STOP_POLLING if is_partial_request() else 200


@bp.get("/payments/<id:payment_id>/receipt")
@login_required
def receipt(payment_id: int):
    payment = _owned(payment_id)
    if payment.status not in (PaymentStatus.paid, PaymentStatus.reversed):
        abort(404)
    return render_template("payments/receipt.html", payment=payment, account=payment.account)


@bp.post("/payments/callback/<provider>")
@csrf.exempt
def callback(provider: str):
    """The gateway's server-to-server call: no session, no CSRF token; only a valid signature counts."""
    settled = settle.handle_callback(provider, request.mimetype, request.form, request.remote_addr)
    db.session.commit()  # a rejection's audit event (a settlement is committed by settle.apply)
    status, body = CALLBACK_ANSWERS[settled]
    return body, status, {"Content-Type": "text/plain; charset=utf-8"}


# ---- the sandbox bank (development and tests only) -------------------------------------------------


def _sandbox() -> SandboxProvider:
    provider = providers.get("sandbox")
    if provider is None:  # production: the sandbox does not exist
        abort(404)
    return provider


def _sandbox_order(provider: SandboxProvider) -> dict:
    try:
        return provider.open(request.form)
    except CallbackRejected:
        abort(400)


@bp.post("/payments/sandbox/checkout")
def sandbox_checkout():
    """The sandbox bank's page: the merchant, the order and the amount; pay or decline."""
    provider = _sandbox()
    order = _sandbox_order(provider)
    try:
        amount = money.parse_kopiykas(str(order.get("amount")), grammar="bare")
    except money.MoneyError:
        abort(400)
    if not 1 <= amount <= 10**11:
        abort(400)
    return render_template(
        "payments/sandbox.html",
        order=order,
        data=request.form["data"],
        signature=request.form["signature"],
        amount=amount,
        back=_local_result_path(order),
        saves_card=_saves_card(order),
    )


# The sandbox bank's buttons: the status it books and whether it calls our server back (docs/payments.md).
SANDBOX_DECISIONS = {"pay": ("success", True), "decline": ("failure", True), "pay_silently": ("success", False)}


@bp.post("/payments/sandbox/decide")
def sandbox_decide():
    """The sandbox bank books its decision, calls our callback with a signed result (unless told to stay
    silent), then sends the browser back; "cancel" books nothing, as a bank whose page was left."""
    provider = _sandbox()
    order = _sandbox_order(provider)
    decision = SANDBOX_DECISIONS.get(request.form.get("decision", ""))
    if decision is not None:
        status, notify = decision
        # Autopay's card-saving order: the test card picked is tokenised and its token rides on the callback.
        saves = status == "success" and _saves_card(order)
        card = provider.tokenise(request.form.get("card", "")) if saves else None
        entry = sandbox_bank.book(order, status, card_token=card.token if card else None)
        db.session.commit()
        if notify:
            callback = provider.callback_for(order, status, card, payment_id=entry.payment_id)
            settle.handle_callback(provider.name, settle.FORM, callback, request.remote_addr)
            db.session.commit()
    return redirect(_local_result_path(order), code=303)


def _saves_card(order: dict) -> bool:
    return order.get("recurringbytoken") == "1"


@bp.post("/payments/sandbox/api/request")
@csrf.exempt
def sandbox_api():
    """The sandbox bank's server API, shaped like LiqPay's /api/request: a signed envelope; `action: status`
    answered with the book's JSON (`payment_not_found` for an order nobody paid or declined), `action: paytoken`
    charging a card it tokenised (the same in-process charge `SandboxProvider.pay_by_token` makes)."""
    provider = _sandbox()
    try:
        params = provider.open(request.form)
    except CallbackRejected as rejected:
        return jsonify(sandbox_bank.error(rejected.reason if rejected.reason != "signature" else "invalid_signature"))
    if not isinstance(params.get("order_id"), str):
        return jsonify(sandbox_bank.error("err_path"))
    if params.get("action") == "status":
        return jsonify(sandbox_bank.status_answer(params["order_id"], public_key=provider.public_key))
    if params.get("action") == "paytoken" and isinstance(params.get("card_token"), str):
        try:
            amount = money.parse_kopiykas(str(params.get("amount")), grammar="bare")
        except money.MoneyError:
            return jsonify(sandbox_bank.error("amount_limit"))
        order = Order(
            order_id=params["order_id"],
            amount=amount,
            currency=str(params.get("currency") or settle.CURRENCY),
            description=str(params.get("description") or ""),
            account_number=str(params.get("info") or ""),
            result_url="",
            server_url=str(params.get("server_url") or ""),
            language="uk",
        )
        return jsonify(provider.pay_by_token(order, params["card_token"]).raw)
    return jsonify(sandbox_bank.error("err_path"))


def _local_result_path(order: dict) -> str:
    path = urlsplit(str(order.get("result_url", ""))).path
    # /pay/: a pay link; /company/payments/: a company's order under a contract (vez/company/paying.py)
    return path if path.startswith(("/payments/", "/pay/", "/company/payments/")) else url_for("cabinet.index")
