"""Recovery of a forgotten password (login + email → a single-use link) or login (email → a letter)."""

from flask import Blueprint

bp = Blueprint("recovery", __name__, url_prefix="/recovery")

from vez.recovery import views  # noqa: E402,F401
