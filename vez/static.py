"""Static files: fingerprinted URLs, served by WhiteNoise precompressed and cached for a year."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

YEAR = 365 * 24 * 3600
# The offline snapshot's worker lives with the other scripts but controls the cabinet (docs/offline.md): the
# header lets a file under /static/js/ take the scope /cabinet, and only that scope.
SERVICE_WORKER = "js/sw.js"
SERVICE_WORKER_SCOPE = "/cabinet"


@cache
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


def add_headers(headers, path: str, url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    if url.endswith("/" + SERVICE_WORKER):
        headers["Service-Worker-Allowed"] = SERVICE_WORKER_SCOPE


def whitenoise_of(app: Flask) -> WhiteNoise | None:
    """The WhiteNoise layer among the app's WSGI middlewares (init_app puts it there)."""
    wsgi = app.wsgi_app
    while not isinstance(wsgi, WhiteNoise) and hasattr(wsgi, "app"):
        wsgi = wsgi.app
    return wsgi if isinstance(wsgi, WhiteNoise) else None


@cache
def package_files(root: str, prefix: str) -> dict:
    """WhiteNoise's index of an installed package's static folder, built once a process.

    A package's files do not change while the process runs; indexing Flask-Admin's 1,448 files took most of
    create_app()'s time, paid again by every app (each test makes one).
    """
    index = WhiteNoise(None, max_age=YEAR, add_headers_function=add_headers)
    index.add_files(root, prefix)
    return index.files


def add_package_files(app: Flask, root: str, prefix: str) -> None:
    """Serve a package's static folder under /<prefix> through the app's WhiteNoise, like our own files."""
    whitenoise = whitenoise_of(app)
    if whitenoise is None:
        return
    if whitenoise.autorefresh:  # debug: looked up per request, nothing to index
        whitenoise.add_files(root, prefix)
    else:
        whitenoise.files.update(package_files(root, prefix))


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

    # Every static URL the app writes carries ?v=<sha256>, so each file is immutable under its URL.
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=static_folder,
        prefix="static/",
        max_age=YEAR,
        add_headers_function=add_headers,
        autorefresh=app.debug,
    )
