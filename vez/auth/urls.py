"""The `next` parameter: only a path on this site (SECURITY.md 34)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    if not target or len(target) > 2000:
        return None
    if any(ord(c) < 33 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
