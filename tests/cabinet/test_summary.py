"""The cabinet's first screen: the total due across the accounts, the nearest due date, a way to pay each."""

from __future__ import annotations

import re
from datetime import date

from vez.cabinet.queries import Card, summary_of
from vez.models import Bill


def text(response) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", response.get_data(as_text=True))


def summary_html(response) -> str:
    html = text(response)
    return html[html.index('class="card summary"') : html.index('<ul class="accounts">')]


def test_the_summary_counts_only_debts_and_leads_to_the_one_account_that_owes(logged_in):
    html = summary_html(logged_in.get("/cabinet"))
    assert "До сплати" in html and "Усього до сплати: <b" in html and "432,00" in html
    # The gas account's overpayment (140.26) does not lower the electricity debt.
    assert "291,74" not in html and "912345678" not in html
    assert html.count('href="/cabinet/accounts/529471247/pay"') == 1 and "Сплатити 432,00" in html
    assert "найближчий рахунок сплатити до" in html


def test_with_several_debts_the_total_adds_them_and_each_account_has_its_button(logged_in, ivan, db):
    _, power, gas = ivan
    gas.balance = 25_050
    db.session.commit()
    html = summary_html(logged_in.get("/cabinet?lang=en"))
    assert "Total due" in html and "682.50" in html
    assert "Pay UAH 432.00 for account № 529471247" in html or re.search(r"Pay .*432\.00.* 529471247", html)
    assert 'href="/cabinet/accounts/912345678/pay"' in html and 'href="/cabinet/accounts/529471247/pay"' in html
    assert "Each personal account can be paid separately" in html


def test_nothing_owed_says_so(logged_in, ivan, db):
    _, power, gas = ivan
    power.balance = 0
    db.session.commit()
    html = summary_html(logged_in.get("/cabinet"))
    assert "Сплачувати нічого" in html and "/pay" not in html


def test_the_account_due_first_comes_first(make_account):
    first, second, third = (make_account(number, balance=100) for number in ("111111111", "222222222", "333333333"))
    cards = [
        Card(first, Bill(due_date=date(2026, 12, 20))),
        Card(second, Bill(due_date=date(2026, 11, 20))),
        Card(third, None),
    ]
    summary = summary_of(cards)
    assert [card.account.number for card in summary.to_pay] == ["222222222", "111111111", "333333333"]
    assert summary.total_due == 300 and summary.nearest_due == date(2026, 11, 20)
