"""Cursor pagination of the lists that grow (months, bills, payments): newest first, an opaque `next` cursor.

A cursor is the sort key of the last item sent: a position (a month's number, a payment's moment in
microseconds) and an id for ties, packed into 12 bytes and base64url-encoded into 16 characters. The next page
is the items after it, however many were added at the top meanwhile (no item is skipped or sent twice, as with
an offset). Every 16-character base64url string is some key, so any cursor of the documented form is a page
(perhaps an empty one); anything else is a 400.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
Key = tuple[int, int]  # (position, id): larger is newer
PACKING = struct.Struct(">qI")
CURSOR = re.compile(r"[A-Za-z0-9_-]{16}", re.ASCII)
DIGITS = re.compile(r"[0-9]{1,3}", re.ASCII)


class BadPage(ValueError):
    """`limit` or `cursor` is not one this API accepts."""


def parse_limit(text: str | None, default: int, maximum: int) -> int:
    if text is None:
        return default
    if not DIGITS.fullmatch(text) or not 1 <= int(text) <= maximum:
        raise BadPage("limit")
    return int(text)


def encode(key: Key) -> str:
    return base64.urlsafe_b64encode(PACKING.pack(*key)).decode()


def decode(cursor: str) -> Key:
    if not CURSOR.fullmatch(cursor):
        raise BadPage("cursor")
    return PACKING.unpack(base64.urlsafe_b64decode(cursor))


def page(items: Sequence[T], key: Callable[[T], Key], cursor: str | None, limit: int) -> tuple[list[T], str | None]:
    """`items` sorted by `key`, newest (largest) first: the page after `cursor`, and the cursor after it."""
    after = decode(cursor) if cursor is not None else None
    rest = [item for item in items if after is None or key(item) < after]
    chosen = rest[:limit]
    return chosen, encode(key(chosen[-1])) if len(rest) > limit else None
