"""One-tap pay links: the page a letter's link opens without a login, its "Pay" and the order's result."""

from flask import Blueprint

bp = Blueprint("paylinks", __name__)


@bp.after_request
def no_referrer(response):
    """The token is in the URL: no Referer carries it to the gateway or anywhere else, and no cache keeps it
    (vez.http leaves both headers as set here)."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


from vez.paylinks import views  # noqa: E402,F401
