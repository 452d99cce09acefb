"""Logging: the app's loggers (vez, and below it vez.security, vez.mail, ...) write to stderr, set up once a process.

gunicorn and `flask run` leave the root logger without handlers, so without this the security log (INFO) went
nowhere. The handler sits on the "vez" logger (app.logger's name), which still propagates to the root: pytest's
caplog sees every record. The level is set only while nobody else has set one (caplog.set_level, a dictConfig),
and handlers that an operator's logging configuration put on "vez" are left alone (they may use `Formatter`).

`LOG_FORMAT` "json" (production and testing): every record is one JSON object a line: time, level, logger,
message, request_id, and for a failure its `incident` and `traceback`. "text" (the default in development, for
a human at `make run`): gunicorn's error-log layout. Either way `vez.security` records are JSON lines of their own
shape (docs/security.md, "Sessions bound to a second factor", security log).

Every request has an id: the proxy's X-Request-ID when it is a plain token, else one of ours, given back in the
X-Request-ID header of every answer (`RequestIds`, the outermost WSGI layer, so static files carry it too) and
logged by gunicorn's access log (deploy/gunicorn.conf.py). Paths that carry a token (`TOKEN_PATHS`) are redacted from
access logs: gunicorn's (`AccessLogger`) and the Werkzeug development server's (a filter on its logger).
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
TOKEN_PATHS = ("/activate/", "/recovery/password/", "/cabinet/profile/email/", "/pay/")
REDACTED = "[redacted]"
_TOKEN_SEGMENT = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in TOKEN_PATHS) + r")[^/?#\s\"']+", re.IGNORECASE
)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}", re.ASCII)
ENVIRON_KEY = "vez.request_id"
LOG_FORMATS = ("json", "text")


def redact(text):
    """`text` with the token segment of every token path replaced; anything not a string is returned as it is."""
    return _TOKEN_SEGMENT.sub(r"\1" + REDACTED, text) if isinstance(text, str) else text


def new_request_id(given: str | None) -> str:
    """The proxy's id when it is a plain token (nothing a log line or a header could be forged with), else ours."""
    return given if given and _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)


def request_id() -> str | None:
    """This request's id (see the module's docstring); None outside a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = request.environ.get(ENVIRON_KEY) or new_request_id(request.headers.get("X-Request-ID"))
    return g.request_id


class RequestIds:
    """WSGI: gives each request its id (`environ["vez.request_id"]`) and every answer the X-Request-ID header."""

    def __init__(self, app) -> None:
        self.app = app  # `app`, like ProxyFix: vez.static.whitenoise_of walks the layers by it

    def __call__(self, environ, start_response):
        rid = environ[ENVIRON_KEY] = new_request_id(environ.get("HTTP_X_REQUEST_ID"))

        def start(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"] + [("X-Request-ID", rid)]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def iso_time(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


def json_line(fields: dict) -> str:
    # ASCII only: no control or bidi character of a login, an address or a path reaches a terminal.
    return json.dumps(fields, ensure_ascii=True, default=str, separators=(",", ":"))


class Formatter(logging.Formatter):
    """vez.security as JSON lines of their own; every other record a JSON line too, or gunicorn's layout."""

    def __init__(self, log_format: str = "json") -> None:
        super().__init__(FORMAT, DATE_FORMAT)
        self.json = log_format == "json"

    def format(self, record: logging.LogRecord) -> str:
        if record.name != SECURITY_LOGGER and not record.name.startswith(SECURITY_LOGGER + "."):
            return self.format_json(record) if self.json else super().format(record)
        fields = getattr(record, "audit", None)
        line = {"time": iso_time(record.created), "level": record.levelname, "logger": record.name}
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
        return json_line(line)

    def format_json(self, record: logging.LogRecord) -> str:
        line = {
            "time": iso_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if getattr(record, "incident", None):
            line["incident"] = record.incident
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        return json_line(line)


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


def tag_requests(app: Flask) -> None:
    """The outermost WSGI layer (call it after every other middleware): ids for every request and answer."""
    app.wsgi_app = RequestIds(app.wsgi_app)  # type: ignore[method-assign]


def log_format(config) -> str:
    """LOG_FORMAT, else text in development (a human reads `make run`) and json everywhere else."""
    chosen = config.get("LOG_FORMAT") or ("text" if config.get("ENV_MODE") == "development" else "json")
    if chosen not in LOG_FORMATS:
        raise RuntimeError(f"LOG_FORMAT {chosen!r} is neither json nor text (set VEZ_LOG_FORMAT).")
    return chosen


def init_app(app: Flask) -> None:
    chosen = log_format(app.config)
    security = logging.getLogger(SECURITY_LOGGER)
    if not any(isinstance(f, RequestIdFilter) for f in security.filters):
        security.addFilter(RequestIdFilter())
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in werkzeug.filters):
        werkzeug.addFilter(RedactTokens())
    logger = logging.getLogger(app.name)  # app.logger, without Flask adding its own handler first
    ours = [handler for handler in logger.handlers if isinstance(handler, StderrHandler)]
    for handler in ours:  # set up by an earlier app of this process (tests): the latest app's format holds
        handler.setFormatter(Formatter(chosen))
    if ours or any(handler is not default_handler for handler in logger.handlers):
        return  # set up already, or by the operator's logging configuration
    logger.removeHandler(default_handler)
    handler = StderrHandler()
    handler.addFilter(RequestIdFilter())  # every record through it, of any logger below "vez"
    handler.setFormatter(Formatter(chosen))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(app.config["LOG_LEVEL"])
