"""Logging: the app's loggers (vez, and below it vez.security, vez.mail, ...) write to stderr, set up once a process.

gunicorn and `flask run` leave the root logger without handlers, so without this the security log (INFO) went
nowhere. The handler sits on the "vez" logger (app.logger's name), which still propagates to the root: pytest's
caplog sees every record. The level is set only while nobody else has set one (caplog.set_level, a dictConfig),
and handlers that an operator's logging configuration put on "vez" are left alone.
"""

from __future__ import annotations

import logging
import sys

from flask import Flask
from flask.logging import default_handler

# gunicorn's error-log layout, plus the logger's name.
FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"


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
    logger = logging.getLogger(app.name)  # app.logger, without Flask adding its own handler first
    if any(handler is not default_handler for handler in logger.handlers):
        return  # set up already: by another app of this process, or by the operator's logging configuration
    logger.removeHandler(default_handler)
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter(FORMAT, DATE_FORMAT))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(app.config["LOG_LEVEL"])
