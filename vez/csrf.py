"""Signed values of the session and its forms, signed the way Flask and Flask-WTF sign them, more cheaply.

`SmallValues` is itsdangerous' URL-safe timed serializer that leaves a short value uncompressed: zlib's set-up
was half the cost of signing a CSRF token, and a value this short never comes out shorter (itsdangerous itself
keeps the compressed form only when it is), so tokens and cookies read back exactly as before, by any copy of
itsdangerous. `token()` is Flask-WTF's `generate_csrf()` with such a serializer built once per secret key.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import current_app, g, session
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer

COMPRESS_FROM = 128  # bytes of JSON: an anonymous session or a CSRF token is shorter, a login's session longer


class SmallValues(URLSafeTimedSerializer):
    def dump_payload(self, obj) -> bytes:
        json = Serializer.dump_payload(self, obj)
        if len(json) >= COMPRESS_FROM:
            return super().dump_payload(obj)
        return base64_encode(json)


@lru_cache(maxsize=4)
def _token_serializer(secret_key: str | bytes) -> SmallValues:
    return SmallValues(secret_key, salt="wtf-csrf-token")  # Flask-WTF's salt: validate_csrf reads these tokens


def token() -> str:
    """This request's CSRF token: the session's secret (made as Flask-WTF makes one when there is none yet)
    signed for this moment, kept in `g` where Flask-WTF's forms and templates find it and validated by
    Flask-WTF like its own."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    signed = g.get(field)
    if signed is not None:
        return signed
    secret = session.get(field)
    if not isinstance(secret, str):
        secret = session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # flask_wtf.csrf.generate_csrf's
    signed = _token_serializer(config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key).dumps(secret)
    setattr(g, field, signed)
    return signed
