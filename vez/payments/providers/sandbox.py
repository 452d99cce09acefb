"""The built-in sandbox gateway: a local page plays the bank, then calls back like a real gateway.

Its envelope is LiqPay's (Base64 JSON `data`), signed with HMAC-SHA256 under SANDBOX_PRIVATE_KEY. Its book
(sandbox_bank) holds what it decided, so it answers `status` as LiqPay does: an order only shown on its page,
or left with "cancel", is one it has never seen (`payment_not_found`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from decimal import Decimal

from flask import url_for
from sqlalchemy import select

from vez.extensions import db
from vez.models import SandboxCard
from vez.money import format_plain
from vez.payments.providers import (
    CallbackRejected,
    Checkout,
    GatewayOutcome,
    GatewayResult,
    Order,
    kopiykas_of,
    sandbox_bank,
)
from vez.payments.providers.envelope import decode, encode, envelope_fields, hmac_signature, same

# The sandbox's test cards (docs/payments.md, "Autopay"): one that pays, one whose bank declines every charge.
TEST_CARDS = {"passes": ("424242******4242", False), "declines": ("400000******0002", True)}

OUTCOMES = {
    "success": GatewayOutcome.success,
    "failure": GatewayOutcome.failure,
    "reversed": GatewayOutcome.reversed,
    "processing": GatewayOutcome.waiting,
}


class SandboxProvider:
    name = "sandbox"

    def __init__(self, public_key: str, private_key: str):
        self.public_key, self.private_key = public_key, private_key

    def sign(self, data: str) -> str:
        return hmac_signature(self.private_key, data)

    def envelope(self, params: dict) -> dict[str, str]:
        data = encode(params)
        return {"data": data, "signature": self.sign(data)}

    def open(self, form: Mapping[str, str]) -> dict:
        """Verify and read an envelope signed with our key (the merchant's request or a callback)."""
        data, signature = envelope_fields(form)
        if not same(self.sign(data), signature):
            raise CallbackRejected("signature")
        params = decode(data)
        if params.get("public_key") != self.public_key:
            raise CallbackRejected(
                "public_key", params.get("order_id") if isinstance(params.get("order_id"), str) else None
            )
        return params

    def checkout(self, order: Order) -> Checkout:
        params = {
            "version": 3,
            "public_key": self.public_key,
            "action": "pay",
            "amount": format_plain(order.amount),
            "currency": order.currency,
            "description": order.description,
            "order_id": order.order_id,
            "result_url": order.result_url,
            "server_url": order.server_url,
            "language": order.language,
            "info": order.account_number,
        }
        if order.save_card:
            params["recurringbytoken"] = "1"  # as LiqPay: the page offers the test cards, the callback a token
        return Checkout(url_for("payments.sandbox_checkout"), self.envelope(params), local=True)

    def callback_for(
        self, order: dict, status: str, card: SandboxCard | None = None, *, payment_id: int | None = None
    ) -> dict[str, str]:
        """The signed callback the sandbox bank sends about an order it has decided (its book's payment id, and
        the card it tokenised, for an order with `recurringbytoken`)."""
        params = {
            "version": 3,
            "public_key": self.public_key,
            "action": "pay",
            "status": status,
            "order_id": order["order_id"],
            "amount": order["amount"],
            "currency": order["currency"],
            "payment_id": payment_id if payment_id is not None else secrets.randbelow(10**9),
            "info": order.get("info"),
        }
        if card is not None and status == "success":
            params["card_token"], params["sender_card_mask2"] = card.token, card.mask
        return self.envelope(params)

    def parse_callback(self, form: Mapping[str, str]) -> GatewayResult:
        return self.read(self.open(form))

    def read(self, params: dict) -> GatewayResult:
        """A callback's or a status answer's parameters, in our terms."""
        order_id, status = params.get("order_id"), params.get("status")
        if not isinstance(order_id, str) or not order_id or status not in OUTCOMES:
            raise CallbackRejected("missing_field")
        if "amount" not in params or not isinstance(params.get("currency"), str):
            raise CallbackRejected("missing_field", order_id)
        info = params.get("info")
        return GatewayResult(
            order_id=order_id,
            outcome=OUTCOMES[status],
            status=status,
            amount=kopiykas_of(params["amount"]),
            currency=params["currency"],
            payment_id=None if params.get("payment_id") is None else str(params["payment_id"]),
            account_number=info if isinstance(info, str) and info else None,
            card_token=params.get("card_token") if isinstance(params.get("card_token"), str) else None,
            card_mask=params.get("sender_card_mask2") if isinstance(params.get("sender_card_mask2"), str) else None,
            raw=params,
        )

    def query_status(self, order_id: str) -> GatewayResult:
        """The bank's book answers as LiqPay's `status` does (the same JSON POST /payments/sandbox/api/request
        serves), read the way the LiqPay provider reads it."""
        answer = json.loads(sandbox_bank.status_text(order_id, public_key=self.public_key), parse_float=Decimal)
        if answer.get("result") == "error" and "not_found" in str(answer.get("err_code")):
            return GatewayResult(order_id=order_id, outcome=GatewayOutcome.not_found, status=answer["err_code"])
        result = self.read(answer)
        if result.order_id != order_id or answer.get("public_key") != self.public_key:
            raise CallbackRejected("order_mismatch", order_id)
        return result

    # ---- card tokens (autopay) ----------------------------------------------------------------------------

    def tokenise(self, choice: str) -> SandboxCard:
        """The test card the payer picked, tokenised: a new token each time, as a bank would."""
        mask, declines = TEST_CARDS.get(choice, TEST_CARDS["passes"])
        card = SandboxCard(token=f"sandbox-card-{secrets.token_hex(16)}", mask=mask, declines=declines)
        db.session.add(card)
        db.session.flush()
        return card

    def pay_by_token(self, order: Order, card_token: str) -> GatewayResult:
        """LiqPay's `paytoken`, played in-process: the card's bank decides, the sandbox bank's book records it
        (committed at once: the bank's book is its own, whatever the merchant's transaction does next), and the
        answer has LiqPay's shape, read like a status answer."""
        from vez.payments.providers import sandbox_bank

        card = db.session.scalar(select(SandboxCard).where(SandboxCard.token == card_token))
        if card is None:
            answer = {
                "result": "error",
                "status": "error",
                "err_code": "card_token_invalid",
                "order_id": order.order_id,
            }
            return GatewayResult(
                order_id=order.order_id, outcome=GatewayOutcome.failure, status="card_token_invalid", raw=answer
            )
        status = "failure" if card.declines else "success"
        entry = sandbox_bank.find(order.order_id)
        if entry is not None:  # an order id is charged once, as LiqPay refuses a repeated one
            status = entry.status
        else:
            entry = sandbox_bank.record(
                order.order_id,
                action="paytoken",
                status=status,
                amount=order.amount,
                currency=order.currency,
                payment_id=secrets.randbelow(10**9),
                info=order.account_number,
                card_token=card_token,
            )
        db.session.commit()
        answer = {
            "result": "ok",
            "action": "paytoken",
            "status": status,
            "order_id": order.order_id,
            "amount": format_plain(entry.amount),
            "currency": entry.currency,
            "payment_id": entry.payment_id,
            "info": entry.info,
            "sender_card_mask2": card.mask,
        }
        return GatewayResult(
            order_id=order.order_id,
            outcome=OUTCOMES[status],
            status=status,
            amount=kopiykas_of(answer["amount"]),
            currency=entry.currency,
            payment_id=str(entry.payment_id),
            account_number=entry.info,
            card_mask=card.mask,
            raw=answer,
        )
