"""The accounts a login holds: the one query every part uses to reach a personal account (docs/security.md).

Rows are reached only through `user_accounts`; another login's account and no account look alike.
"""

from __future__ import annotations

import re

from sqlalchemy import BindParameter, Select, select

from vez.extensions import db
from vez.models import PersonalAccount, UserAccount

NUMBER = re.compile(r"[0-9]{9}", re.ASCII)  # a personal account number: 9 ASCII digits


def held_by(user_id: int | BindParameter) -> Select[tuple[PersonalAccount]]:
    """The login's accounts, as a statement to narrow or order further (`user_id` may be a bound parameter)."""
    return (
        select(PersonalAccount)
        .join(UserAccount, UserAccount.account_id == PersonalAccount.id)
        .where(UserAccount.user_id == user_id)
    )


def account_of(user_id: int, number: str) -> PersonalAccount | None:
    """The login's account with this number; None for another's account and for no account alike."""
    if not (isinstance(number, str) and NUMBER.fullmatch(number)):
        return None  # not a number at all: no query
    return db.session.scalar(held_by(user_id).where(PersonalAccount.number == number))


def accounts_of(user_id: int) -> list[PersonalAccount]:
    return list(db.session.scalars(held_by(user_id).order_by(PersonalAccount.service, PersonalAccount.number)))
