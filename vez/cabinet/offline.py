"""The offline snapshot, the server's half (docs/offline.md): which cabinet answers the service worker may keep,
for which login and until when. The worker (vez/static/js/sw.js) keeps only an answer marked here."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from flask import Response, current_app, request
from flask_login import current_user

from vez.cabinet import bp
from vez.identity.sessions import login_ends_at
from vez.models import utcnow

OWNER = "Vez-Snapshot-Owner"  # one login's key: another login's page wipes the kept ones
UNTIL = "Vez-Snapshot-Until"  # epoch seconds: once this browser's login would have ended, the snapshot is wiped


def owner_key(user_id: int, session_version: int) -> str:
    """Opaque and per login: it changes when the login's sessions end (logout, password change, "end sessions")."""
    return _owner_key(current_app.config["SECRET_KEY"], user_id, session_version)


@lru_cache(maxsize=1024)
def _owner_key(secret: str, user_id: int, session_version: int) -> str:
    """Once per login and version in a worker, not on every page it serves."""
    message = f"offline-snapshot:{user_id}:{session_version}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def keep(response: Response) -> Response:
    """Mark a logged-in cabinet page (or the newest bill's PDF) as one the worker may keep on this device."""
    remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
    response.headers[OWNER] = owner_key(current_user.id, current_user.session_version)
    response.headers[UNTIL] = str(login_ends_at(remembered))
    return response


@bp.app_context_processor
def offline_context() -> dict:
    # The moment the page is rendered: a kept copy's "Data as of" (partials/_offline.html).
    return {"rendered_at": utcnow()}
