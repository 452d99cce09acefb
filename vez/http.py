"""Response headers every answer carries: CSP, HSTS, caching and friends (docs/security.md G)."""

from __future__ import annotations

from flask import Flask, Response, current_app, request


def content_security_policy() -> str:
    form_action = " ".join(["'self'", *current_app.config.get("CSP_FORM_ACTION_EXTRA", [])])
    return (
        "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; "
        f"form-action {form_action}; img-src 'self' data:; worker-src 'self'; manifest-src 'self'"
    )


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", content_security_policy())
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        h["X-Content-Type-Options"] = "nosniff"
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")  # a pay link's pages: no-referrer
        h.setdefault("X-Frame-Options", "DENY")  # the dev outbox frames its own letters (vez/devmail)
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.endpoint != "static":
            # Pages carry a CSRF token or personal data: never stored by a browser or a proxy.
            h.setdefault("Cache-Control", "no-store")
            response.vary.add("HX-Request")
        return response
