"""Answers a poller can ask for every minute at almost no cost: a strong ETag from the bytes, Last-Modified, 304.

The ETag is the SHA-256 of the JSON sent, so it changes exactly when the data does. Charges carry no time of their
own, so Last-Modified cannot be read from the data; it is the moment this token was first sent these bytes at
this URL, kept in the shared cache (vez.pagecache's: Redis in production). Whatever the cache does, it errs
towards a 200: a changed answer (even one back to an older state) is new bytes, first sent now; a lost entry
makes the moment now (and a moment is never reused for other bytes: see `_first_sent`). If-None-Match, when
sent, decides alone (RFC 9110, 13.2.2).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import UTC, datetime

from flask import Response, request

from vez.extensions import cache
from vez.pagecache import CACHE_ERRORS

log = logging.getLogger("vez.api")
KEEP_SECONDS = 7 * 24 * 3600
CACHE_CONTROL = "private, no-cache"  # a browser or proxy may keep it, and asks again every time


def _first_sent(key: str, etag: str) -> datetime:
    """When these bytes were first sent at this key; a new answer's moment is later than every earlier one's,
    even within one second (HTTP dates have seconds only), so If-Modified-Since never mistakes one for another."""
    now = int(time.time())
    try:
        known = cache.get(key)
        known_etag, _, since = known.partition(" ") if isinstance(known, str) else ("", "", "")
        if known_etag == etag and since.isdigit():
            return datetime.fromtimestamp(int(since), UTC)
        moment = max(now, int(since) + 1) if since.isdigit() else now
        cache.set(key, f"{etag} {moment}", timeout=KEEP_SECONDS)
        return datetime.fromtimestamp(moment, UTC)
    except CACHE_ERRORS as error:
        log.warning("api: cache unavailable for Last-Modified: %s", error.__class__.__name__)
    return datetime.fromtimestamp(now, UTC)


def json_answer(data: dict, token_id: int) -> Response:
    body = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    etag = hashlib.sha256(body).hexdigest()[:40]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.last_modified = _first_sent(f"api:sent:{token_id}:{request.full_path}", etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)
