from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from vez.auth.forms import LoginForm
from vez.extensions import db
from vez.home import bp
from vez.htmx import render
from vez.pagecache import cached_page


def tab(name: str):
    return render("home/index.html", "home/_tab.html", tab=name, form=LoginForm())


@bp.route("/")
@cached_page
def index():
    return tab("home")


@bp.route("/company")
@cached_page
def company():
    return tab("company")


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        current_app.logger.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
