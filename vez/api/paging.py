"""Cursor pagination of the lists that grow (months, bills, payments): newest first, an opaque `next` cursor.

A cursor is the sort key of the last item sent, base64url-encoded: the next page is the items after it, however
many were added at the top meanwhile (no item is skipped or sent twice, as an offset would).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
VERSION = "1:"
KEY = re.compile(r"[0-9A-Za-z:./_-]{1,80}", re.ASCII)
DIGITS = re.compile(r"[0-9]{1,3}", re.ASCII)


class BadPage(ValueError):
    """`limit` or `cursor` is not one this API made or accepts."""


def parse_limit(text: str | None, default: int, maximum: int) -> int:
    if text is None:
        return default
    if not DIGITS.fullmatch(text) or not 1 <= int(text) <= maximum:
        raise BadPage("limit")
    return int(text)


def encode(key: str) -> str:
    return base64.urlsafe_b64encode((VERSION + key).encode()).decode().rstrip("=")


def decode(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError) as error:
        raise BadPage("cursor") from error
    key = text.removeprefix(VERSION)
    if not text.startswith(VERSION) or not KEY.fullmatch(key) or encode(key) != cursor:
        raise BadPage("cursor")
    return key


def page(items: Sequence[T], key: Callable[[T], str], cursor: str | None, limit: int) -> tuple[list[T], str | None]:
    """`items` sorted by `key`, newest (largest) first: the page after `cursor`, and the cursor after it."""
    after = decode(cursor) if cursor is not None else None
    rest = [item for item in items if after is None or key(item) < after]
    chosen = rest[:limit]
    return chosen, encode(key(chosen[-1])) if len(rest) > limit else None
