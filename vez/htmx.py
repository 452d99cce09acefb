"""One place decides whether a request gets a partial (htmx) or the whole page."""

from __future__ import annotations

from typing import Any

from flask import render_template, request


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
