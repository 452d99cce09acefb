"""The sandbox bank's book: every order it was shown and what it decided, so that it answers `status` like
LiqPay (including "no such payment" for a checkout nobody finished) and charges the cards it tokenised.

Development and tests only: `providers.get("sandbox")` refuses to exist in production. The states part of
issue 13 owns the `status` side, the autopay part the card tokens (`paytoken`).
"""

from __future__ import annotations

import json
import secrets

from sqlalchemy import select

from vez.extensions import db
from vez.models import SandboxPayment
from vez.money import MoneyError, parse_kopiykas

# What LiqPay's `status` action answers for an order it has never seen (docs/payments.md, "The sandbox bank").
NOT_FOUND = "payment_not_found"


def find(order_id: str) -> SandboxPayment | None:
    return db.session.scalar(select(SandboxPayment).where(SandboxPayment.order_id == order_id))


def record(
    order_id: str,
    *,
    action: str,
    status: str,
    amount: int,
    currency: str,
    payment_id: int,
    info: str | None = None,
    card_token: str | None = None,
) -> SandboxPayment:
    """Write (or move on) the bank's entry of an order; the caller's transaction commits it."""
    entry = find(order_id)
    if entry is None:
        entry = SandboxPayment(
            order_id=order_id,
            action=action,
            status=status,
            amount=amount,
            currency=currency,
            payment_id=payment_id,
            info=info,
            card_token=card_token,
        )
        db.session.add(entry)
    else:
        entry.status = status
        entry.card_token = card_token or entry.card_token
    db.session.flush()
    return entry


def book(order: dict, status: str, *, card_token: str | None = None) -> SandboxPayment:
    """The bank decides an order it was shown (the merchant's signed request, read): `success` or `failure`.
    Showing the page books nothing, so an order left there is one the bank does not know."""
    try:
        amount = parse_kopiykas(str(order["amount"]), grammar="bare")
    except MoneyError:
        raise ValueError("the order's amount is not money") from None
    info = order.get("info")
    return record(
        order["order_id"],
        action=str(order.get("action") or "pay"),
        status=status,
        amount=amount,
        currency=str(order["currency"]),
        payment_id=secrets.randbelow(10**9) + 1,
        info=info if isinstance(info, str) else None,
        card_token=card_token,
    )


def error(code: str) -> dict:
    """An error answer as LiqPay's API gives it (`result: error`, `status: error`, `err_code`)."""
    return {"result": "error", "status": "error", "err_code": code, "err_description": code.replace("_", " ")}


def status_answer(order_id: str, *, public_key: str) -> dict:
    """The book's answer to `action: status`, in the shape of LiqPay's (unsigned JSON over the API)."""
    entry = find(order_id)
    if entry is None:
        return error(NOT_FOUND)
    answer = {
        "result": "ok",
        "action": entry.action,
        "payment_id": entry.payment_id,
        "status": entry.status,
        "version": 3,
        "type": "buy",
        "public_key": public_key,
        "order_id": entry.order_id,
        "liqpay_order_id": f"SANDBOX{entry.payment_id}",
        # A JSON number, as LiqPay sends it; two decimals print exactly and are read back as a Decimal.
        "amount": entry.amount / 100,
        "currency": entry.currency,
        "create_date": int(entry.created_at.timestamp() * 1000),
    }
    if entry.info:
        answer["info"] = entry.info
    return answer


def status_text(order_id: str, *, public_key: str) -> str:
    return json.dumps(status_answer(order_id, public_key=public_key), ensure_ascii=False)
