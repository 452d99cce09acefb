"""Logging: the app's loggers (vez, and below it vez.security, vez.mail, ...) write to stderr, set up once a process.

gunicorn and `flask run` leave the root logger without handlers, so without this the security log (INFO) went
nowhere. The handler sits on the "vez" logger (app.logger's name), which still propagates to the root: pytest's
caplog sees every record. The level is set only while nobody else has set one (caplog.set_level, a dictConfig),
and handlers that an operator's logging configuration put on "vez" are left alone (they may use `Formatter`).

`vez.security` records are one JSON line each (docs/security.md, "Sessions bound to a second factor", security
log); the others keep gunicorn's error-log layout. Paths that carry a token (`TOKEN_PATHS`) are redacted from
access logs: gunicorn's (gunicorn.conf.py's `AccessLogger`) and the Werkzeug development server's (a filter on
its logger).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

# gunicorn's error-log layout, plus the logger's name.
FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
SECURITY_LOGGER = "vez.security"

# The routes whose last path segment is a token (a public contract: the links in letters). The segment after
# the prefix is replaced, wherever it appears in a logged string (the request line, the path, the Referer).
TOKEN_PATHS = ("/activate/", "/recovery/password/", "/cabinet/profile/email/")
REDACTED = "[redacted]"
_TOKEN_SEGMENT = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in TOKEN_PATHS) + r")[^/?#\s\"']+", re.IGNORECASE
)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}", re.ASCII)


def redact(text):
    """`text` with the token segment of every token path replaced; anything not a string is returned as it is."""
    return _TOKEN_SEGMENT.sub(r"\1" + REDACTED, text) if isinstance(text, str) else text


def request_id() -> str | None:
    """The proxy's X-Request-ID when it is a plain token, else one of our own; None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
    return g.request_id


class Formatter(logging.Formatter):
    """vez.security as JSON lines, everything else in gunicorn's layout."""

    def __init__(self) -> None:
        super().__init__(FORMAT, DATE_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if record.name != SECURITY_LOGGER and not record.name.startswith(SECURITY_LOGGER + "."):
            return super().format(record)
        fields = getattr(record, "audit", None)
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if isinstance(fields, dict):
            target = fields.get("target_type")
            line |= {
                "event": fields.get("action"),
                "actor": fields.get("actor_id"),
                "ip": fields.get("ip"),
                "target": None if target is None else f"{target}:{fields.get('target_id')}",
                "data": fields.get("data"),
            }
        else:
            line["event"] = record.getMessage()
        line["request_id"] = getattr(record, "request_id", None)
        # ASCII only: no control or bidi character of a login or an address reaches a terminal.
        return json.dumps(line, ensure_ascii=True, default=str, separators=(",", ":"))


class RequestIdFilter(logging.Filter):
    """Takes the request id while the record is made, in the request's thread."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class RedactTokens(logging.Filter):
    """Werkzeug's request lines (`"GET /activate/<token> HTTP/1.1" 200 -`) without the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (pytest swaps it between tests)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def init_app(app: Flask) -> None:
    security = logging.getLogger(SECURITY_LOGGER)
    if not any(isinstance(f, RequestIdFilter) for f in security.filters):
        security.addFilter(RequestIdFilter())
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in werkzeug.filters):
        werkzeug.addFilter(RedactTokens())
    logger = logging.getLogger(app.name)  # app.logger, without Flask adding its own handler first
    if any(handler is not default_handler for handler in logger.handlers):
        return  # set up already: by another app of this process, or by the operator's logging configuration
    logger.removeHandler(default_handler)
    handler = StderrHandler()
    handler.setFormatter(Formatter())
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(app.config["LOG_LEVEL"])
