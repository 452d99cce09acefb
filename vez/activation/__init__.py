"""Activation of a new login by the link in its letter: the page (GET) and the button (POST)."""

from flask import Blueprint

bp = Blueprint("activation", __name__)

from vez.activation import views  # noqa: E402,F401
