"""Mail delivery: the outbox, a real SMTP server on 127.0.0.1, SMTP down or silent, header injection (B17, B18)."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from datetime import timedelta
from email import policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from vez.mail import queue_letter, send_pending
from vez.models import Letter, LetterStatus, User


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=3)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", port
    app.extensions["mail"].suppress = False
    yield inbox
    controller.stop()


@pytest.fixture
def silent_server():
    """Accepts connections and never says a word (a hung SMTP server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def point_mail_at(app, port, timeout=1):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=timeout)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", port
    app.extensions["mail"].suppress = False  # Flask-Mail suppresses sending under TESTING


def body_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_letter_through_a_real_smtp_server_and_its_link_activates(app, reg, account, smtp, db):
    """The activation letter goes through aiosmtpd on 127.0.0.1; the link from the received letter works."""
    reg.register(account)
    assert send_pending() == (1, 0)
    ((recipients, message),) = smtp.messages
    assert recipients == ["petro@ukr.net"]
    assert message["Subject"] == "Реєстрація"
    assert "Волиньелектрозбут" in message["From"] and "noreply@" in message["From"]
    assert message.get_body(preferencelist=("html",)) is not None
    link = re.search(r"https://cabinet\.test(/activate/\S+)", body_text(message)).group(1)
    assert reg.client.get(link).status_code == 200
    assert reg.client.post(link, data={"csrf_token": reg.token()}).status_code == 303
    assert reg.user().activated_at is not None
    assert send_pending() == (1, 0)  # the welcome letter
    assert "petro" in body_text(smtp.messages[1][1])
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Letter.id)).where(Letter.status == LetterStatus.sent)) == 2


def test_b17_smtp_down_keeps_the_registration_and_the_letter_then_the_worker_delivers_once(
    app, reg, account, db, runner
):
    """B17: closed port → the registration stands with a pending letter; later the worker sends exactly one."""
    point_mail_at(app, free_port())
    app.config.update(ENV_MODE="development", MAIL_SEND_INLINE=True)
    started = time.monotonic()
    reg.register(account)
    assert time.monotonic() - started < 5
    assert reg.user() is not None
    assert send_pending() == (0, 1)
    (letter,) = reg.letters()
    assert letter.status is LetterStatus.pending and letter.attempts >= 1 and "Error" in letter.last_error
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        point_mail_at(app, port)
        assert send_pending() == (0, 0)  # not due yet: back-off
        with time_machine.travel(letter.next_attempt_at + timedelta(seconds=1)):
            result = runner.invoke(args=["mail", "send"])
            assert "sent 1, failed 0" in result.output
            assert runner.invoke(args=["mail", "send"]).output.strip() == "sent 0, failed 0"
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_b17_a_silent_smtp_server_does_not_hang_registration(app, reg, account, silent_server):
    """B17: the server accepts and never greets → within 5 s the user and a pending letter exist."""
    point_mail_at(app, silent_server, timeout=1)
    app.config.update(ENV_MODE="development", MAIL_SEND_INLINE=True)
    started = time.monotonic()
    reg.register(account)
    assert time.monotonic() - started < 5
    started = time.monotonic()
    assert send_pending() == (0, 1)
    assert time.monotonic() - started < 5
    assert reg.user() is not None
    assert reg.letters()[0].status is LetterStatus.pending


def test_inline_sending_in_development_delivers_after_the_answer(app, reg, account, smtp):
    app.config.update(ENV_MODE="development", MAIL_SEND_INLINE=True)
    reg.identify(account)
    response = reg.step2()
    assert smtp.messages == []  # nothing is sent before the answer is out
    response.close()  # the WSGI server closes the answer once it is sent
    deadline = time.monotonic() + 5
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m[0] for m in smtp.messages] == [["petro@ukr.net"]]


def test_no_inline_sending_outside_development(app, reg, account, smtp):
    app.config.update(MAIL_SEND_INLINE=True)  # ENV_MODE stays "testing"
    reg.register(account)
    time.sleep(0.2)
    assert smtp.messages == []


def test_b18_header_injection_in_the_email_is_refused_and_the_server_sees_no_extra_recipient(
    app, reg, account, smtp, db
):
    """B18: `\\r\\nBcc:` in the email or the login is refused; the SMTP server sees one recipient."""
    reg.identify(account)
    for fields in (
        {"email": "petro@ukr.net\r\nBcc: evil@example.net"},
        {"email": "petro@ukr.net\nBcc:evil@example.net"},
        {"login": "petro\r\nBcc: evil@example.net"},
    ):
        assert reg.step2(**fields).status_code == 422
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert reg.step2().status_code == 303
    send_pending()
    assert [m[0] for m in smtp.messages] == [["petro@ukr.net"]]
    assert "evil" not in smtp.messages[0][1].as_string()


def test_b18_queue_letter_refuses_a_line_break_in_the_address(app):
    with app.test_request_context(), pytest.raises(ValueError):
        queue_letter("x", to="a@b.c\r\nBcc: d@e.f", subject="s", template="activation", language="uk", token="t")


def test_b17_resend_limit_counts_only_the_last_hour(reg, account):
    """B17: 3 resends an hour; after the hour, more."""
    from datetime import datetime

    now = datetime(2026, 11, 20, 9, 0)
    with time_machine.travel(now, tick=False):
        reg.register(account)
        for _ in range(4):
            reg.client.post("/registration/sent", data={"csrf_token": reg.token("/registration/sent")})
        assert len(reg.letters("activation_again")) == 3
    with time_machine.travel(now + timedelta(minutes=61), tick=False):
        with reg.client.session_transaction() as session:  # the 30-minute idle session has ended meanwhile
            session["pending_user_id"] = reg.user().id
        reg.client.post("/registration/sent", data={"csrf_token": reg.token("/registration/sent")})
        assert len(reg.letters("activation_again")) == 4


def test_mail_send_without_a_server_says_so(runner):
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code != 0 and "MAIL_SERVER" in result.output


def test_mail_send_loop_runs_its_rounds(app, runner, smtp, reg, account):
    reg.register(account)
    result = runner.invoke(args=["mail", "send", "--loop", "--interval", "0", "--rounds", "2"])
    assert result.exit_code == 0 and "sent 1, failed 0" in result.output
    assert len(smtp.messages) == 1


def test_the_development_outbox_page_is_debug_only(app, client, reg, account):
    reg.register(account)
    assert client.get("/dev/mail").status_code == 404
    app.debug = True
    page = client.get("/dev/mail").get_data(as_text=True)
    assert "petro@ukr.net" in page and "Реєстрація" in page
    letter_id = reg.letters()[0].id
    assert "/activate/" in client.get(f"/dev/mail/{letter_id}").get_data(as_text=True)


def test_staff_can_requeue_a_failed_letter(app, reg, account, smtp, db):
    from vez.mail import requeue

    reg.register(account)
    letter = reg.letters()[0]
    letter.status, letter.attempts, letter.last_error = LetterStatus.failed, 8, "gave up"
    db.session.commit()
    assert send_pending() == (0, 0)
    requeue(letter)
    db.session.commit()
    assert send_pending() == (1, 0) and len(smtp.messages) == 1


def test_the_sent_page_links_to_the_outbox_in_debug_only(app, reg, account):
    reg.register(account)
    assert "/dev/mail" not in reg.client.get("/registration/sent").get_data(as_text=True)
    app.debug = True
    assert 'href="/dev/mail"' in reg.client.get("/registration/sent").get_data(as_text=True)
