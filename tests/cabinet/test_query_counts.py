"""The number of SQL statements behind /cabinet and an account page does not grow with the data
(docs/performance.md)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

import pytest
from sqlalchemy import event

from vez.billing import generate_bills, next_month
from vez.extensions import db as _db
from vez.models import Charge, Payment, PaymentSource, PersonalAccount, Subdivision, UserAccount


@contextmanager
def counting(app):
    """Every statement sent: SQLAlchemy's, and those the render cache runs on the driver to check a kept page."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = _db.engine
    replays = app.extensions["vez.replay"]
    replayed = replays.count
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        statements.extend(["(replayed)"] * (replays.count - replayed))


def grow(db, user, accounts: int, months: int, start_number: int):
    """Give the login `accounts` accounts with `months` charges and payments each, plus strangers' data."""
    sub = db.session.query(Subdivision).first()
    for i in range(accounts):
        for owner in (user, None):
            number = str(start_number + i * 2 + (owner is None))
            account = PersonalAccount(
                number=number,
                subdivision=sub,
                service=sub.service,
                holder_name="Тест Т. Т.",
                address="м. Луцьк",
                balance=0,
            )
            db.session.add(account)
            db.session.flush()
            if owner is not None:
                db.session.add(UserAccount(user_id=owner.id, account_id=account.id))
            month = date(2024, 1, 1)
            for m in range(months):
                db.session.add(
                    Charge(account_id=account.id, month=month, volume=100, unit="kWh", tariff="4.32", amount=43200)
                )
                db.session.add(
                    Payment(
                        account_id=account.id,
                        amount=43200,
                        source=PaymentSource.bank,
                        paid_at=datetime(month.year, month.month, 10),
                        reference=f"q-{number}-{m}",
                    )
                )
                month = next_month(month)
    db.session.commit()
    month = date(2024, 1, 1)
    for _ in range(months):
        generate_bills(month)
        month = next_month(month)
    db.session.commit()


def count_for(app, client, path):
    """The statements of a page served as a consumer's second visit is (a kept page: its reads replayed); the
    tests' RENDER_CACHE_STRICT would render each kept page again to compare, so it is off here."""
    app.config["RENDER_CACHE_STRICT"] = False
    client.get(path)  # warm: first-request work (translations, templates) is not what we measure
    with counting(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_cabinet_index_statements_do_not_grow_with_accounts(app, db, logged_in, ivan):
    small = count_for(app, logged_in, "/cabinet")
    grow(db, ivan[0], accounts=6, months=3, start_number=540000000)
    large = count_for(app, logged_in, "/cabinet")
    assert large == small
    assert logged_in.get("/cabinet").get_data(as_text=True).count('class="card account"') == 8


def test_account_page_statements_do_not_grow_with_charges_and_payments(app, db, logged_in, ivan):
    small = count_for(app, logged_in, "/cabinet/accounts/529471247")
    grow(db, ivan[0], accounts=1, months=30, start_number=550000000)
    large = count_for(app, logged_in, "/cabinet/accounts/550000000")
    assert large == small
    assert large <= 10


# The statements behind each page, pinned (docs/performance.md, "Statements per page"): a change that adds one
# fails here and must say why in this table; one that removes one lowers the figure.
PAGE_STATEMENTS = {
    ("/", False): 0,  # the public page cache
    ("/login", False): 0,
    ("/registration", False): 0,
    ("/", True): 1,  # the login (with "belongs to a company?")
    ("/cabinet", True): 2,  # the login; the cards
    ("/cabinet/accounts/529471247", True): 7,  # the login, the account, bounds, charges, bills, payments, autopay
    ("/cabinet/accounts/529471247/bills/2026-10", True): 4,  # the login, the account, bill + charge, payments
}


@pytest.mark.parametrize(("path", "logged"), list(PAGE_STATEMENTS))
def test_each_page_runs_exactly_its_pinned_statements(app, client, auth, ivan, path, logged):
    if logged:
        assert auth.login().status_code == 303
    assert count_for(app, client, path) == PAGE_STATEMENTS[(path, logged)]
