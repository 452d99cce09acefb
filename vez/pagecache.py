"""Pages whose HTML depends only on the URL and the language, rendered once per process.

The public pages (the home tabs, the login and registration forms) are the same for every anonymous
visitor but for the CSRF token. The first rendering is kept with the token cut out; later visitors get
that HTML with their own token put back, which makes these pages several times cheaper to serve.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from functools import wraps
from threading import Lock

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from vez.htmx import is_partial_request

PLACEHOLDER = "\x00csrf\x00"
MAX_ENTRIES = 64
TTL_SECONDS = 300  # what staff change (a subdivision's name, say) shows within five minutes
_lock = Lock()


def _cache() -> OrderedDict[tuple, tuple[float, str]]:
    """One cache per application (tests build many apps with different settings)."""
    return current_app.extensions.setdefault("vez.pagecache", OrderedDict())


def _cacheable() -> bool:
    return (
        request.method == "GET"
        and not (request.args.keys() - {"lang"})
        and "_flashes" not in session
        and not current_user.is_authenticated
    )


def cached_page(view):
    """Serve an anonymous GET of this view from the per-process cache (see the module's docstring)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = (request.endpoint, request.full_path, str(get_locale()), is_partial_request())
        token = generate_csrf()
        cache = _cache()
        entry = cache.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1].replace(PLACEHOLDER, token)
        result = view(*args, **kwargs)
        if isinstance(result, str):
            with _lock:
                cache[key] = (time.monotonic() + TTL_SECONDS, result.replace(token, PLACEHOLDER))
                while len(cache) > MAX_ENTRIES:
                    cache.popitem(last=False)
        return result

    return wrapper
