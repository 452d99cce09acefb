from __future__ import annotations

from flask import current_app, url_for

from vez import health, rendercache
from vez.auth.forms import LoginForm
from vez.extensions import db, limiter
from vez.home import bp
from vez.htmx import render_kept
from vez.pagecache import cached_page


def tab(name: str):
    """Anonymous: from the public page cache (`cached_page`); logged in: kept per login (vez.rendercache)."""

    def build() -> str:
        form = LoginForm()
        if name == "company" and "company.cabinet" in current_app.view_functions:
            form.next.data = url_for("company.cabinet")  # the same login, landing in the company cabinet
        return render_kept("home/index.html", "home/_tab.html", tab=name, form=form)

    return rendercache.kept(build)


@bp.route("/")
@cached_page
def index():
    return tab("home")


@bp.route("/company")
@cached_page
def company():
    return tab("company")


# Probes (docs/security.md, "Liveness and readiness"): GET only (no CSRF check), never rate limited, and no
# session, cache or cookie is touched. Cache-Control: no-store comes with every page (vez.http).
@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Alive: this process answers. Nothing else is asked."""
    return {"status": "ok"}


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Ready: the database and every configured Redis answer (vez.health); 503 names the one that does not."""
    results = health.readiness(db.engine, current_app.config)
    ready = all(result == health.OK for result in results.values())
    return {"status": "ok" if ready else "unavailable", "checks": results}, 200 if ready else 503
