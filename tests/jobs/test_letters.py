"""Letters as jobs: every sender claims its letters, so senders running at once deliver each letter exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import postgres_app
from tests.jobs.conftest import add_letters, smtp_server
from vez.extensions import db
from vez.mail import claim_due, send_due_job, send_pending
from vez.models import Letter, LetterStatus, utcnow


def send_in_parallel(app, senders: int, limit: int) -> dict[int, int]:
    """`senders` threads, each in an app context (and database connection) of its own, released together, each
    sending batches of `limit` until it finds nothing due; the letters each one sent."""
    barrier = threading.Barrier(senders)
    sent_by: dict[int, int] = {}
    errors: list[BaseException] = []

    def sender(number: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                total = 0
                while True:
                    sent, failed = send_pending(limit)
                    assert failed == 0
                    if not sent:
                        break
                    total += sent
                sent_by[number] = total
            except BaseException as error:  # noqa: BLE001 - reported by the test below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return sent_by


def assert_delivered_once(inbox, recipients: list[str], sent_by: dict[int, int]) -> None:
    delivered = Counter(to for tos, _message in inbox.messages for to in tos)
    assert delivered == Counter(recipients)  # every letter, none twice
    assert sum(sent_by.values()) == len(recipients)
    assert sum(1 for count in sent_by.values() if count) >= 2, sent_by  # the senders really ran side by side
    db.session.expire_all()
    rows = db.session.scalars(select(Letter)).all()
    assert {(r.status, r.attempts, r.claimed_by) for r in rows} == {(LetterStatus.sent, 1, None)}


def test_four_senders_at_once_deliver_each_letter_exactly_once_on_sqlite(app, db):
    recipients = add_letters(60)
    with smtp_server(app) as inbox:
        sent_by = send_in_parallel(app, senders=4, limit=3)
    assert_delivered_once(inbox, recipients, sent_by)


@pytest.mark.postgres
def test_four_senders_at_once_deliver_each_letter_exactly_once_on_postgresql(worker_id):
    with postgres_app(f"letters_{worker_id}", "prove the letters' claim") as app:
        assert db.engine.dialect.name == "postgresql"
        recipients = add_letters(60)
        with smtp_server(app) as inbox:
            sent_by = send_in_parallel(app, senders=4, limit=3)
        assert_delivered_once(inbox, recipients, sent_by)


def test_a_claimed_letter_is_left_alone_until_the_claim_expires_then_sent_once(app, db, smtp):
    """A sender killed mid-send: its claim stands for MAIL_CLAIM_SECONDS, then the letter is sent again."""
    add_letters(1)
    claim, ids = claim_due()
    assert len(ids) == 1 and claim.count(":") == 2
    assert send_pending() == (0, 0) and claim_due()[1] == []  # the dead sender still holds it
    later = utcnow() + timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    with time_machine.travel(later, tick=False):
        assert send_pending() == (1, 0)
        assert send_pending() == (0, 0)
    assert len(smtp.messages) == 1


def test_a_failed_attempt_releases_the_claim_and_keeps_the_back_off(app, db):
    from tests.registration.test_mail import free_port, point_mail_at

    point_mail_at(app, free_port())  # nothing listens
    add_letters(1)
    assert send_pending() == (0, 1)
    letter = db.session.scalars(select(Letter)).one()
    assert letter.claimed_by is None and letter.attempts == 1 and letter.next_attempt_at > utcnow()
    assert claim_due()[1] == []  # not due before the back-off has passed


def test_the_send_job_drains_the_outbox_in_batches_and_a_second_run_sends_nothing(app, db, smtp):
    add_letters(7)
    assert send_due_job(limit=3) == "sent 7, failed 0"
    assert send_due_job(limit=3) == "sent 0, failed 0"
    assert len(smtp.messages) == 7
    assert db.session.scalar(select(func.count()).select_from(Letter).where(Letter.status == "sent")) == 7
