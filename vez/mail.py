"""Letters: queued in the outbox in the caller's transaction, sent later by `send_pending` (docs/security.md 17).

SMTP being down never loses a registration: the letter waits with its error and is retried with back-off.
Once the transaction that queued a letter commits, a job (`send_due_job`) sends the due letters; every
sender claims its letters first (`claim_due`), so two workers never send the same one.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from datetime import timedelta
from typing import Any

import click
from flask import current_app, render_template
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_mail import Connection, Message
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from vez import jobs
from vez.extensions import db
from vez.models import Letter, LetterStatus, utcnow
from vez.urls import external_url

log = logging.getLogger("vez.mail")
MAX_ATTEMPTS = 8
BACKOFF = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600]  # seconds after attempts 1, 2, ...
CLAIM_TRIES = 5  # rounds of claim_due when every candidate it saw was claimed by another sender meanwhile
LETTERS_QUEUED = "vez.letters_queued"  # in Session.info: this transaction added a letter


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
    db.session.info[LETTERS_QUEUED] = True  # a sending job starts once this transaction commits
    return letter


def _letters_committed() -> None:
    """A transaction that queued letters has committed: start a job that sends the due ones.

    With JOBS_REDIS_URL the job goes to RQ; without it, in development (MAIL_SEND_INLINE), a thread of the
    web process sends them once the answer is out. Anywhere else the scheduler's outbox sweep (JOBS_SCHEDULE)
    or `flask --app vez mail send --loop` finds them: the outbox row is what counts, the job only hurries it.
    """
    from flask import has_app_context, has_request_context

    if not has_app_context():
        return
    app = current_app._get_current_object()
    if not app.config.get("MAIL_SERVER"):
        return
    inline = app.config.get("MAIL_SEND_INLINE") and app.config["ENV_MODE"] == "development"
    if not jobs.redis_url(app) and not (inline and has_request_context()):
        return

    def start() -> None:
        with app.app_context():
            try:
                jobs.enqueue("vez.mail.send_due_job")
            except Exception:  # noqa: BLE001 - the letters wait in the outbox for the sweep
                log.exception("the job sending letters could not be started")

    if not has_request_context():
        start()
        return
    from flask import after_this_request, g

    if g.get("mail_job_scheduled"):
        return
    g.mail_job_scheduled = True

    @after_this_request
    def _after_answer(response):
        response.call_on_close(start)  # the answer is not held up, not even by a Redis round trip
        return response


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(LETTERS_QUEUED, False):
        _letters_committed()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(LETTERS_QUEUED, None)


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


def claim_due(limit: int = 100) -> tuple[str, list[int]]:
    """Claim up to `limit` due letters for this sender and commit the claim; returns (claim, letter ids).

    A letter is due when it is pending, its next attempt has come and nobody's claim on it is running. On
    PostgreSQL the candidates are locked with SELECT … FOR UPDATE SKIP LOCKED, so concurrent senders take
    different letters without waiting (SQLite ignores the clause); the conditional UPDATE that claims them
    re-checks "due", so on SQLite, which runs one writer at a time, a letter another sender claimed between
    the two statements is not claimed twice: RETURNING says which letters are ours. A sender killed mid-send
    holds its letters until MAIL_CLAIM_SECONDS pass; then any sender takes them again.
    """
    now = utcnow()
    claim = f"{jobs.worker_name()[:70]}:{secrets.token_hex(4)}"
    due = (
        (Letter.status == LetterStatus.pending)
        & (Letter.next_attempt_at <= now)
        & or_(Letter.claimed_until.is_(None), Letter.claimed_until <= now)
    )
    ids: list[int] = []
    for _ in range(CLAIM_TRIES):  # SQLite: another sender may claim our candidates first; look again
        candidates = db.session.scalars(
            select(Letter.id).where(due).order_by(Letter.id).limit(limit).with_for_update(skip_locked=True)
        ).all()
        if not candidates:
            break
        ids = db.session.scalars(
            update(Letter)
            .where(Letter.id.in_(candidates), due)
            .values(claimed_by=claim, claimed_until=now + timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"]))
            .returning(Letter.id)
            .execution_options(synchronize_session=False)
        ).all()
        db.session.commit()
        if ids:
            break
    db.session.commit()  # also ends the transaction of a SELECT … FOR UPDATE that found nothing
    return claim, sorted(ids)


def send_pending(limit: int = 100) -> tuple[int, int]:
    """Claim the letters that are due and send them; returns (sent, failed). Without MAIL_SERVER nothing is sent."""
    if not current_app.config.get("MAIL_SERVER"):
        return 0, 0
    claim, ids = claim_due(limit)
    if not ids:
        return 0, 0
    letters = db.session.scalars(
        select(Letter).where(Letter.id.in_(ids), Letter.claimed_by == claim).order_by(Letter.id)
    ).all()
    sent = failed = 0
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
                    _release(letter)
                    sent += 1
                db.session.commit()
    except (OSError, smtplib.SMTPException) as error:  # server down, silent or refusing us: retry later
        for letter in letters:
            if letter.status is LetterStatus.pending and letter.sent_at is None and letter.claimed_by == claim:
                _failed(letter, error)
                failed += 1
        db.session.commit()
    return sent, failed


def send_due_job(limit: int = 100, rounds: int = 50) -> str:
    """The job: send the due letters batch after batch until none are left (or SMTP fails); idempotent."""
    sent = failed = 0
    for _ in range(rounds):
        batch_sent, batch_failed = send_pending(limit)
        sent, failed = sent + batch_sent, failed + batch_failed
        if batch_failed or batch_sent < limit:
            break
    return f"sent {sent}, failed {failed}"


def _release(letter: Letter) -> None:
    letter.claimed_by = letter.claimed_until = None


def _failed(letter: Letter, error: Exception) -> None:
    letter.attempts += 1
    letter.last_error = f"{error.__class__.__name__}: {error}"[:500]
    _release(letter)
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
    _release(letter)


def outbox(limit: int = 100) -> list[Letter]:
    """The newest letters first (the development page and the admin)."""
    return list(db.session.scalars(select(Letter).order_by(Letter.id.desc()).limit(limit)))
