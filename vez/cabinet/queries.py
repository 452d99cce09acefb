"""What the cabinet reads, always scoped to the login that asks (SECURITY.md 29)."""

from __future__ import annotations

from sqlalchemy import select

from vez.extensions import db
from vez.models import PersonalAccount, UserAccount


def accounts_of(user_id: int) -> list[PersonalAccount]:
    return list(
        db.session.scalars(
            select(PersonalAccount)
            .join(UserAccount, UserAccount.account_id == PersonalAccount.id)
            .where(UserAccount.user_id == user_id)
            .order_by(PersonalAccount.service, PersonalAccount.number)
        )
    )
