"""The figures on the panel's first page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import to_user_timezone, to_utc
from sqlalchemy import func, select

from vez.extensions import db
from vez.identity.limits import recent_failures
from vez.models import ImportRun, Letter, LetterStatus, Payment, PaymentStatus, User, utcnow


@dataclass
class Figures:
    registered_7d: int
    activated_7d: int
    payments_today: int
    payments_today_sum: int
    letters_failing: int
    imports_7d: int
    imports_failed_7d: int
    identification_failures_24h: int


def start_of_today() -> datetime:
    """Midnight in the supplier's time zone (Flask-Babel's), as naive UTC."""
    return to_utc(to_user_timezone(utcnow()).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None))


def figures() -> Figures:
    week = utcnow() - timedelta(days=7)
    today = start_of_today()
    count, total = db.session.execute(
        select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.status == PaymentStatus.paid, Payment.paid_at >= today
        )
    ).one()
    failing = (
        db.session.scalar(
            select(func.count(Letter.id)).where(
                (Letter.status == LetterStatus.failed)
                | ((Letter.status == LetterStatus.pending) & (Letter.attempts > 0))
            )
        )
        or 0
    )
    imports = db.session.execute(
        select(ImportRun.status, func.count(ImportRun.id))
        .where(ImportRun.created_at >= week)
        .group_by(ImportRun.status)
    ).all()
    return Figures(
        registered_7d=db.session.scalar(select(func.count(User.id)).where(User.created_at >= week)) or 0,
        activated_7d=db.session.scalar(select(func.count(User.id)).where(User.activated_at >= week)) or 0,
        payments_today=count,
        payments_today_sum=int(total),
        letters_failing=failing,
        imports_7d=sum(n for _status, n in imports),
        imports_failed_7d=sum(n for status, n in imports if status.value in ("failed", "rejected")),
        identification_failures_24h=recent_failures(24),
    )
