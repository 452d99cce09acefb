"""Static files: fingerprinted URLs, served by WhiteNoise precompressed and cached for a year."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=None)
def fingerprint(path: str) -> str | None:
    """The first 12 hex digits of the file's sha256, or None when there is no such file."""
    file = Path(path)
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12] if file.is_file() else None


def drop_stale_compressed(folder: str) -> None:
    """Remove .br/.gz copies older than their source, so an edited file is never served in its old form."""
    for packed in Path(folder).rglob("*"):
        if packed.suffix in (".br", ".gz"):
            source = packed.with_suffix("")
            if not source.exists() or source.stat().st_mtime > packed.stat().st_mtime:
                packed.unlink(missing_ok=True)


def init_app(app: Flask) -> None:
    static_folder = app.static_folder
    assert static_folder is not None
    drop_stale_compressed(static_folder)

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            path = str(Path(static_folder) / values["filename"])
            if app.debug:  # files change under `flask run --debug`: hash them afresh
                fingerprint.cache_clear()
            version = fingerprint(path)
            if version:
                values["v"] = version

    def add_headers(headers, path: str, url: str) -> None:
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"

    # Every static URL the app writes carries ?v=<sha256>, so each file is immutable under its URL.
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=static_folder,
        prefix="static/",
        max_age=YEAR,
        add_headers_function=add_headers,
        autorefresh=app.debug,
    )
