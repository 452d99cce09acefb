"""Online payment with no commission: orders, the gateways behind one interface, crediting, live status."""

from flask import Blueprint

bp = Blueprint("payments", __name__)

LIQPAY_ORIGIN = "https://www.liqpay.ua"


@bp.record_once
def allow_gateway_form(state) -> None:
    """The browser posts the checkout form to LiqPay: the CSP form-action must name its origin."""
    config = state.app.config
    if config.get("PAYMENT_PROVIDER") == "liqpay":
        extra = list(config.get("CSP_FORM_ACTION_EXTRA") or [])
        if LIQPAY_ORIGIN not in extra:
            config["CSP_FORM_ACTION_EXTRA"] = [*extra, LIQPAY_ORIGIN]


from vez.payments import autopay_views, batch_views, views  # noqa: E402,F401
