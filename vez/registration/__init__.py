"""Registration: identification by a personal account (step 1), the login's data (step 2), the letter."""

from flask import Blueprint

bp = Blueprint("registration", __name__)

from vez.registration import views  # noqa: E402,F401
