"""Letters: queued in the outbox in the caller's transaction, sent later by `send_pending` (docs/security.md 17).

SMTP being down never loses a registration: the letter waits with its error and is retried with back-off.
"""

from __future__ import annotations

import logging
import smtplib
import time
from datetime import timedelta
from typing import Any

import click
from flask import current_app, render_template
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_mail import Connection, Message
from sqlalchemy import select

from vez.extensions import db
from vez.models import Letter, LetterStatus, utcnow
from vez.urls import external_url

log = logging.getLogger("vez.mail")
MAX_ATTEMPTS = 8
BACKOFF = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600]  # seconds after attempts 1, 2, ...


def queue_letter(
    kind: str, *, to: str, subject: Any, template: str, language: str, user_id: int | None = None, **context
) -> Letter:
    """Render `email/<template>.txt` and `.html` in the recipient's language and add the letter to the outbox."""
    if "\r" in to or "\n" in to:
        raise ValueError("a line break in a recipient address")
    with force_locale(language):
        context.setdefault("external_url", external_url)
        letter = Letter(
            kind=kind,
            recipient=to,
            subject=str(subject).replace("\r", " ").replace("\n", " "),
            body_text=render_template(f"email/{template}.txt", **context),
            body_html=render_template(f"email/{template}.html", **context),
            user_id=user_id,
        )
    db.session.add(letter)
    _send_after_request()
    return letter


def _send_after_request() -> None:
    """Development: drain the outbox in-process once the response is out (after the caller's commit)."""
    from flask import has_request_context

    app = current_app._get_current_object()
    if not (app.config.get("MAIL_SEND_INLINE") and app.config["ENV_MODE"] == "development"):
        return
    if not app.config.get("MAIL_SERVER") or not has_request_context():
        return
    from flask import after_this_request, g

    if g.get("mail_drain_scheduled"):
        return
    g.mail_drain_scheduled = True

    @after_this_request
    def _schedule(response):
        def _drain():
            with app.app_context():
                try:
                    send_pending()
                except Exception:  # never let mail break a request that has already answered
                    log.exception("in-process sending failed")
                finally:
                    db.session.remove()

        response.call_on_close(_drain)
        return response


class TimeoutConnection(Connection):
    """Flask-Mail's connection with a socket timeout: a silent server must not hang a worker."""

    def configure_host(self):
        mail, timeout = self.mail, current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if mail.use_ssl else smtplib.SMTP
        host = smtp_class(mail.server, mail.port, timeout=timeout)
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host


def _message(letter: Letter) -> Message:
    return Message(
        subject=letter.subject,
        recipients=[letter.recipient],
        body=letter.body_text,
        html=letter.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )


def send_pending(limit: int = 100) -> tuple[int, int]:
    """Send the letters that are due; returns (sent, failed). Without MAIL_SERVER nothing is sent."""
    if not current_app.config.get("MAIL_SERVER"):
        return 0, 0
    now = utcnow()
    letters = db.session.scalars(
        select(Letter)
        .where(Letter.status == LetterStatus.pending, Letter.next_attempt_at <= now)
        .order_by(Letter.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    if not letters:
        return 0, 0
    state = current_app.extensions["mail"]
    try:
        with TimeoutConnection(state) as connection:
            for letter in letters:
                try:
                    connection.send(_message(letter))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
                    _failed(letter, error)
                    failed += 1
                else:
                    letter.status, letter.sent_at, letter.last_error = LetterStatus.sent, utcnow(), None
                    letter.attempts += 1
                    sent += 1
                db.session.commit()
    except (OSError, smtplib.SMTPException) as error:  # server down, silent or refusing us: retry later
        for letter in letters:
            if letter.status is LetterStatus.pending and letter.sent_at is None:
                _failed(letter, error)
                failed += 1
        db.session.commit()
    return sent, failed


def _failed(letter: Letter, error: Exception) -> None:
    letter.attempts += 1
    letter.last_error = f"{error.__class__.__name__}: {error}"[:500]
    if letter.attempts >= MAX_ATTEMPTS:
        letter.status = LetterStatus.failed
    else:
        delay = BACKOFF[min(letter.attempts - 1, len(BACKOFF) - 1)]
        letter.next_attempt_at = utcnow() + timedelta(seconds=delay)
    log.warning("letter %s to %s not sent (attempt %s): %s", letter.id, letter.recipient, letter.attempts, error)


@click.group("mail")
def mail_command() -> None:
    """The outbox: send the letters that are due."""


@mail_command.command("send")
@click.option("--loop", is_flag=True, help="Keep sending as a worker (production), every --interval seconds.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
@click.option("--rounds", default=0, help="Stop after this many rounds (0: never; for tests).")
@with_appcontext
def send_command(loop: bool, interval: float, rounds: int) -> None:
    """Send the pending letters once, or keep doing it with --loop."""
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set (VEZ_MAIL_SERVER): letters stay in the outbox.")
    done = 0
    while True:
        sent, failed = send_pending()
        db.session.remove()
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")
        done += 1
        if not loop or (rounds and done >= rounds):
            return
        time.sleep(interval)


def requeue(letter: Letter) -> None:
    """Staff: send a failed (or stuck) letter again from now; the caller commits."""
    letter.status, letter.attempts, letter.next_attempt_at, letter.last_error = LetterStatus.pending, 0, utcnow(), None


def outbox(limit: int = 100) -> list[Letter]:
    """The newest letters first (the development page and the admin)."""
    return list(db.session.scalars(select(Letter).order_by(Letter.id.desc()).limit(limit)))
