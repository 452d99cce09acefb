"""One place decides whether a request gets a partial (htmx) or the whole page, and how it is sent on."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request
from flask import redirect as flask_redirect


def is_partial_request() -> bool:
    """An htmx request that swaps a piece of the page (not a boosted link, not a history restore)."""
    h = request.headers
    return (
        h.get("HX-Request") == "true"
        and h.get("HX-Boosted") != "true"
        and h.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, partial: str, **context: Any) -> str:
    """The partial for htmx, the page (which includes the same partial) for everyone else."""
    return render_template(partial if is_partial_request() else page, **context)


def render_kept(page: str, partial: str, **context: Any) -> str:
    """`render`, marked for the render cache when a view's `rendercache.kept` build calls it."""
    from vez.rendercache import render_page

    return render_page(partial if is_partial_request() else page, **context)


def redirect(url: str) -> Response:
    """After a state change: `HX-Redirect` for an htmx request (it loads the whole page), 303 otherwise."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return flask_redirect(url, code=303)


def wait_status() -> int:
    """ "Too many, please wait": 429 for a whole page; 422 for htmx, whose configuration swaps no 429."""
    return 422 if is_partial_request() else 429
