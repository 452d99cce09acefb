"""The consumer's cabinet: personal accounts, charges, bills, payments."""

from flask import Blueprint

bp = Blueprint("cabinet", __name__, url_prefix="/cabinet")

from vez.cabinet import tokens, views  # noqa: E402,F401
