"""The factory's habits: exceptions propagate in debug and testing, logging, the shell, static files indexed once,
links on the port `make run` serves, and no test reaching a real SMTP server."""

from __future__ import annotations

import json
import logging
import re
import shutil
import smtplib
import subprocess
from pathlib import Path

import pytest

from bench.server import free_port
from tests.conftest import https_client
from vez import create_app
from vez.logs import StderrHandler
from vez.models import Letter
from vez.static import whitenoise_of
from vez.urls import external_url

ROOT = Path(__file__).resolve().parents[2]


def failing_route(app, message: str = "secret internals") -> str:
    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError(message)

    return "/boom-for-test"


# ---- errors ----------------------------------------------------------------------------------


def test_an_unexpected_exception_reaches_the_failing_test(app, client):
    path = failing_route(app)
    with pytest.raises(RuntimeError, match="secret internals"):
        client.get(path)


def test_an_unexpected_exception_reaches_the_debugger(tmp_path):
    app = create_app({"DEBUG": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'debug.sqlite3'}"})
    path = failing_route(app)
    with pytest.raises(RuntimeError, match="secret internals"):
        https_client(app).get(path)


def test_the_500_page_logs_its_incident_once_with_the_traceback(app, client, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    path = failing_route(app)
    response = client.get(path)
    assert response.status_code == 500
    incident = re.search(r"Номер інциденту: ([0-9a-f]{8})", response.get_data(as_text=True)).group(1)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1, [record.getMessage() for record in errors]  # not Flask's own line as well
    assert errors[0].name == "vez.errors"
    assert errors[0].getMessage() == f"incident {incident} on {path} [GET]"
    assert errors[0].exc_info[0] is RuntimeError


# ---- logging and the shell -------------------------------------------------------------------


# These make apps of their own, outside the `app` fixture's context (Flask-Admin translates its name at set-up).


def test_logging_is_set_up_once_and_reaches_stderr_and_caplog(capsys, caplog):
    create_app({"TESTING": True})
    create_app({"TESTING": True})
    vez_logger = logging.getLogger("vez")
    assert sum(isinstance(handler, StderrHandler) for handler in vez_logger.handlers) == 1
    assert vez_logger.propagate  # the root, where caplog listens, still gets every record
    logging.getLogger("vez.security").info("probe %s", "security")
    err = capsys.readouterr().err
    [line] = [json.loads(line) for line in err.splitlines() if '"logger":"vez.security"' in line]
    assert line["event"] == "probe security" and line["level"] == "INFO"  # a JSON line (docs/security.md)
    assert [r.getMessage() for r in caplog.records if r.name == "vez.security"] == ["probe security"]


def test_flask_shell_starts_with_db_and_the_models(app):
    from vez.extensions import db

    context = app.make_shell_context()
    assert context["db"] is db
    for name in ("User", "PersonalAccount", "Payment", "Charge", "Bill", "Letter", "AuditEvent"):
        assert name in context, name
    assert context["models"].User is context["User"]


# ---- static files ----------------------------------------------------------------------------


def test_flask_admins_static_files_are_indexed_once_a_process_and_served():
    app = create_app({"TESTING": True})
    files = whitenoise_of(app).files
    css = next(url for url in files if url.startswith("/admin/static/") and url.endswith(".css"))
    other = create_app({"TESTING": True})
    assert whitenoise_of(other).files[css] is files[css]  # the same index, not a second walk of the folder
    with https_client(app).get(css) as response:
        assert response.status_code == 200 and response.mimetype == "text/css" and response.get_data()
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "immutable" in response.headers["Cache-Control"]


def test_the_instance_folder_can_be_named_and_holds_the_default_database(monkeypatch, tmp_path):
    monkeypatch.delenv("VEZ_SQLALCHEMY_DATABASE_URI", raising=False)
    monkeypatch.setenv("VEZ_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app()
    assert app.instance_path == str(tmp_path / "instance") and (tmp_path / "instance").is_dir()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'vez.sqlite3'}"


# ---- links on the port `make run` serves -----------------------------------------------------


def development_app(tmp_path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dev.sqlite3'}"})


def test_links_in_letters_and_to_the_gateway_point_at_the_port_flask_run_serves(monkeypatch, tmp_path):
    monkeypatch.delenv("VEZ_EXTERNAL_URL", raising=False)
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    app = development_app(tmp_path)
    with app.app_context():
        assert external_url("activation.confirm", token="t").startswith("http://127.0.0.1:8123/")
        assert external_url("payments.callback", provider="sandbox").startswith("http://127.0.0.1:8123/")


def test_links_default_to_port_5000_and_vez_external_url_wins(monkeypatch, tmp_path):
    monkeypatch.delenv("VEZ_EXTERNAL_URL", raising=False)
    monkeypatch.delenv("FLASK_RUN_PORT", raising=False)
    assert development_app(tmp_path).config["EXTERNAL_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("FLASK_RUN_PORT", "8123")
    monkeypatch.setenv("VEZ_EXTERNAL_URL", "https://cabinet.example.ua")
    assert development_app(tmp_path).config["EXTERNAL_URL"] == "https://cabinet.example.ua"


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_make_run_gives_flask_run_its_port_through_flask_run_port():
    dry_run = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True)
    serve = [line for line in dry_run.stdout.splitlines() if "--app vez run" in line]
    assert serve and all("FLASK_RUN_PORT=8123" in line for line in serve), dry_run.stdout


# ---- no real SMTP server ---------------------------------------------------------------------


@pytest.mark.parametrize("host, port", [("smtp.example.ua", 587), ("127.0.0.1", 25), ("localhost:465", 0)])
def test_reaching_a_real_smtp_server_fails_the_test(no_real_smtp, host, port):
    with pytest.raises(pytest.fail.Exception, match="real SMTP server"):
        smtplib.SMTP(host, port, timeout=1)
    assert no_real_smtp
    no_real_smtp.clear()  # this test wanted it


def test_smtp_over_tls_to_a_real_server_fails_the_test(no_real_smtp):
    with pytest.raises(pytest.fail.Exception, match="real SMTP server at mail.example.ua:465"):
        smtplib.SMTP_SSL("mail.example.ua", timeout=1)
    no_real_smtp.clear()


def test_the_outbox_sender_cannot_swallow_the_failure(app, db, no_real_smtp):
    from vez.mail import send_pending

    db.session.add(Letter(kind="test", recipient="ivan@example.com", subject="s", body_text="t", body_html=None))
    db.session.commit()
    app.config.update(MAIL_SERVER="smtp.example.ua", MAIL_PORT=587)
    app.extensions["mail"].server, app.extensions["mail"].port = "smtp.example.ua", 587
    app.extensions["mail"].suppress = False
    with pytest.raises(pytest.fail.Exception):
        send_pending()
    no_real_smtp.clear()


def test_a_server_of_the_tests_own_on_127_0_0_1_is_allowed():
    with pytest.raises(ConnectionRefusedError):  # reached the socket: nothing listens on that free port
        smtplib.SMTP("127.0.0.1", free_port(), timeout=1)
