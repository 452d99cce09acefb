"""Errors of the personal API as RFC 9457 problem details (docs/api.md, "Errors").

Every answer under /api/ that is not a success is `application/problem+json`, whether the API's own view refused
(no token, another's account) or the router did (no such path, a method the API does not have), so vez.errors
asks `is_api_request` before it renders an HTML error page.
"""

from __future__ import annotations

import json

from flask import Response, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"
DETAILS = {
    400: _l("The request's parameters are not valid: see the API description."),
    401: _l("A valid personal access token is needed: send it as Authorization: Bearer <token>."),
    404: _l("There is no such resource, or this token may not read it."),
    405: _l("The API only reads: use GET."),
    413: _l("The request is too large."),
    429: _l("Too many requests with this token. Wait as long as Retry-After says."),
    500: _l("Something went wrong on our side. Please try again in a few minutes."),
    503: _l("The service is temporarily unavailable. Please try again in a minute."),
}
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")  # an HTTP error's headers a client needs


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra) -> Response:
    """A problem-details answer: `type` about:blank, so `title` is the status's own phrase (RFC 9457, 4.2.1)."""
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status}
    body["detail"] = str(detail)
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def for_error(error: HTTPException, **extra) -> Response:
    """The problem answer of an HTTP error raised anywhere under /api/ (the router's 404 and 405 too)."""
    code = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name in KEPT_HEADERS}
    return problem(code, DETAILS.get(code, DETAILS[500]), headers, **extra)


def for_status(code: int, **extra) -> Response:
    return problem(code, DETAILS.get(code, DETAILS[500]), **extra)
