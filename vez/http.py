"""Response headers every answer carries: CSP, HSTS, caching and friends (docs/security.md G)."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask, Response, current_app, request

# Always these values, whatever a view set.
ALWAYS = (
    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# These unless the view set its own: a pay link's pages send no-referrer, the dev outbox frames its own letters
# (vez/devmail), the admin has a CSP with a nonce.
DEFAULTS = (
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)
# Pages carry a CSRF token or personal data: never stored by a browser or a proxy (not the static files).
PAGE_DEFAULTS = (("Cache-Control", "no-store"),)


def content_security_policy() -> str:
    return _policy(tuple(current_app.config.get("CSP_FORM_ACTION_EXTRA", [])))


@lru_cache(maxsize=8)
def _policy(form_action_extra: tuple[str, ...]) -> str:
    form_action = " ".join(["'self'", *form_action_extra])
    return (
        "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; "
        f"form-action {form_action}; img-src 'self' data:; worker-src 'self'; manifest-src 'self'"
    )


@lru_cache(maxsize=16)
def _headers(policy: str, page: bool) -> tuple[tuple[str, str, str], ...]:
    """Every header the answer gets, with the lower-case name it is looked up by."""
    named = [("Content-Security-Policy", policy), *ALWAYS, *DEFAULTS, *(PAGE_DEFAULTS if page else ())]
    return tuple((key, value, key.lower()) for key, value in named)


_REPLACED = frozenset(key.lower() for key, _ in ALWAYS)


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        h = response.headers
        page = request.endpoint != "static"
        present = {key.lower() for key, _ in h.items()}
        headers = _headers(content_security_policy(), page)
        # Added in one go (a search of the whole list for each header was most of this hook's time).
        h.extend([(key, value) for key, value, lower in headers if lower not in present])
        for key, value, lower in headers:
            if lower in present and lower in _REPLACED:
                h[key] = value
        if page:
            response.vary.add("HX-Request")
        return response
