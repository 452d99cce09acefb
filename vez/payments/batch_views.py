"""Thin routes of "several accounts in one payment": the confirmation, the checkout hand-off, the status."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from vez import htmx
from vez.extensions import db
from vez.htmx import is_partial_request, render
from vez.models import UNFINISHED, PaymentBatch, PaymentStatus, Service
from vez.payments import batches, bp, flow, orders, providers
from vez.payments.forms import BatchForm
from vez.urls import external_url

STOP_POLLING = 286  # htmx stops an `every` trigger on this status


def _form_page(form: BatchForm, plan: batches.Offer, status: int = 200, problem: str | None = None):
    return render("payments/batch_new.html", "payments/_batch_form.html", form=form, plan=plan, problem=problem), status


@bp.route("/payments/batches/new", methods=["GET", "POST"])
@login_required
def batch_new():
    """The confirmation: each account with its amount, the total, and one "Pay"."""
    provider = providers.active()
    form = BatchForm()
    if provider is None:
        return render_template("payments/batch_new.html", form=None, plan=None, problem=None), 503
    if request.method == "POST" and form.validate_on_submit():
        made = db.session.scalar(
            db.select(PaymentBatch).where(
                PaymentBatch.idempotency_key == form.key.data, PaymentBatch.user_id == current_user.id
            )
        )
        if made is not None:  # the same form again (a double submit, the back button): the batch it made
            return htmx.redirect(url_for("payments.batch_checkout", batch_id=made.id))
    plan = batches.offer_for(current_user.id)
    if request.method == "GET" or not plan.possible:
        form.key.data, form.lines.data = orders.new_key(), plan.fingerprint
        return _form_page(form, plan, 200 if request.method == "GET" or plan.possible else 409)
    if not form.validate_on_submit():
        form.key.data, form.lines.data = orders.new_key(), plan.fingerprint
        return _form_page(form, plan, 422)
    if form.lines.data != plan.fingerprint:  # the amounts due changed since the page was shown
        form.key.data, form.lines.data = orders.new_key(), plan.fingerprint
        return _form_page(
            form, plan, 409, _("The amounts due have changed since the page was shown. Check them and pay again.")
        )
    # docs/security.md, "Per-login caps": a batch counts as one order, under the login's row lock.
    problem = flow.cap_problem(current_user.id, form.key.data)
    if problem is not None:
        form.key.data = orders.new_key()
        return _form_page(form, plan, htmx.wait_status(), problem)
    batch = batches.create_batch(
        user_id=current_user.id, plan=plan, key=form.key.data, provider=provider.name, ip=request.remote_addr
    )
    if batch is None:  # another login's form key: as if the page did not exist
        db.session.rollback()
        abort(404)
    db.session.commit()
    return htmx.redirect(url_for("payments.batch_checkout", batch_id=batch.id))


def _owned(batch_id: int) -> PaymentBatch:
    return batches.owned_batch(current_user.id, batch_id) or abort(404)


@bp.get("/payments/batches/<id:batch_id>/checkout")
@login_required
def batch_checkout(batch_id: int):
    """The hand-off to the gateway: one signed order for the batch's total."""
    batch = _owned(batch_id)
    if batch.status not in UNFINISHED:
        return redirect(url_for("payments.batch_show", batch_id=batch.id), code=303)
    provider = providers.get(batch.provider)
    if provider is None:
        abort(503)
    payments = batches.members(batch.id)
    order = flow.gateway_order(
        provider,
        reference=batch.reference,
        amount=batch.amount,
        description=_description([payment.account for payment in payments]),
        # The gateway's `info`, echoed back: every account of the batch, checked against the batch.
        account_number=batches.info_of(payment.account.number for payment in payments),
        result_url=external_url("payments.batch_came_back", batch_id=batch.id),
    )
    return flow.checkout_page(
        "payments/batch_checkout.html",
        provider,
        order,
        batch=batch,
        payments=payments,
    )


def _description(accounts) -> str:
    """The purpose line the gateway shows and prints, in the payer's language."""
    numbers = ", ".join(sorted(account.number for account in accounts))
    services = {account.service for account in accounts}
    if services == {Service.electricity}:
        return _("Payment for electricity, personal accounts No. %(numbers)s", numbers=numbers)
    if services == {Service.gas}:
        return _("Payment for natural gas, personal accounts No. %(numbers)s", numbers=numbers)
    return _("Payment for electricity and natural gas, personal accounts No. %(numbers)s", numbers=numbers)


@bp.get("/payments/batches/<id:batch_id>/return")
@login_required
def batch_came_back(batch_id: int):
    """Where the gateway sends the browser back: the return proves nothing, so the gateway is asked once
    (claim_check throttles it) about a batch still unfinished; "no such payment" means the consumer left
    without paying (cancelled)."""
    batch = _owned(batch_id)
    flow.ask_on_return(batch, batches.claim_check, batches.ask)
    return redirect(url_for("payments.batch_show", batch_id=batch_id), code=303)


@bp.post("/payments/batches/<id:batch_id>/cancel")
@login_required
def batch_cancel(batch_id: int):
    """The consumer changed their mind before the gateway took the batch; a pending one is the bank's to decide."""
    batch = _owned(batch_id)
    if batches.cancel_by_consumer(batch, ip=request.remote_addr):
        db.session.commit()
    return htmx.redirect(url_for("payments.batch_show", batch_id=batch_id))


@bp.get("/payments/batches/<id:batch_id>")
@login_required
def batch_show(batch_id: int):
    """The batch's state: the same live region as one payment's page, polling only while it is pending."""
    batch = _owned(batch_id)
    polling = batch.status is PaymentStatus.pending  # only the bank's decision changes it by itself
    if is_partial_request() and polling:
        return "", 204  # the poll: nothing changed, nothing to swap, keep asking
    body = render(
        "payments/batch_show.html",
        "payments/_batch_status_final.html",
        batch=batch,
        payments=batches.members(batch.id),
        polling=polling,
    )
    return body, STOP_POLLING if is_partial_request() else 200
