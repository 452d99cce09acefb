"""Signed tokens for every purpose: one salt each, the maximum age from the configuration, and a fingerprint of
the state the token's use changes, so a used token is dead (single use)."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

IDENTIFICATION = "vez.identification"
ACTIVATION = "vez.activation"
RESET = "vez.password-reset"
EMAIL_CHANGE = "vez.email-change"
PAY_LINK = "vez.pay-link"
INVITATION = "vez.company-invitation"

MAX_AGE_KEYS = {
    IDENTIFICATION: "IDENTIFICATION_MAX_AGE",
    ACTIVATION: "ACTIVATION_MAX_AGE",
    RESET: "RESET_MAX_AGE",
    EMAIL_CHANGE: "EMAIL_CHANGE_MAX_AGE",
    PAY_LINK: "PAY_LINK_MAX_AGE",
    INVITATION: "INVITATION_MAX_AGE",
}


class TokenProblem(Exception):
    """`kind` is "expired" or "damaged"; `payload` is what an expired token carried (for a way on)."""

    def __init__(self, kind: str, payload: Any = None):
        super().__init__(kind)
        self.kind, self.payload = kind, payload


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in MAX_AGE_KEYS:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str) -> dict:
    """The payload of a valid token, else TokenProblem."""
    if not token or len(token) > 500:
        raise TokenProblem("damaged")
    serializer = _serializer(purpose)
    try:
        payload = serializer.loads(token, max_age=current_app.config[MAX_AGE_KEYS[purpose]])
    except SignatureExpired as error:
        payload = error.payload
        try:
            payload = serializer.load_payload(payload) if isinstance(payload, bytes) else payload
        except BadSignature:
            payload = None
        raise TokenProblem("expired", payload) from None
    except BadSignature:
        raise TokenProblem("damaged") from None
    if not isinstance(payload, dict):
        raise TokenProblem("damaged")
    return payload


def fingerprint(*parts: Any) -> str:
    """A short digest of the state a token's use changes: once it changes, the token is dead."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:20]
