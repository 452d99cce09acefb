"""The steps every online payment of the cabinet shares, whoever pays (a household account, autopay's card order,
several accounts at once, a company's contract: vez/company/paying.py): the per-login cap on unfinished orders,
the pay form's round trip, and the order a checkout hands to the gateway."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from vez import caps, htmx, money
from vez.extensions import db
from vez.models import UNFINISHED, PaymentStatus
from vez.payments import orders, settle
from vez.payments.forms import PayForm, amount_again
from vez.payments.providers import Order, Provider
from vez.urls import external_url


def cap_problem(user_id: int, key: str) -> str | None:
    """docs/security.md, "Per-login caps": the refusal to show when the login's unfinished orders (household and
    company ones counted together, under the login's row lock) reach the cap; the session is rolled back then."""
    cap = caps.pending_orders_cap(user_id, key)
    if cap is None:
        return None
    db.session.rollback()
    return _(
        "The limit of unfinished online payments (%(max)s) is reached. Finish one of the payments "
        "you started, or try again in %(minutes)s min.",
        max=cap.limit,
        minutes=cap.minutes,
    )


def refused_over_cap(form, user_id: int) -> bool:
    """The cap's refusal on the form's key (with a fresh key to try again with), when it is reached."""
    problem = cap_problem(user_id, form.key.data)
    if problem is None:
        return False
    form.key.errors = [problem]
    form.key.data = orders.new_key()
    return True


def renew_key(form) -> None:
    """A form shown again gets a fresh key when its own was refused or missing."""
    if form.key.errors or not form.key.data:
        form.key.data = orders.new_key()


@dataclass
class Filled:
    """Where the pay form stands: shown again with `status`, or its order made and committed (`order`)."""

    form: PayForm
    status: int = 200
    order: object | None = None


def pay_form(user_id: int, balance: int, provider: Provider, make_order: Callable[..., object | None]) -> Filled:
    """The pay form's round trip: GET proposes the amount ("Try again"'s or the debt) with a new key; a valid
    POST under the cap makes the one order of its key and commits it. `make_order` is a create_order with its
    subject bound (the account, the contract); its None (another login's key) is as if the page did not exist."""
    form = PayForm()
    if request.method == "GET":
        config = current_app.config
        proposed = amount_again(request.args.get("amount")) or orders.proposed_amount(
            balance, config["PAYMENT_MIN_AMOUNT"], config["PAYMENT_MAX_AMOUNT"]
        )
        form.amount.data = money.format_plain(proposed)
        form.key.data = orders.new_key()
        return Filled(form)
    if not form.validate_on_submit():
        renew_key(form)
        return Filled(form, 422)
    if refused_over_cap(form, user_id):
        return Filled(form, htmx.wait_status())
    order = make_order(
        user_id=user_id, amount=form.kopiykas, key=form.key.data, provider=provider.name, ip=request.remote_addr
    )
    if order is None:
        db.session.rollback()
        abort(404)
    db.session.commit()
    return Filled(form, order=order)


def gateway_order(
    provider: Provider,
    *,
    reference: str,
    amount: int,
    description: str,
    account_number: str,
    result_url: str,
    save_card: bool = False,
) -> Order:
    """The order a checkout signs for the gateway: in hryvnias, called back at our one callback, in the payer's
    language."""
    return Order(
        order_id=reference,
        amount=amount,
        currency=settle.CURRENCY,
        description=description,
        account_number=account_number,
        result_url=result_url,
        server_url=external_url("payments.callback", provider=provider.name),
        language=str(get_locale()),
        save_card=save_card,
    )


def checkout_page(template: str, provider: Provider, order: Order, **context) -> str:
    """A checkout page: the order signed for the gateway's form (payments/_checkout_form.html) and whose it is."""
    return render_template(template, checkout=provider.checkout(order), provider=provider.name, **context)


def ask_on_return(order, claim_check: Callable[[int], bool], ask: Callable[..., object]) -> None:
    """The browser back from the gateway proves nothing: the gateway is asked once (claim_check throttles it) about
    an order (of any kind) still unfinished; "no such payment" means the payer left without paying (cancelled)."""
    if order.status in UNFINISHED and claim_check(order.id):
        db.session.commit()
        ask(order, unknown=PaymentStatus.cancelled, via="return", ip=request.remote_addr)
    else:
        db.session.rollback()
