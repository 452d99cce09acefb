"""Helpers of the job tests: a real SMTP server (aiosmtpd) for an app, letters in the outbox, a redis-server."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller

from tests.registration.test_mail import Inbox, free_port, point_mail_at
from vez.extensions import db
from vez.models import Letter


@contextmanager
def smtp_server(app):
    """aiosmtpd on a free port of 127.0.0.1, and the app's mail pointed at it; yields the inbox."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    point_mail_at(app, port, timeout=5)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp(app):
    with smtp_server(app) as inbox:
        yield inbox


def add_letters(count: int) -> list[str]:
    """`count` pending letters to r0@example.com, r1@…; their recipients."""
    recipients = [f"r{i}@example.com" for i in range(count)]
    db.session.add_all(Letter(kind="test", recipient=to, subject="Test", body_text="Hello") for to in recipients)
    db.session.commit()
    return recipients
