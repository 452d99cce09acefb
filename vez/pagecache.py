"""Pages whose HTML depends only on the URL and the language, rendered once for every host and worker.

The public pages (the home tabs, the login and registration forms) are the same for every anonymous
visitor but for the CSRF token. The first rendering is kept in the shared cache (Flask-Caching: Redis when
CACHE_REDIS_URL is set, else in the process) with the token cut out; later visitors get that HTML with their
own token put back, which makes these pages several times cheaper to serve.

What staff can change on these pages (`PAGE_MODELS`: the subdivisions of the registration form's list)
shows at once on every host: each entry carries the cache's generation it was rendered under, and a commit
that wrote such a row sets a new generation (an SQLAlchemy after-commit hook, so the panel, an import job
and `flask shell` alike, and only once the change is visible to the hosts that re-render). `PAGE_CACHE_SECONDS`
is the backstop. A cache that does not answer never breaks a page: it is logged, skipped for
`PAGE_CACHE_RETRY_SECONDS`, and the pages are rendered.
"""

from __future__ import annotations

import logging
import secrets
import time
from functools import wraps
from itertools import chain

from flask import Flask, current_app, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from vez import csrf
from vez.extensions import cache
from vez.htmx import is_partial_request
from vez.models import Subdivision

log = logging.getLogger("vez.pagecache")

PLACEHOLDER = "\x00csrf\x00"
GENERATION = "pages:generation"
# The rows the cached pages show that staff can change (the registration form's list of subdivisions).
PAGE_MODELS: tuple[type, ...] = (Subdivision,)
STALE = "vez.pages_stale"  # Session.info: this transaction wrote one of PAGE_MODELS
REDIS_TIMEOUT = 0.25  # seconds a cache read or write may take before the page is rendered instead
CACHE_ERRORS = (RedisError, OSError)


class _State:
    """Per app: until when the cache is skipped after it failed to answer."""

    def __init__(self) -> None:
        self.down_until = 0.0


def init_app(app: Flask) -> None:
    url = app.config["CACHE_REDIS_URL"]
    settings = {
        "CACHE_TYPE": "RedisCache" if url else "SimpleCache",
        "CACHE_REDIS_URL": url,
        "CACHE_KEY_PREFIX": "vez:cache:",
        "CACHE_DEFAULT_TIMEOUT": app.config["PAGE_CACHE_SECONDS"],
        "CACHE_THRESHOLD": 256,  # SimpleCache: a few endpoints × languages × page/partial
    }
    if url:  # fail fast, never retry: a page waits at most REDIS_TIMEOUT for a cache that does not answer
        settings["CACHE_OPTIONS"] = {
            "socket_timeout": REDIS_TIMEOUT,
            "socket_connect_timeout": REDIS_TIMEOUT,
            "retry": Retry(NoBackoff(), 0),
        }
    cache.init_app(app, config=settings)
    app.extensions["vez.pagecache"] = _State()
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _note_flush(session: Session, _flush_context) -> None:
    if any(isinstance(row, PAGE_MODELS) for row in chain(session.new, session.dirty, session.deleted)):
        session.info[STALE] = True


def _note_statement(state) -> None:
    """A bulk `update(Subdivision)` / `delete(...)` / `insert(...)` through the session."""
    mapper = state.bind_mapper
    writes = state.is_update or state.is_delete or state.is_insert
    if writes and mapper is not None and issubclass(mapper.class_, PAGE_MODELS):
        state.session.info[STALE] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(STALE, False) and has_app_context() and "vez.pagecache" in current_app.extensions:
        pages_changed()


def _after_rollback(session: Session) -> None:
    session.info.pop(STALE, None)


def _went_down(error: Exception) -> None:
    seconds = current_app.config["PAGE_CACHE_RETRY_SECONDS"]
    current_app.extensions["vez.pagecache"].down_until = time.monotonic() + seconds
    log.warning("page cache unreachable (%s): pages are rendered for %s s", error.__class__.__name__, seconds)


def _available() -> bool:
    return current_app.extensions["vez.pagecache"].down_until <= time.monotonic()


def pages_changed() -> None:
    """Every cached page is stale: a new generation, on every host at once (a cache that fails is logged)."""
    try:
        cache.set(GENERATION, secrets.token_hex(8), timeout=0)
    except CACHE_ERRORS as error:
        _went_down(error)


def _cacheable() -> bool:
    return (
        request.method == "GET"
        and not (request.args.keys() - {"lang"})
        and "_flashes" not in session
        and not current_user.is_authenticated
    )


def _key() -> str:
    """Bounded: the endpoint and the language chosen, never the raw `?lang=` a visitor typed."""
    return f"page:{request.endpoint}:{get_locale()}:{'partial' if is_partial_request() else 'page'}"


def cached_page(view):
    """Serve an anonymous GET of this view from the shared cache (see the module's docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable() or not _available():
            return view(*args, **kwargs)
        key, token = _key(), csrf.token()
        try:
            generation, entry = cache.get_many(GENERATION, key)
        except CACHE_ERRORS as error:
            _went_down(error)
            return view(*args, **kwargs)
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generation:
            return entry[1].replace(PLACEHOLDER, token)
        result = view(*args, **kwargs)
        if isinstance(result, str):
            try:  # under the generation read before rendering: an edit committed meanwhile makes it stale
                cache.set(key, (generation, result.replace(token, PLACEHOLDER)))
            except CACHE_ERRORS as error:
                _went_down(error)
        return result

    return wrapper
