"""vez: the self-service cabinet of a Ukrainian electricity and gas supplier's consumers."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

# docs/security.md (modes): every other spelling ("prod", "Production") is refused, never run as a lax mode.
ENV_MODES = ("development", "testing", "production")
LOCAL_DEMO_WARNING = (
    "LOCAL_DEMO is on: a local demonstration at %s; the demo logins and the sandbox gateway are allowed "
    "(never on a public address)"
)


class App(Flask):
    def log_exception(self, exc_info) -> None:
        """Nothing here: the 500 handler (vez.errors) logs the exception once, with the incident id it shows."""


def create_app(config: dict[str, Any] | str | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands, error pages."""
    # The instance folder: VEZ_INSTANCE_PATH, else Flask's (instance/ in a checkout, <prefix>/var/vez-instance
    # for an installed wheel).
    instance_path = os.environ.get("VEZ_INSTANCE_PATH")
    instance_path = os.path.abspath(instance_path) if instance_path else None
    app = App(__name__, instance_path=instance_path, instance_relative_config=True)
    configure(app, config)
    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    register_errorhandlers(app)
    register_commands(app)
    if app.config["ENV_MODE"] == "production" and not app.config["LOCAL_DEMO"]:
        refuse_demo_logins(app)
    if app.config["LOCAL_DEMO"]:
        import logging

        logging.getLogger("vez").warning(LOCAL_DEMO_WARNING, app.config["EXTERNAL_URL"])
    return app


def configure(app: Flask, config: dict[str, Any] | str | None) -> None:
    from vez.config import Config, TestingConfig, is_flag_on, is_loopback_url, is_weak_secret

    testing = config == "testing" or (isinstance(config, dict) and config.get("TESTING"))
    app.config.from_object(TestingConfig if testing else Config)
    for key, value in app.config.items():  # VEZ_A__B=... sets inside a dict: this app's copy, not the class's
        if isinstance(value, dict):
            app.config[key] = copy.deepcopy(value)
    app.config.from_prefixed_env("VEZ")
    if isinstance(config, dict):
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    apply_defaults(app)

    if app.config["ENV_MODE"] not in ENV_MODES:
        raise RuntimeError(
            f"ENV_MODE {app.config['ENV_MODE']!r} is none of {', '.join(ENV_MODES)} "
            "(set VEZ_ENV_MODE to one of them exactly)."
        )
    if app.config["ENV_MODE"] == "production":
        if is_weak_secret(app.config["SECRET_KEY"]):
            raise RuntimeError("Production mode refuses the default or a short SECRET_KEY (set VEZ_SECRET_KEY).")
        if app.debug:
            raise RuntimeError("Production mode refuses debug mode.")
        refuse_unshared_limits(app.config)
    # docs/security.md, "Local demonstration": one setting relaxes exactly two guards, on this machine only.
    app.config["LOCAL_DEMO"] = is_flag_on(app.config["LOCAL_DEMO"])
    local_demo, production = app.config["LOCAL_DEMO"], app.config["ENV_MODE"] == "production"
    if local_demo and production and not is_loopback_url(app.config["EXTERNAL_URL"]):
        raise RuntimeError(
            f"LOCAL_DEMO (VEZ_LOCAL_DEMO) is refused in production with EXTERNAL_URL "
            f"{app.config['EXTERNAL_URL']!r}: it allows the demo logins and the sandbox gateway, so only "
            "on a loopback address (127.0.0.1, ::1, localhost)."
        )
    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=app.config["PROXY_FIX_X_PROTO"]
        )
    if app.config["TRUSTED_HOSTS"]:
        hosts = app.config["TRUSTED_HOSTS"]
        app.config["TRUSTED_HOSTS"] = hosts.split(",") if isinstance(hosts, str) else hosts


def apply_defaults(app: Flask) -> None:
    """The settings whose default depends on where vez is installed and how it is run."""
    from vez.resources import resource_dir

    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'vez.sqlite3'}"
    if not app.config["BABEL_TRANSLATION_DIRECTORIES"]:
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(resource_dir("translations"))
    if not app.config["EXTERNAL_URL"]:
        # Development: links point where `flask run` serves (FLASK_RUN_PORT is its --port; `make run` sets it).
        app.config["EXTERNAL_URL"] = f"http://127.0.0.1:{os.environ.get('FLASK_RUN_PORT') or 5000}"


def configure_logging(app: Flask) -> None:
    from vez import logs

    logs.init_app(app)


def is_single_process(value: Any) -> bool:
    """VEZ_SINGLE_PROCESS=1 (or true): the operator states that exactly one process serves the app."""
    from vez.config import is_flag_on

    return is_flag_on(value)


def refuse_unshared_limits(config) -> None:
    """docs/security.md (rate limits across workers): memory:// counts per process, so N workers allow N times
    the limit. Production needs shared storage (Redis, Memcached, ...) unless one process is stated, and
    deploy/gunicorn.conf.py then refuses to start more than one worker."""
    scheme = str(config.get("RATELIMIT_STORAGE_URI") or "memory://").partition("://")[0].lower()
    if "memory" in scheme.split("+") and not is_single_process(config.get("SINGLE_PROCESS")):
        raise RuntimeError(
            "Production mode refuses memory:// rate-limit storage: each worker would count on its own. "
            "Set VEZ_RATELIMIT_STORAGE_URI (e.g. redis://host:6379/0), or VEZ_SINGLE_PROCESS=1 "
            "for exactly one process (gunicorn then runs one worker)."
        )


def refuse_demo_logins(app: Flask) -> None:
    """Production never starts with the published demo passwords in its database."""
    from sqlalchemy.exc import SQLAlchemyError

    from vez.demo import demo_logins_present

    with app.app_context():
        try:
            present = demo_logins_present()
        except SQLAlchemyError:  # not migrated yet: there is nothing to refuse
            present = False
    if present:
        raise RuntimeError("Production mode refuses a database holding the demo logins (demo, admin, company).")


def register_extensions(app: Flask) -> None:
    from vez import auth, i18n, pagecache, rendercache, replay, static
    from vez.extensions import babel, compress, csrf, db, limiter, login_manager, mail, migrate
    from vez.resources import resource_dir

    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    mail.init_app(app)
    compress.init_app(app)
    # vez's own limits are rows of the database (vez.identity.limits); Flask-Limiter enforces only what an
    # operator configures (RATELIMIT_APPLICATION, RATELIMIT_DEFAULT, RATELIMIT_META). With none, it is off: its
    # check ran on every request and found nothing to count (docs/performance.md).
    configured = any(app.config.get(key) for key in ("RATELIMIT_APPLICATION", "RATELIMIT_DEFAULT", "RATELIMIT_META"))
    app.config.setdefault("RATELIMIT_ENABLED", configured)
    limiter.init_app(app)
    pagecache.init_app(app)
    rendercache.init_app(app)
    replay.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    auth.init_login_manager(login_manager)
    auth.init_session_cookies(app)
    static.init_app(app)
    i18n.init_app(app)


def register_blueprints(app: Flask) -> None:
    from vez import brand, converters
    from vez.activation import bp as activation_bp
    from vez.admin import init_admin
    from vez.api import bp as api_bp
    from vez.auth import bp as auth_bp
    from vez.cabinet import bp as cabinet_bp
    from vez.company import bp as company_bp
    from vez.devmail import bp as devmail_bp
    from vez.home import bp as home_bp
    from vez.paylinks import bp as paylinks_bp
    from vez.payments import bp as payments_bp
    from vez.recovery import bp as recovery_bp
    from vez.registration import bp as registration_bp

    brand.init_app(app)  # the supplier's names, logo and colour from the config (/brand.css, /brand/logo)
    converters.init_app(app)  # `<id:...>` in every route with an integer id (docs/security.md)
    for bp in (home_bp, auth_bp, registration_bp, activation_bp, recovery_bp, cabinet_bp, payments_bp, devmail_bp):
        app.register_blueprint(bp)
    app.register_blueprint(paylinks_bp)
    app.register_blueprint(company_bp)
    app.register_blueprint(api_bp)  # the personal API under /api/v1/ (docs/api.md)
    init_admin(app)


def register_hooks(app: Flask) -> None:
    from vez import http, logs

    http.init_app(app)
    logs.tag_requests(app)  # last: outside WhiteNoise and ProxyFix, so every answer carries its X-Request-ID


def register_errorhandlers(app: Flask) -> None:
    from vez import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from vez import commands

    commands.init_app(app)
