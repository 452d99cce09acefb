"""The `next` parameter: only a path on this site (docs/security.md 34)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None) -> str | None:
    if not target or len(target) > 2000:
        return None
    # Checked as sent and once decoded: a proxy or browser that decodes %2F must not find a host either.
    for form in (target, unquote(target)):
        if any(ord(c) < 33 or c == "\\" for c in form):
            return None
        parts = urlsplit(form)
        if parts.scheme or parts.netloc or not form.startswith("/") or form.startswith("//"):
            return None
    return target
