"""Logged-in pages rendered once per login, page, language and data (docs/performance.md, "The render cache").

A cabinet page is a pure function of what its view read from the database, the login's own row, the address
asked for, the language and the day. `kept(build)` runs a view's `build` (its queries and its `render_page`)
once and keeps the page it rendered with the statements it read and the very rows they returned. The next
request for the same login, address, language and day runs those statements again, exactly as sent (no ORM,
no templates): when every one returns the same rows, `build` would read the same data and render the same
page, so the kept one is served; when any differs, `build` runs again. No invalidation, and no copy of a
query's logic: whatever `build` reads is what is checked, a lazy load in a template included.

What makes the key whole:
- `build` may read, never write: a statement that is no SELECT, or a streamed or executemany one, and the
  page is not kept.
- What is not in the database is in the key: the login's row and its company membership (loaded before
  `build`, so not among its statements), the host, path, query string, htmx headers, language and day. With
  `RENDER_CACHE_STRICT` (the tests) every hit runs `build` as well and fails loudly when the page differs, so
  a view that starts to depend on something else (the clock, a setting) fails the suite, not a consumer.
- The per-request parts are put back into a kept page: the CSRF token (the session's own), the moment the
  page is rendered (the offline copy's "Data as of") and every `Fresh` value (a form's one-time key, made
  anew by its own function for each page shown).
- Never with flashed messages, and only for a login.

Per process, bounded by `RENDER_CACHE_BYTES` (least recently used out first); `RENDER_CACHE_BYTES = 0` turns it
off. A worker's copy needs no invalidation: changed rows are a miss, the old page ages out.
"""

from __future__ import annotations

import dataclasses
import enum
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from flask import Flask, current_app, g, render_template, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from vez import csrf

CSRF_MARK = "\x00vez-csrf\x00"  # cannot occur in a rendered page: every text is escaped, no NUL survives it
RENDERED_AT_MARK = datetime(1901, 1, 1, 0, 0)  # a moment no page shows: replaced by the real one per request
HTMX_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Target", "HX-Trigger")
_HTMX_ENVIRON = tuple("HTTP_" + name.upper().replace("-", "_") for name in HTMX_HEADERS)
_PLAIN = (str, int, float, bool, Decimal, date, enum.Enum, type(None))  # datetime is a date

T = TypeVar("T")


class Fresh(str):
    """A value made anew for each page shown (a one-time form key), by `make`: `Fresh.new(orders.new_key)`."""

    make: Callable[[], str]

    @classmethod
    def new(cls, make: Callable[[], str]) -> Fresh:
        value = cls(make())
        value.make = make
        recording = _recording.get()
        if recording is not None:
            recording.fresh.append(value)
        return value


class Uncacheable(Exception):
    """A value of the key the fingerprint cannot vouch for: the page is rendered, not kept."""


def fingerprint(value: Any, _seen: set[int] | None = None) -> Any:
    """A hashable value equal for equal data: what a template could read from `value` (the login's row)."""
    if isinstance(value, _PLAIN):
        return value
    seen = set() if _seen is None else _seen
    if isinstance(value, (list, tuple)):
        return tuple(fingerprint(item, seen) for item in value)
    if isinstance(value, dict):
        return tuple((key, fingerprint(item, seen)) for key, item in value.items())
    state = getattr(value, "_sa_instance_state", None)
    if state is not None:  # an ORM row: its loaded columns and the rows loaded with it
        if id(value) in seen:
            return (type(value).__name__, state.identity)
        seen.add(id(value))
        return (type(value).__name__,) + tuple(
            (key, fingerprint(item, seen)) for key, item in value.__dict__.items() if key != "_sa_instance_state"
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,) + tuple(
            fingerprint(getattr(value, f.name), seen) for f in dataclasses.fields(value)
        )
    raise Uncacheable(type(value).__name__)


@dataclasses.dataclass
class _Recording:
    """What one `build` read and rendered."""

    reads: list[tuple[str, Any, list]] = dataclasses.field(default_factory=list)  # (SQL, parameters, rows)
    spoiled: str | None = None  # why the page cannot be kept
    fresh: list[Fresh] = dataclasses.field(default_factory=list)
    marked: str | None = None  # the page with its per-request parts marked
    page: str | None = None  # what render_page returned to `build`


@dataclasses.dataclass(frozen=True)
class _Entry:
    reads: tuple[tuple[str, Any, list], ...]
    marked: str
    rendered_at: str  # the text of RENDERED_AT_MARK in this language
    fresh: tuple[Callable[[], str], ...]
    paired: bool  # `build` returned (page, value)
    value: Any
    cost: int


_recording: ContextVar[_Recording | None] = ContextVar("vez_recording", default=None)


class _Pages:
    """A least-recently-used store of kept pages, bounded in characters, shared by a worker's threads."""

    def __init__(self) -> None:
        self.pages: OrderedDict[Any, _Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Any) -> _Entry | None:
        with self.lock:
            found = self.pages.get(key)
            if found is not None:
                self.pages.move_to_end(key)
            return found

    def put(self, key: Any, entry: _Entry, limit: int) -> None:
        if entry.cost > limit:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= old.cost
            self.pages[key] = entry
            self.size += entry.cost
            while self.size > limit:
                _, dropped = self.pages.popitem(last=False)
                self.size -= dropped.cost

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = self.hits = self.misses = 0


def _pages() -> _Pages:
    return current_app.extensions["vez.rendercache"]


def _key() -> Any:
    """Everything a kept page depends on that its statements do not read."""
    from flask_babel import get_locale

    from vez.company.access import current_member  # the header's "company cabinet" link and the chosen company
    from vez.i18n import is_pseudo, today

    environ = request.environ
    return (
        request.endpoint,
        # The address as the request named it (what host_url and url_for build on), read without building it.
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
        request.path,
        request.query_string,
        tuple(environ.get(name) for name in _HTMX_ENVIRON),
        str(get_locale()),
        is_pseudo(),
        today(),
        _login(),
        fingerprint(current_member()),
    )


def _login() -> Any:
    """The login's row as its loader read it (vez.identity.sessions), else a fingerprint of the object."""
    user = current_user._get_current_object()
    row = g.get("login_row")
    return row if row is not None and row[0] == user.id else fingerprint(user)


def kept(build: Callable[[], T]) -> T | str:
    """`build()`, or the page it rendered for the same login, address, language, day and rows read.

    `build` reads the database and returns what `render_page` gave it, or that and a value to keep with it (a
    pair: the pair is returned, from the cache too); anything else (a redirect, a response of its own) is
    returned as it is, not kept."""
    limit = current_app.config["RENDER_CACHE_BYTES"]
    if not limit or not current_user.is_authenticated or session.get("_flashes") or request.method != "GET":
        return build()
    try:
        key = _key()
        hash(key)  # a value that is no plain one (unhashable) makes the page uncacheable, not an error
    except (Uncacheable, TypeError):
        return build()
    pages = _pages()
    entry = pages.get(key)
    if entry is not None and _still_read(entry.reads):
        pages.hits += 1
        if current_app.config["RENDER_CACHE_STRICT"]:
            _verify(build, entry)
        page = _fill(entry.marked, entry.rendered_at, [Fresh.new(make) for make in entry.fresh])
        return (page, entry.value) if entry.paired else page
    pages.misses += 1
    recording, result = _record(build)
    paired = isinstance(result, tuple) and len(result) == 2
    page = result[0] if paired else result
    if recording.spoiled is None and recording.marked is not None and page is recording.page:
        reads = tuple(recording.reads)
        fresh = tuple(value.make for value in recording.fresh)
        cost = len(recording.marked) + len(repr(reads))
        value = result[1] if paired else None
        pages.put(key, _Entry(reads, recording.marked, _rendered_at_text(), fresh, paired, value, cost), limit)
    elif recording.spoiled is not None and current_app.config["RENDER_CACHE_STRICT"]:
        raise RuntimeError(f"{request.endpoint}: not kept ({recording.spoiled})")
    return result


def _record(build: Callable[[], T]) -> tuple[_Recording, T]:
    recording = _Recording()
    token = _recording.set(recording)
    try:
        return recording, build()
    finally:
        _recording.reset(token)


def _still_read(reads: tuple[tuple[str, Any, list], ...]) -> bool:
    """Every statement of the kept page returns the rows it returned then, read again on the driver's cursor
    (vez.replay: SQLAlchemy's statement machinery cost more than the SELECTs). A statement that fails is a miss:
    `build` runs through SQLAlchemy, which meets the same failure and reports it."""
    from vez import replay

    return all(replay.rows(statement, parameters) == rows for statement, parameters, rows in reads)


def _verify(build: Callable[[], Any], entry: _Entry) -> None:
    """RENDER_CACHE_STRICT: the kept page is what `build` renders now."""
    recording, _ = _record(build)
    if recording.marked != entry.marked:
        raise RuntimeError(
            f"{request.endpoint}: the kept page differs from a fresh rendering with the same rows read "
            "(the view depends on something that is not in the key)"
        )


def render_page(template: str, **context: Any) -> str:
    """`render_template(template, **context)`; inside `kept`, with the per-request parts marked for keeping."""
    recording = _recording.get()
    if recording is None:
        return render_template(template, **context)
    page = render_template(template, **{**context, "rendered_at": RENDERED_AT_MARK})
    if recording.marked is not None:
        recording.spoiled = "two pages rendered"
    marked = page
    csrf = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if csrf:
        marked = marked.replace(csrf, CSRF_MARK)
    for i, value in enumerate(recording.fresh):
        marked = marked.replace(value, _fresh_mark(i))
    recording.marked = marked
    recording.page = _fill(marked, _rendered_at_text(), recording.fresh)
    return recording.page


def _rendered_at_text() -> str:
    from vez.i18n import moment

    return moment(RENDERED_AT_MARK)


def _fill(marked: str, rendered_at: str, fresh: list[Fresh]) -> str:
    page = marked.replace(CSRF_MARK, csrf.token()) if CSRF_MARK in marked else marked
    for i, value in enumerate(fresh):
        page = page.replace(_fresh_mark(i), value)
    if rendered_at and rendered_at in page:
        from vez.i18n import moment
        from vez.models import utcnow

        page = page.replace(rendered_at, moment(utcnow().replace(second=0, microsecond=0)))  # shown to the minute
    return page


def _fresh_mark(i: int) -> str:
    return f"\x00vez-fresh-{i}\x00"


def _note_read(_connection, cursor, statement, parameters, context, executemany) -> None:
    """While a `build` runs: keep each statement with the rows it returned (and hand SQLAlchemy the same rows)."""
    recording = _recording.get()
    if recording is None or recording.spoiled is not None:
        return
    if executemany or context is None or context.isinsert or context.isupdate or context.isdelete:
        recording.spoiled = "a write"
        return
    if context.execution_options.get("stream_results") or getattr(context, "_is_server_side", False):
        recording.spoiled = "a streamed result"
        return
    if cursor.description is None or not statement.lstrip()[:6].upper().startswith(("SELECT", "WITH")):
        recording.spoiled = "a statement that is no SELECT"
        return
    from vez import replay

    recording.reads.append(replay.reading(cursor, statement, parameters, context))


def init_app(app: Flask) -> None:
    app.config.setdefault("RENDER_CACHE_BYTES", 16 * 1024 * 1024)
    app.config.setdefault("RENDER_CACHE_STRICT", False)
    app.extensions["vez.rendercache"] = _Pages()
    if not event.contains(Engine, "after_cursor_execute", _note_read):
        event.listen(Engine, "after_cursor_execute", _note_read)
