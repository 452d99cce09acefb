"""A billed account and its pay link: account 529471247 owes 500.00 on its bill for October 2026."""

from __future__ import annotations

import re
from datetime import date

import pytest

from vez.models import Bill
from vez.paylink import make_token

FORM_KEY = re.compile(r'name="key" type="hidden" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def make_bill(db):
    def make(account, month: date = date(2026, 10, 1), closing: int = 50_000, due: date | None = None) -> Bill:
        bill = Bill(
            account_id=account.id,
            month=month,
            number=f"{account.number}-{month:%Y%m}",
            issued_on=date(month.year + month.month // 12, month.month % 12 + 1, 1),
            opening_balance=0,
            charged=closing,
            paid=0,
            closing_balance=closing,
            due_date=due or date(month.year + month.month // 12, month.month % 12 + 1, 20),
        )
        db.session.add(bill)
        db.session.commit()
        return bill

    return make


@pytest.fixture
def billed(make_account, make_bill):
    account = make_account(balance=50_000, holder_name="Ковальчук Олена Петрівна")
    return account, make_bill(account)


@pytest.fixture
def link(app, billed) -> str:
    account, bill = billed
    return f"/pay/{make_token(account.id, bill.id)}"


def press_pay(client, path: str):
    """Open the link's page and press "Pay" as a browser does; returns the answer to the press."""
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"key": FORM_KEY.search(page).group(1), "csrf_token": CSRF.search(page).group(1)})
