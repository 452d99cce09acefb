"""Development only (debug on): the outbox as a page, so `make run` works without an SMTP server."""

from flask import Blueprint, abort, current_app, render_template

from vez.extensions import db
from vez.mail import outbox
from vez.models import Letter

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")


@bp.before_request
def debug_only():
    if not current_app.debug:
        abort(404)


@bp.route("")
def index():
    return render_template("devmail/index.html", letters=outbox())


@bp.route("/<id:letter_id>")
def letter(letter_id: int):
    return render_template("devmail/letter.html", letter=db.get_or_404(Letter, letter_id))


# The letter's HTML part as the mail client gets it, framed by the letter's page: its inline styles are allowed
# here only (a letter has no stylesheet), no script runs, and only this site may frame it.
LETTER_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; sandbox"


@bp.route("/<id:letter_id>/html")
def letter_html(letter_id: int):
    letter = db.get_or_404(Letter, letter_id)
    response = current_app.response_class(letter.body_html or "", mimetype="text/html")
    response.headers["Content-Security-Policy"] = LETTER_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
