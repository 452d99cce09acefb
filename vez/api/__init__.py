"""The personal read-only API under /api/v1/ (docs/api.md): JSON for home-automation pollers, a bearer token only.

Every request but the description's own carries `Authorization: Bearer <token>`; no cookie ever opens it (the
session is never read here), so it needs no CSRF protection and has none: it only answers GET and HEAD.
"""

from flask import Blueprint

from vez.extensions import csrf
from vez.problems import API_PREFIX

bp = Blueprint("api", __name__, url_prefix=API_PREFIX + "v1")
csrf.exempt(bp)  # no cookie authenticates it, and it has no unsafe method (every other method is 405)

from vez.api import views  # noqa: E402,F401
