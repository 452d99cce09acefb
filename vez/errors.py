"""Error pages in the user's language; a 500 names an incident id and shows no traceback (docs/security.md 45).

An unexpected exception is not caught here: Flask propagates it in debug (the debugger shows it) and in testing
(the failing test sees it), and otherwise turns it into an InternalServerError, whose handler below logs it once
under the incident id the page shows.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from vez import problems
from vez.extensions import db, login_manager
from vez.logs import redact

log = logging.getLogger("vez.errors")

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The request is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is temporarily unavailable"),
}
ADVICE = {
    400: _l("Go back, reload the page and try again."),
    403: _l("This page is not available to your login."),
    404: _l("Check the address, or start again from the home page."),
    405: _l("Go back and use the buttons on the page."),
    413: _l("Send a smaller file or shorter text."),
    429: _l("For your safety we paused further attempts. Please try again later."),
    500: _l("We have been told and are looking into it. Please try again in a few minutes."),
    503: _l("Please try again in a minute. If it keeps happening, call 0 800 300 521."),
}


def render_error(code: int, incident: str | None = None, advice=None):
    if code >= 500 and "_login_user" not in g:
        # The database may be what failed: the page must not ask it who the visitor is (Flask-Login loads the
        # user lazily, and the locale selector would). A 5xx page is rendered as for an anonymous visitor.
        g._login_user = login_manager.anonymous_user()
    body = render_template(
        "errors/error.html",
        code=code,
        title=TITLES.get(code, TITLES[500]),
        advice=advice or ADVICE.get(code, ADVICE[500]),
        incident=incident,
        safe_mode=code >= 500,
    )
    return body, code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if problems.is_api_request():
            return problems.for_status(400)
        return render_error(400, advice=_l("The form has expired. Reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if problems.is_api_request():
            return problems.for_error(error)
        return render_error(error.code)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        db.session.rollback()
        incident = secrets.token_hex(4)
        log.error(
            "database unavailable, incident %s: %s", incident, error.__class__.__name__, extra={"incident": incident}
        )
        if problems.is_api_request():
            return problems.for_status(503, incident=incident)
        return render_error(503, incident)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        incident = secrets.token_hex(4)
        original = error.original_exception or error
        log.error(
            "incident %s on %s [%s]",
            incident,
            redact(request.path),
            request.method,
            exc_info=original,
            extra={"incident": incident},
        )
        if problems.is_api_request():
            return problems.for_status(500, incident=incident)
        return render_error(500, incident)
