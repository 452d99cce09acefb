"""Helpers of the autopay tests: a bill to charge, switching on through the account page, a saved sandbox card."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tests.conftest import csrf_token
from vez.extensions import db as _db
from vez.models import Autopay, AutopayAttempt, Bill, Letter, Payment, SandboxCard

NUMBER = "529471247"
AUTOPAY_PAGE = f"/cabinet/accounts/{NUMBER}/autopay"


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', html).group(1)


def add_bill(account, *, due: int = 50_000, month: date = date(2026, 10, 1)) -> Bill:
    bill = Bill(
        account_id=account.id,
        month=month,
        number=f"{account.number}-{month:%Y%m}",
        issued_on=date(month.year + month.month // 12, month.month % 12 + 1, 1),
        opening_balance=0,
        charged=due,
        paid=0,
        closing_balance=due,
        due_date=date(month.year + month.month // 12, month.month % 12 + 1, 20),
    )
    _db.session.add(bill)
    _db.session.commit()
    return bill


def switch_on(client, max_amount: str = "1000.00", consent: bool = True, **headers):
    """The account page's form, sent as a browser sends it."""
    page = client.get(f"/cabinet/accounts/{NUMBER}").get_data(as_text=True)
    form = page.split('id="autopay-form"')[1]
    data = {"max_amount": max_amount, "key": hidden(form, "key"), "csrf_token": csrf_token(client, AUTOPAY_PAGE)}
    if consent:
        data["consent"] = "y"
    return client.post(AUTOPAY_PAGE, data=data, headers=headers)


def card_order() -> Payment:
    return _db.session.scalar(select(Payment).where(Payment.save_card.is_(True)).order_by(Payment.id.desc()))


def through_sandbox(client, payment: Payment, card: str = "passes", decision: str = "pay"):
    """The checkout → the sandbox bank's page (which offers the test cards) → its button."""
    checkout = client.get(f"/payments/{payment.id}/checkout").get_data(as_text=True)
    fields = {k: hidden(checkout, k) for k in ("data", "signature", "csrf_token")}
    bank = client.post("/payments/sandbox/checkout", data=fields).get_data(as_text=True)
    assert "Картка, що проходить" in bank and "Картка, яку банк відхилятиме" in bank
    return client.post("/payments/sandbox/decide", data={**fields, "decision": decision, "card": card})


def saved_card(account, user, *, declines: bool = False, max_amount: int = 100_000) -> Autopay:
    """An autopay already on with a sandbox card (what switching on and paying leaves behind)."""
    card = SandboxCard(token=f"tok-{account.id}-{declines}", mask="424242******4242", declines=declines)
    autopay = Autopay(
        account_id=account.id,
        user_id=user.id,
        max_amount=max_amount,
        consent_version="2026-1",
        card_token=card.token,
        card_mask=card.mask,
    )
    _db.session.add_all([card, autopay])
    _db.session.commit()
    return autopay


def attempts(bill_id: int | None = None) -> list[tuple[int, str | None, int]]:
    _db.session.expire_all()
    stmt = select(AutopayAttempt).order_by(AutopayAttempt.bill_id, AutopayAttempt.attempt)
    if bill_id is not None:
        stmt = stmt.where(AutopayAttempt.bill_id == bill_id)
    return [(a.attempt, a.outcome, a.amount) for a in _db.session.scalars(stmt)]


def letters(kind: str) -> list[Letter]:
    return list(_db.session.scalars(select(Letter).where(Letter.kind == kind).order_by(Letter.id)))
