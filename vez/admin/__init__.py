"""The staff panel at /admin (Flask-Admin 2) and the import of the billing system's CSV files."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request
from flask_babel import lazy_gettext as _l

ADMIN_URL = "/admin"


def csp_nonce() -> str:
    """One nonce per request; Flask-Admin puts it on its scripts, the header below allows exactly those."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def serve_admin_static(app: Flask) -> None:
    """Flask-Admin's Bootstrap, jQuery and friends from the package, through WhiteNoise like our own files.

    Local, never a CDN; WhiteNoise answers before Flask (no streamed send_file for Flask-Compress to hold).
    """
    import os

    import flask_admin

    from vez.static import add_package_files

    add_package_files(
        app, os.path.join(os.path.dirname(flask_admin.__file__), "static"), ADMIN_URL.strip("/") + "/static/"
    )


def init_admin(app: Flask) -> None:
    from flask_admin import Admin
    from flask_admin.theme import Bootstrap4Theme

    from vez import labels
    from vez import models as m
    from vez.admin import companies, views
    from vez.extensions import db
    from vez.http import content_security_policy

    admin = Admin(
        app,
        name=_l("VEZ staff"),
        url=ADMIN_URL,
        index_view=views.Dashboard(name=_l("Summary"), url=ADMIN_URL, endpoint="admin"),
        theme=Bootstrap4Theme(base_template="admin/vez_master.html", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(views.AccountView(m.PersonalAccount, db, name=_l("Accounts"), endpoint="accounts"))
    admin.add_view(views.UserView(m.User, db, name=_l("Logins"), endpoint="logins"))
    admin.add_view(views.ChargeView(m.Charge, db, name=_l("Charges"), endpoint="charges", category=_l("Money")))
    admin.add_view(views.BillView(m.Bill, db, name=_l("Bills"), endpoint="bills", category=_l("Money")))
    admin.add_view(
        views.PaymentView(
            m.Payment, db, name=_l("Payments"), endpoint="payments_admin", url="payments", category=_l("Money")
        )
    )
    admin.add_view(
        views.DisconnectionView(
            m.Disconnection, db, name=_l("Disconnections"), endpoint="disconnections", category=_l("Money")
        )
    )
    admin.add_view(
        views.AutopayView(m.Autopay, db, name=_l("Autopay"), endpoint="autopays", url="autopays", category=_l("Money"))
    )
    admin.add_view(views.ImportView(name=_l("Import"), endpoint="import", url=f"{ADMIN_URL}/import"))
    admin.add_view(views.LetterView(m.Letter, db, name=_l("Outbox"), endpoint="outbox", category=_l("Records")))
    admin.add_view(views.AuditView(m.AuditEvent, db, name=_l("Audit log"), endpoint="audit", category=_l("Records")))
    admin.add_view(
        views.SubdivisionView(
            m.Subdivision, db, name=_l("Subdivisions"), endpoint="subdivisions", category=_l("Records")
        )
    )
    companies.register(admin)  # the business side's "Companies" menu
    app.extensions["vez_admin"] = admin
    app.jinja_env.filters.update(label=labels.label, unit_label=labels.unit, import_kind_label=labels.import_kind)
    serve_admin_static(app)

    @app.url_value_preprocessor
    def import_body_limit(endpoint, values) -> None:
        # Runs before CSRFProtect reads the body: the upload may be far larger than MAX_CONTENT_LENGTH, but only
        # for an admin whose session the second factor opened, and only with a declared Content-Length, which
        # Werkzeug compares before reading a byte. Anyone else, and any chunked body, keeps MAX_CONTENT_LENGTH
        # (docs/security.md, upload limit).
        if (
            endpoint == "import.index"
            and request.method == "POST"
            and request.content_length is not None
            and views.may_upload_large()
        ):
            request.max_content_length = app.config["IMPORT_MAX_BYTES"]

    @app.after_request
    def admin_csp(response: Response) -> Response:
        if request.path == ADMIN_URL or request.path.startswith(ADMIN_URL + "/"):
            response.headers["Content-Security-Policy"] = (
                f"{content_security_policy()}; script-src 'self' 'nonce-{csp_nonce()}'; style-src 'self'"
            )
        return response
