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
        return Checkout(url_for("payments.sandbox_checkout"), self.envelope(params), local=True)

    def callback_for(self, order: dict, status: str, *, payment_id: int | None = None) -> dict[str, str]:
        """The signed callback the sandbox bank sends about an order it has decided (its book's payment id)."""
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
