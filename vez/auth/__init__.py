"""Login and logout, sessions that really end, and the login manager's user loading."""

from __future__ import annotations

from flask import Blueprint, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, user_loaded_from_cookie

from vez import audit
from vez.identity import sessions

bp = Blueprint("auth", __name__)


def init_login_manager(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = _l("Please log in to open this page.")
    manager.login_message_category = "info"
    manager.needs_refresh_message = _l("Please log in again to confirm it is you.")
    manager.refresh_view = "auth.login"
    manager.session_protection = "basic"
    manager.user_loader(sessions.load_user)


def init_session_cookies(app) -> None:
    app.session_interface = sessions.SessionCookies()
    sessions.init_app(app)


@bp.before_app_request
def restore_remembered_login() -> None:
    """A remember cookie is read first thing (not at the view's first look at current_user), so its audit event,
    written in a transaction of its own, never waits for a view's write (SQLite locks the file)."""
    if "_user_id" not in session and current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies:
        current_user._get_current_object()


@user_loaded_from_cookie.connect
def audit_remembered_login(app, user) -> None:
    """A login restored from a remember cookie is audited at once: it happens before any view runs
    (docs/security.md, "Sessions bound to a second factor", security log)."""
    audit.record_now("login.remembered", actor_id=user.id, ip=request.remote_addr, target=user)


from vez.auth import views  # noqa: E402,F401
