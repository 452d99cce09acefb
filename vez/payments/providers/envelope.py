"""The `data` + `signature` envelope that LiqPay uses (and our sandbox copies): Base64 of a JSON object."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from decimal import Decimal

from vez.payments.providers import CallbackRejected

MAX_DATA = 16 * 1024  # characters of `data`; a real callback is well under 2 KiB


def encode(params: dict) -> str:
    return base64.b64encode(json.dumps(params, ensure_ascii=False).encode("utf-8")).decode("ascii")


def decode(data: str) -> dict:
    """The JSON object inside `data`; numbers with a fraction come back as Decimal, never float."""
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
        params = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (binascii.Error, UnicodeError, ValueError):
        raise CallbackRejected("malformed_data") from None
    if not isinstance(params, dict):
        raise CallbackRejected("malformed_data")
    return params


def liqpay_signature(private_key: str, data: str, version: int = 3) -> str:
    """Base64 of the raw digest of private_key + data + private_key: SHA-1 up to API 6, SHA3-256 from 7."""
    digest = hashlib.sha3_256 if version >= 7 else hashlib.sha1
    return base64.b64encode(digest((private_key + data + private_key).encode("utf-8")).digest()).decode("ascii")


def hmac_signature(private_key: str, data: str) -> str:
    mac = hmac.new(private_key.encode("utf-8"), data.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def envelope_fields(form) -> tuple[str, str]:
    """`data` and `signature` from a posted form, or a rejection naming what is wrong."""
    data, signature = form.get("data"), form.get("signature")
    if not data or not signature:
        raise CallbackRejected("missing_field")
    if len(data) > MAX_DATA or len(signature) > 200:
        raise CallbackRejected("malformed_data")
    return data, signature


def same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))
