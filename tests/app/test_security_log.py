"""docs/security.md, "Sessions bound to a second factor", security log: every audit event
is a JSON line of the configured log (time, event, actor, ip, target, request id, data), logouts and remembered
logins are audited, and no token or password reaches the log."""

from __future__ import annotations

import json
import logging

from tests.conftest import PASSWORD, AuthActions, csrf_token, https_client
from tests.recovery.test_recovery import NEW, ask_password, reset_path
from tests.registration.conftest import AMOUNT, NUMBER, Registration
from vez.models import AuditEvent

FIELDS = {"time", "level", "logger", "event", "actor", "ip", "target", "request_id", "data"}


def security_lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{") and '"logger":"vez.security"' in line]


def test_a_full_flow_logs_json_events_and_no_token_or_password(app, client, db, make_account, capsys, caplog):
    account = make_account(NUMBER, last_payment=AMOUNT)
    caplog.set_level(logging.DEBUG)  # every logger, every level: whatever any of them says is searched
    reg = Registration(client, db)
    reg.register(account)
    activation = reg.activation_path()
    assert client.post(activation, data={"csrf_token": reg.token()}).status_code == 303
    ask_password(client, "petro", "petro@ukr.net")
    reset = reset_path(db)
    client.get(reset)
    assert (
        client.post(reset, data={"password": NEW, "confirm": NEW, "csrf_token": csrf_token(client, reset)}).status_code
        == 303
    )
    auth = AuthActions(client)
    assert auth.login("petro", NEW, remember="y").status_code == 303
    remembered = https_client(app)
    remembered.set_cookie("__Host-remember", client.get_cookie("__Host-remember").value, domain="localhost")
    assert remembered.get("/cabinet", headers={"X-Request-ID": "req-42"}).status_code == 200
    assert auth.logout().status_code == 303

    err = capsys.readouterr().err
    lines = security_lines(err)
    events = [line["event"] for line in lines]
    for event in ("login.ok", "login.remembered", "logout"):
        assert event in events, events
    assert all(set(line) == FIELDS for line in lines), lines[0]
    [restore] = [line for line in lines if line["event"] == "login.remembered"]
    assert restore["request_id"] == "req-42" and restore["actor"] and restore["target"].startswith("users:")
    assert restore["ip"] == "127.0.0.1" and restore["time"].endswith("+00:00")
    everything = err + caplog.text
    for secret in (activation.rsplit("/", 1)[1], reset.rsplit("/", 1)[1], PASSWORD, NEW):
        assert secret not in everything
    stored = {a for (a,) in db.session.execute(db.select(AuditEvent.action))}
    assert {"login.remembered", "logout"} <= stored


def test_werkzeug_request_lines_lose_their_tokens():
    from vez.logs import RedactTokens, redact

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '%s - - "%s" %s %s',
        ("127.0.0.1", "GET /activate/abc.DEF-123_x HTTP/1.1", "200", "-"),
        None,
    )
    RedactTokens().filter(record)
    assert "abc.DEF-123_x" not in record.getMessage() and "/activate/[redacted] HTTP/1.1" in record.getMessage()
    assert redact("/recovery/password/tok.en?x=1") == "/recovery/password/[redacted]?x=1"
    assert (
        redact("https://cabinet.test/cabinet/profile/email/tok")
        == "https://cabinet.test/cabinet/profile/email/[redacted]"
    )
    assert redact("/activate/tok/resend") == "/activate/[redacted]/resend"
    assert redact("/cabinet/bills") == "/cabinet/bills"
