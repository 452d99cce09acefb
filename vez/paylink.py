"""One-tap pay links (docs/payments.md, "One-tap pay links"): a signed link in a letter that pays one bill of one
account without a login, and what such a link may still do.

The token (vez.identity.tokens, purpose PAY_LINK, PAY_LINK_MAX_AGE) carries the account id and the bill id and
nothing else. The link opens while the bill is the account's newest and something is still owed; it dies once
the debt is paid or a newer bill supersedes it, and when it is older than its age.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from vez.extensions import db
from vez.identity import tokens
from vez.models import UNFINISHED, Bill, Payment, PaymentChannel, PersonalAccount, utcnow
from vez.urls import external_url

# How long an unfinished link order counts towards the cap of its bill: longer than any order stays unfinished
# before reconciliation closes it, short enough that a stuck order never blocks the link for good.
ORDER_CAP_WINDOW = timedelta(hours=24)


class LinkState(str, enum.Enum):
    open = "open"  # the bill can be paid from the link
    settled = "settled"  # nothing is owed any more (the bill is paid)
    superseded = "superseded"  # a newer bill replaced it: the newer bill's letter carries its own link
    expired = "expired"  # older than PAY_LINK_MAX_AGE
    damaged = "damaged"  # not a link we made, or one naming an account or bill that is gone


@dataclass(frozen=True)
class PayLink:
    state: LinkState
    account: PersonalAccount | None = None
    bill: Bill | None = None
    amount: int = 0  # kopiykas: what "Pay" charges (0 unless open)

    @property
    def valid(self) -> bool:
        """Signed by us, within its age, naming an existing bill of an existing account (open or not)."""
        return self.account is not None


def make_token(account_id: int, bill_id: int) -> str:
    return tokens.make(tokens.PAY_LINK, {"a": account_id, "b": bill_id})


def link_url(account_id: int, bill_id: int, language: str | None = None) -> str:
    """The link a letter carries, opening in the letter's language."""
    values = {"token": make_token(account_id, bill_id)}
    if language:
        values["lang"] = language
    return external_url("paylinks.show", **values)


def payable_amount(bill: Bill, balance: int) -> int:
    """The bill's amount due, but never more than the account still owes (a part paid since counts), raised to
    the smallest online payment and capped at the largest; 0 when nothing is owed."""
    owed = min(bill.amount_due, balance)
    if owed <= 0:
        return 0
    config = current_app.config
    return min(max(owed, config["PAYMENT_MIN_AMOUNT"]), config["PAYMENT_MAX_AMOUNT"])


def open_link(token: str) -> PayLink:
    """What a link's token opens: its state, the account and bill it names, the amount to pay."""
    try:
        payload = tokens.read(tokens.PAY_LINK, token)
    except tokens.TokenProblem as problem:
        return PayLink(LinkState.expired if problem.kind == "expired" else LinkState.damaged)
    account_id, bill_id = payload.get("a"), payload.get("b")
    if not (type(account_id) is int and type(bill_id) is int):
        return PayLink(LinkState.damaged)
    bill = db.session.get(Bill, bill_id)
    if bill is None or bill.account_id != account_id:
        return PayLink(LinkState.damaged)
    account = bill.account
    newer = db.session.scalar(select(func.count(Bill.id)).where(Bill.account_id == account.id, Bill.month > bill.month))
    if newer:
        return PayLink(LinkState.superseded, account, bill)
    amount = payable_amount(bill, account.balance)
    if amount <= 0:
        return PayLink(LinkState.settled, account, bill)
    return PayLink(LinkState.open, account, bill, amount)


def link_order(link: PayLink, reference: str) -> Payment | None:
    """The link order with this reference, if it pays the link's own bill; anything else is as if it did not exist."""
    if not link.valid or not isinstance(reference, str) or len(reference) > 120:
        return None
    return db.session.scalar(
        select(Payment).where(
            Payment.reference == reference,
            Payment.account_id == link.account.id,
            Payment.bill_id == link.bill.id,
            Payment.channel == PaymentChannel.link,
        )
    )


def orders_cap_reached(bill_id: int, key: str) -> bool:
    """`PAY_LINK_ORDERS_MAX` unfinished link orders of the bill within ORDER_CAP_WINDOW, counted under a lock on
    the bill's row (held until the caller's commit or rollback), so two presses at once are counted in turn.
    A form sent again with the key of an order it made is never capped: it finds that order."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Bill.id).where(Bill.id == bill_id).with_for_update())
    else:  # SQLite: a write that changes nothing takes the one write lock (as vez.caps.lock_login)
        db.session.execute(
            update(Bill).where(Bill.id == bill_id).values(id=Bill.id).execution_options(synchronize_session=False)
        )
    if db.session.scalar(select(Payment.id).where(Payment.idempotency_key == key)) is not None:
        return False
    count = db.session.scalar(
        select(func.count(Payment.id)).where(
            Payment.bill_id == bill_id,
            Payment.channel == PaymentChannel.link,
            Payment.status.in_(UNFINISHED),
            Payment.created_at > utcnow() - ORDER_CAP_WINDOW,
        )
    )
    return count >= current_app.config["PAY_LINK_ORDERS_MAX"]


def mask_name(full_name: str) -> str:
    """The holder's name as a link may show it: the surname whole, every other name as its initial.

    "Ковальчук Олена Петрівна" → "Ковальчук О. П."; a hyphenated first name keeps both initials ("Анна-Марія" →
    "А.-М."), a hyphenated surname stays whole; a name of one word is shown as its first letter ("Олена" → "О.").
    """
    words = full_name.split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][0]}."
    initials = ["-".join(f"{part[0]}." for part in word.split("-") if part) for word in words[1:]]
    return " ".join([words[0], *[initial for initial in initials if initial]])


def order_description(account: PersonalAccount) -> str:
    """The purpose line the gateway shows and prints, in the payer's language (as the cabinet's orders)."""
    if account.service.value == "electricity":
        return _("Payment for electricity, personal account No. %(number)s", number=account.number)
    return _("Payment for natural gas, personal account No. %(number)s", number=account.number)
