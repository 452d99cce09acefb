"""Structured logs (docs/architecture.md, "No state in a process", logs): every record of the app one JSON line
with its request id, and every answer carrying that id in X-Request-ID."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest

from vez.logs import Formatter, log_format

OWN_ID = re.compile(r"[0-9a-f]{16}")


def json_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("path", ["/", "/healthz", "/no-such-page", "/login?lang=en"])
def test_every_answer_carries_its_own_request_id(client, path):
    first, second = client.get(path), client.get(path)
    assert OWN_ID.fullmatch(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_static_file_served_before_flask_carries_one_too(client):
    stylesheet = re.search(r'href="(/static/css/[^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    response = client.get(stylesheet)
    response.close()
    assert response.status_code == 200 and OWN_ID.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize(
    "given, kept",
    [("req-42", True), ("a.B_c-9", True), ("x" * 65, False), ("two words", False), ("id;\tX-Evil=1", False)],
)
def test_the_proxys_id_is_kept_only_when_it_is_a_plain_token(client, given, kept):
    answered = client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"]
    assert (answered == given) is kept
    assert kept or OWN_ID.fullmatch(answered)


def test_an_app_log_line_is_json_with_the_request_id_of_its_answer(app, client, capsys):
    @app.route("/log-for-test")
    def log_for_test():
        logging.getLogger("vez.test").warning("something to say: %s", 42)
        return "ok"

    response = client.get("/log-for-test", headers={"X-Request-ID": "req-7"})
    [line] = [line for line in json_lines(capsys.readouterr().err) if line["logger"] == "vez.test"]
    assert line["request_id"] == response.headers["X-Request-ID"] == "req-7"
    assert line["message"] == "something to say: 42" and line["level"] == "WARNING"
    assert line["time"].endswith("+00:00") and set(line) == {"time", "level", "logger", "message", "request_id"}


def test_a_failure_logs_its_incident_and_traceback_as_fields(app, client, capsys):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom-for-test")
    incident = re.search(r"[0-9a-f]{8}", response.get_data(as_text=True).split("інциденту")[1]).group(0)
    [line] = [line for line in json_lines(capsys.readouterr().err) if line["logger"] == "vez.errors"]
    assert line["incident"] == incident and line["level"] == "ERROR"
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["traceback"].startswith("Traceback") and "RuntimeError: secret internals" in line["traceback"]
    assert "\n" not in json.dumps(line)  # one line, whatever the traceback holds


def test_text_keeps_gunicorns_layout_for_a_human():
    record = logging.LogRecord("vez.mail", logging.INFO, "", 0, "sent %s letters", (3,), None)
    assert re.fullmatch(r"\[.+\] \[\d+\] \[INFO\] vez\.mail: sent 3 letters", Formatter("text").format(record))
    try:
        raise ValueError("x")
    except ValueError:
        failed = logging.LogRecord("vez", logging.ERROR, "", 0, "failed", (), sys.exc_info())
    assert json.loads(Formatter("json").format(failed))["traceback"].endswith("ValueError: x")


@pytest.mark.parametrize(
    "config, chosen",
    [
        ({"ENV_MODE": "production"}, "json"),
        ({"ENV_MODE": "testing"}, "json"),
        ({"ENV_MODE": "development"}, "text"),
        ({"ENV_MODE": "development", "LOG_FORMAT": "json"}, "json"),
        ({"ENV_MODE": "production", "LOG_FORMAT": "text"}, "text"),
    ],
)
def test_json_everywhere_but_development_unless_chosen(config, chosen):
    assert log_format(config) == chosen


def test_an_unknown_log_format_is_refused():
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        log_format({"ENV_MODE": "production", "LOG_FORMAT": "JSON"})
