"""The built-in sandbox gateway: a local page plays the bank, then calls back like a real gateway.

Its envelope is LiqPay's (Base64 JSON `data`), signed with HMAC-SHA256 under SANDBOX_PRIVATE_KEY. It keeps
no state of its own: an order it never decided is unknown to it, and reconciliation fails it in time.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from flask import url_for

from vez.money import format_plain
from vez.payments.providers import (
    CallbackRejected,
    Checkout,
    GatewayOutcome,
    GatewayResult,
    Order,
    kopiykas_of,
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

    def callback_for(self, order: dict, status: str) -> dict[str, str]:
        """The signed callback the sandbox bank sends about an order it has decided."""
        params = {
            "version": 3,
            "public_key": self.public_key,
            "action": "pay",
            "status": status,
            "order_id": order["order_id"],
            "amount": order["amount"],
            "currency": order["currency"],
            "payment_id": secrets.randbelow(10**9),
            "info": order.get("info"),
        }
        return self.envelope(params)

    def parse_callback(self, form: Mapping[str, str]) -> GatewayResult:
        params = self.open(form)
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
        return GatewayResult(order_id=order_id, outcome=GatewayOutcome.not_found, status="not_found")
