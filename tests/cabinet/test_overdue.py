"""An overdue bill is marked "прострочено" with its days (issue 12, finding 9), on the card and on the bill."""

from datetime import date, datetime

import pytest
import time_machine

from vez.billing import days_overdue
from vez.models import Bill

DUE = date(2026, 11, 20)


def bill(closing_balance: int) -> Bill:
    return Bill(closing_balance=closing_balance, due_date=DUE)


@pytest.mark.parametrize(
    "closing,balance,newest,today,days",
    [
        (43200, 43200, True, date(2026, 11, 21), 1),
        (43200, 43200, True, date(2026, 12, 2), 12),
        (43200, 43200, True, DUE, 0),  # the due date itself is still in time
        (43200, 0, True, date(2026, 12, 2), 0),  # paid since: the account owes nothing
        (43200, -500, True, date(2026, 12, 2), 0),  # overpaid
        (0, 43200, True, date(2026, 12, 2), 0),  # the bill asked for nothing (a debt charged later)
        (43200, 43200, False, date(2026, 12, 2), 0),  # a newer bill carries this one's debt
    ],
)
def test_a_bill_is_overdue_after_its_due_date_while_the_newest_debt_stands(closing, balance, newest, today, days):
    assert days_overdue(bill(closing), balance=balance, newest=newest, today=today) == days


@pytest.mark.parametrize(
    "now,mark",
    [
        (datetime(2026, 11, 21, 10), "прострочено на 1 день"),
        (datetime(2026, 11, 22, 10), "прострочено на 2 дні"),
        (datetime(2026, 11, 25, 10), "прострочено на 5 днів"),
        (datetime(2026, 12, 1, 10), "прострочено на 11 днів"),
        (datetime(2026, 12, 11, 10), "прострочено на 21 день"),
    ],
)
def test_the_card_and_the_bill_count_the_days_in_ukrainian_plural_forms(client, auth, ivan, now, mark):
    with time_machine.travel(now, tick=False):
        auth.login()
        card = client.get("/cabinet").get_data(as_text=True)
        page = client.get("/cabinet/accounts/529471247/bills/2026-10").get_data(as_text=True)
    assert card.count("прострочено") == 1 and mark in card  # the electricity debt; the gas account is overpaid
    assert mark in page


def test_in_time_and_older_bills_are_not_marked_and_english_says_overdue(client, auth, ivan):
    with time_machine.travel(datetime(2026, 11, 20, 12), tick=False):
        auth.login()
        assert "прострочено" not in client.get("/cabinet").get_data(as_text=True)
    with time_machine.travel(datetime(2026, 12, 2, 12), tick=False):
        auth.login()
        assert "overdue by 12 days" in client.get("/cabinet?lang=en").get_data(as_text=True)
        older = client.get("/cabinet/accounts/529471247/bills/2026-09?lang=uk").get_data(as_text=True)
    assert "прострочено" not in older  # its debt went into October's bill
