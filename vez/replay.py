"""Statements read again exactly as SQLAlchemy sent them, on the driver's own cursor (vez.rendercache, the login
of vez.identity.sessions): when they return the rows kept from that first reading, what SQLAlchemy made of those
rows (a page, a login's row) still holds, and none of its statement, session or result machinery runs again.

Rows are kept as the driver returned them, before any type processing: equal driver rows mean equal values.
"""

from __future__ import annotations

import contextlib
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Executable, Row, event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.cursor import FullyBufferedCursorFetchStrategy
from sqlalchemy.orm import Session

from vez.extensions import db

CAPTURE = "vez_capture"  # an execution option: the statement's driver rows are kept in g.vez_captured


class Replays:
    """A worker's count of statements read again (the tests and bench/profile.py add them to SQLAlchemy's)."""

    def __init__(self) -> None:
        self.count = 0


def rows(statement: str, parameters: Any) -> list | None:
    """The driver's rows of `statement` now, or None when it fails (the caller then asks SQLAlchemy, which meets
    the same failure and reports it: the database-down page, a lost connection replaced)."""
    current_app.extensions["vez.replay"].count += 1
    the_sessions = False
    try:
        connection, the_sessions = _connection()  # a checkout fails here when the database is away
        cursor = connection.cursor()
        try:
            cursor.execute(statement, parameters)
            return cursor.fetchall()
        finally:
            cursor.close()
    except Exception:  # noqa: BLE001 (any driver's error, raised by the driver itself: SQLAlchemy wraps none here)
        with contextlib.suppress(Exception):
            if the_sessions:
                db.session.rollback()  # a failed statement spoils the transaction (PostgreSQL): start anew
            else:
                _release()
        return None


def first(statement: Executable, parameters: dict) -> tuple[Row | None, tuple[str, Any, list] | None]:
    """SQLAlchemy's first row of `statement` on the session's connection, and the reading that checks it later
    with `rows`: (SQL, parameters, driver rows) as sent and returned."""
    result = db.session.connection().execute(statement.execution_options(**{CAPTURE: True}), parameters)
    row = result.first()
    return row, g.pop("vez_captured", None)


def _connection():
    """The session's connection when it has one (its transaction: what this request wrote, it reads), else a
    pooled driver connection checked out for the request's readings (returned to the pool, rolled back, at the
    request's end): a cache hit then never starts the session's transaction machinery at all."""
    session = db.session()
    if session.info.get(_CONNECTED):
        return session.connection().connection, True
    held = g.get("vez_driver")
    if held is None:
        held = g.vez_driver = db.engine.raw_connection()
    return held, False


_CONNECTED = "vez.connected"


def _connected(session, _transaction, _connection) -> None:
    """The session has a connection of its own (a miss, a view using the ORM): from now on the readings use it,
    and the driver connection checked out for the request goes back to the pool (one connection a request)."""
    session.info[_CONNECTED] = True
    if has_app_context():
        _release()


def _ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTED, None)


def _release(_exc: BaseException | None = None) -> None:
    held = g.pop("vez_driver", None)
    if held is not None:
        held.close()


def reading(cursor, statement: str, parameters: Any, context) -> tuple[str, Any, list]:
    """From SQLAlchemy's after_cursor_execute: the statement as sent with the driver rows it returned, which
    SQLAlchemy then gets from the same buffer (a cursor is read once)."""
    fetched = FullyBufferedCursorFetchStrategy(cursor, cursor.description)
    context.cursor_fetch_strategy = fetched
    kept_parameters = dict(parameters) if isinstance(parameters, dict) else tuple(parameters or ())
    return statement, kept_parameters, list(fetched._rowbuffer)


def _capture(_connection, cursor, statement, parameters, context, executemany) -> None:
    if context is None or executemany or not context.execution_options.get(CAPTURE):
        return
    g.vez_captured = reading(cursor, statement, parameters, context)


def init_app(app: Flask) -> None:
    app.extensions["vez.replay"] = Replays()
    app.teardown_appcontext(_release)
    if not event.contains(Engine, "after_cursor_execute", _capture):
        event.listen(Engine, "after_cursor_execute", _capture)
        event.listen(Session, "after_begin", _connected)
        event.listen(Session, "after_transaction_end", _ended)
