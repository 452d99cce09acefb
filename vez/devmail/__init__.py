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
