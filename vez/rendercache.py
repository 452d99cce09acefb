"""Logged-in pages rendered once per login, page, language and data (docs/performance.md, "The render cache").

A cabinet page is a pure function of what its view read: the rows handed to the template, the login's own row,
the address asked for, the language and the day. `render_page` takes exactly the arguments of `render_template`
and keys the rendered page on a fingerprint of all of that: every ORM row by the column values it was loaded
with (and the related rows loaded with it), dataclasses, lists, dicts, numbers, strings, dates and forms by their
data and errors. Anything else in the context and the page is simply rendered (never a guess).

What makes the key whole:
- A page is kept only when rendering it read nothing from the database: a statement during rendering (a lazy
  load, a template helper's query) means the page depends on data the key does not cover. Such a page is
  rendered every time; with `RENDER_CACHE_STRICT` (the tests) it is an error, so a template change that starts
  reading lazily fails the suite instead of serving a stale page.
- The per-request parts are put back into a kept page: the CSRF token (the session's own), the moment the
  page is rendered (the offline copy's "Data as of") and every `Fresh` value of the context (a form's one-time
  key, new for each page shown: the one this request made is put in).
- Never with flashed messages, and only for a login (`current_user` is in the key).

Per process, bounded by `RENDER_CACHE_BYTES` (least recently used out first); `RENDER_CACHE_BYTES = 0` turns it
off. A worker's copy needs no invalidation: changed data is a different key, the old page ages out.
"""

from __future__ import annotations

import dataclasses
import enum
import threading
from collections import OrderedDict
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from wtforms import Form
from wtforms.csrf.core import CSRFTokenField

CSRF_MARK = "\x00vez-csrf\x00"  # cannot occur in a rendered page: every text is escaped, no NUL survives it
RENDERED_AT_MARK = datetime(1901, 1, 1, 0, 0)  # a moment no page shows: replaced by the real one per request
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Target", "HX-Trigger")
_PLAIN = (str, int, float, bool, Decimal, date, enum.Enum, type(None))  # datetime is a date

_rendering: ContextVar[list[int] | None] = ContextVar("vez_rendering", default=None)


class Fresh(str):
    """A value made anew for each page shown (a one-time form key): not part of the key, put back per request."""


class Uncacheable(Exception):
    """The context holds a value the fingerprint cannot vouch for: the page is rendered, not kept."""


def fingerprint(value: Any, fresh: list[str] | None = None, _seen: set[int] | None = None) -> Any:
    """A hashable value equal for equal data: what a template could read from `value`. `Fresh` values are left
    out of it and collected in `fresh`, in the order met."""
    if type(value) is Fresh:
        if fresh is None:
            raise Uncacheable("Fresh")
        fresh.append(value)
        return Fresh
    if isinstance(value, _PLAIN):
        return value
    seen = set() if _seen is None else _seen
    if isinstance(value, (list, tuple)):
        return tuple(fingerprint(item, fresh, seen) for item in value)
    if isinstance(value, dict):
        return tuple((key, fingerprint(item, fresh, seen)) for key, item in value.items())
    state = getattr(value, "_sa_instance_state", None)
    if state is not None:  # an ORM row: its loaded columns and the rows loaded with it
        if id(value) in seen:
            return (type(value).__name__, state.identity)
        seen.add(id(value))
        values = value.__dict__
        return (type(value).__name__,) + tuple(
            (key, fingerprint(item, fresh, seen)) for key, item in values.items() if key != "_sa_instance_state"
        )
    if isinstance(value, Form):
        return (type(value).__name__,) + tuple(
            (field.name, fingerprint(field.data, fresh, seen), tuple(map(str, field.errors)))
            for field in value
            if not isinstance(field, CSRFTokenField)
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,) + tuple(
            fingerprint(getattr(value, f.name), fresh, seen) for f in dataclasses.fields(value)
        )
    raise Uncacheable(type(value).__name__)


class _Pages:
    """A least-recently-used store of rendered pages, bounded in characters, shared by a worker's threads."""

    def __init__(self) -> None:
        self.pages: OrderedDict[Any, tuple[str, str]] = OrderedDict()  # key → (page with marks, rendered-at text)
        self.size = 0
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Any) -> tuple[str, str] | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                self.misses += 1
                return None
            self.pages.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Any, entry: tuple[str, str], limit: int) -> None:
        cost = len(entry[0])
        if cost > limit:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self.pages[key] = entry
            self.size += cost
            while self.size > limit:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped[0])

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = self.hits = self.misses = 0


def _pages() -> _Pages:
    return current_app.extensions["vez.rendercache"]


def _key(template: str, context: dict, fresh: list[str]) -> Any:
    from flask_babel import get_locale

    from vez.company.access import current_member  # the header's "company cabinet" link and the chosen company
    from vez.i18n import is_pseudo, today

    return (
        template,
        request.host_url,
        request.path,
        request.query_string,
        tuple(request.headers.get(name) for name in HTMX_HEADERS),
        str(get_locale()),
        is_pseudo(),
        today(),
        fingerprint(current_user._get_current_object()),
        fingerprint(current_member()),
        fingerprint(context, fresh),
    )


def render_page(template: str, **context: Any) -> str:
    """`render_template(template, **context)`, rendered once for the same login, page, language and data."""
    limit = current_app.config["RENDER_CACHE_BYTES"]
    if not limit or not current_user.is_authenticated or session.get("_flashes"):
        return render_template(template, **context)
    fresh: list[str] = []
    try:
        key = _key(template, context, fresh)
        hash(key)  # a dict key that is no plain value (unhashable) makes the page uncacheable, not an error
    except (Uncacheable, TypeError):
        return render_template(template, **context)
    pages = _pages()
    entry = pages.get(key)
    if entry is None:
        entry = _render(template, context, fresh)
        if entry is None:
            return render_template(template, **context)
        pages.put(key, entry, limit)
    page, rendered_at = entry
    if CSRF_MARK in page:
        page = page.replace(CSRF_MARK, generate_csrf())
    for i, value in enumerate(fresh):
        page = page.replace(_fresh_mark(i), value)
    if rendered_at and rendered_at in page:
        from vez.i18n import moment
        from vez.models import utcnow

        page = page.replace(rendered_at, moment(utcnow().replace(second=0, microsecond=0)))  # shown to the minute
    return page


def _fresh_mark(i: int) -> str:
    return f"\x00vez-fresh-{i}\x00"


def _render(template: str, context: dict, fresh: list[str]) -> tuple[str, str] | None:
    """The page with its per-request parts marked, or None when rendering it read the database."""
    from vez.i18n import moment

    statements: list[int] = []
    token = _rendering.set(statements)
    try:
        page = render_template(template, **{**context, "rendered_at": RENDERED_AT_MARK})
    finally:
        _rendering.reset(token)
    if statements:
        message = f"{template} read the database while rendering ({len(statements)} statements): not kept"
        if current_app.config["RENDER_CACHE_STRICT"]:
            raise RuntimeError(message)
        current_app.logger.warning(message)
        return None
    csrf = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if csrf:
        page = page.replace(csrf, CSRF_MARK)
    for i, value in enumerate(fresh):
        page = page.replace(value, _fresh_mark(i))
    return page, moment(RENDERED_AT_MARK)


def _count_statement(*_args: Any) -> None:
    counting = _rendering.get()
    if counting is not None:
        counting.append(1)


def init_app(app: Flask) -> None:
    app.config.setdefault("RENDER_CACHE_BYTES", 16 * 1024 * 1024)
    app.config.setdefault("RENDER_CACHE_STRICT", False)
    app.extensions["vez.rendercache"] = _Pages()
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "before_cursor_execute", _count_statement):
        event.listen(Engine, "before_cursor_execute", _count_statement)
