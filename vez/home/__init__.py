"""The public face: the two tabs of the home page and the health check."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from vez.home import views  # noqa: E402,F401
