"""LiqPay (PrivatBank), API version 3: checkout form, signed callback, status request.

Written from the published protocol rather than with the official SDK, which turns TLS verification off.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import urlencode

from vez.money import format_plain
from vez.payments.providers import (
    CallbackRejected,
    Checkout,
    GatewayOutcome,
    GatewayResult,
    Order,
    Transport,
    kopiykas_of,
)
from vez.payments.providers.envelope import decode, encode, envelope_fields, liqpay_signature, same

SUCCESS = {"success"}
FAILURE = {"failure", "error"}
REVERSED = {"reversed"}
WAITING = {
    "processing",
    "prepared",
    "wait_secure",
    "wait_accept",
    "wait_lc",
    "wait_card",
    "wait_compensation",
    "hold_wait",
    "cash_wait",
    "invoice_wait",
    "wait_reserve",
    "wait_qr",
    "wait_sender",
    "try_again",
}


def map_status(status: str) -> GatewayOutcome:
    """LiqPay's word onto ours; `sandbox` (paid in test mode) is handled by the caller."""
    if status in SUCCESS:
        return GatewayOutcome.success
    if status in FAILURE:
        return GatewayOutcome.failure
    if status in REVERSED:
        return GatewayOutcome.reversed
    # 3-D Secure, OTP, CVV, phone and the other *_verify steps, and any word LiqPay adds later:
    # not final, so they change nothing until a final status comes.
    return GatewayOutcome.waiting


class LiqPayProvider:
    name = "liqpay"

    def __init__(
        self,
        public_key: str,
        private_key: str,
        *,
        sandbox: bool = False,
        version: int = 3,
        checkout_url: str = "https://www.liqpay.ua/api/3/checkout",
        api_url: str = "https://www.liqpay.ua/api/request",
        transport: Transport | None = None,
        timeout: float = 10.0,
    ):
        self.public_key, self.private_key = public_key, private_key
        self.sandbox, self.version = sandbox, version
        self.checkout_url, self.api_url = checkout_url, api_url
        self.transport, self.timeout = transport, timeout

    def sign(self, data: str) -> str:
        return liqpay_signature(self.private_key, data, self.version)

    def envelope(self, params: dict) -> dict[str, str]:
        data = encode(params)
        return {"data": data, "signature": self.sign(data)}

    def checkout(self, order: Order) -> Checkout:
        params = {
            "version": self.version,
            "public_key": self.public_key,
            "action": "pay",
            "amount": format_plain(order.amount),
            "currency": order.currency,
            "description": order.description,
            "order_id": order.order_id,
            "result_url": order.result_url,
            "server_url": order.server_url,
            "language": order.language if order.language in ("uk", "en") else "uk",
            "info": order.account_number,
        }
        if order.save_card:
            # "To receive the token you must pass the value: 1": the success callback carries `card_token`
            # (docs/payments.md, "Autopay": the fields and the documentation pages).
            params["recurringbytoken"] = "1"
        if self.sandbox:
            params["sandbox"] = "1"
        return Checkout(self.checkout_url, self.envelope(params))

    def parse_callback(self, form: Mapping[str, str]) -> GatewayResult:
        data, signature = envelope_fields(form)
        # The signature covers the `data` string exactly as received; only then is it decoded.
        if not same(self.sign(data), signature):
            raise CallbackRejected("signature")
        return self.read(decode(data))

    def read(self, params: dict) -> GatewayResult:
        order_id = params.get("order_id")
        if params.get("public_key") != self.public_key:  # signed by us, but for another merchant's key
            raise CallbackRejected("public_key", order_id if isinstance(order_id, str) else None)
        status = params.get("status")
        if not isinstance(order_id, str) or not order_id or not isinstance(status, str):
            raise CallbackRejected("missing_field")
        # docs/security.md (sandbox results): a test payment is no money; status `sandbox` or the `is_sandbox`
        # flag, signed or not, is refused (and audited by the caller) unless we run in sandbox mode.
        sandbox = status == "sandbox" or str(params.get("is_sandbox", "")).strip().lower() in ("1", "true")
        if sandbox and not self.sandbox:
            raise CallbackRejected("sandbox", order_id)
        outcome = GatewayOutcome.success if status == "sandbox" else map_status(status)
        amount = params.get("amount")
        currency = params.get("currency")
        if outcome is not GatewayOutcome.waiting and (amount is None or not isinstance(currency, str)):
            raise CallbackRejected("missing_field", order_id)
        payment_id = params.get("payment_id")
        info = params.get("info")
        card_token, card_mask = params.get("card_token"), params.get("sender_card_mask2")
        return GatewayResult(
            order_id=order_id,
            outcome=outcome,
            status=status,
            amount=None if amount is None else kopiykas_of(amount),
            currency=currency,
            payment_id=None if payment_id is None else str(payment_id)[:64],
            account_number=info if isinstance(info, str) and info else None,
            sandbox=sandbox,
            card_token=card_token[:255] if isinstance(card_token, str) and card_token else None,
            card_mask=card_mask[:32] if isinstance(card_mask, str) and card_mask else None,
            raw=params,
        )

    def query_status(self, order_id: str) -> GatewayResult:
        """Ask LiqPay about one order (`action: status`); the answer comes over verified TLS, unsigned."""
        if self.transport is None:
            raise RuntimeError("no transport")
        params = {"action": "status", "version": self.version, "public_key": self.public_key, "order_id": order_id}
        body = urlencode(self.envelope(params)).encode("ascii")
        answer = json.loads(self.transport(self.api_url, body, self.timeout).decode("utf-8"), parse_float=Decimal)
        if not isinstance(answer, dict):
            raise ValueError("LiqPay answered something that is not a JSON object")
        code = str(answer.get("err_code") or answer.get("code") or "")
        if answer.get("result") == "error" and "not_found" in code:
            return GatewayResult(order_id=order_id, outcome=GatewayOutcome.not_found, status=code, raw=answer)
        answer.setdefault("order_id", order_id)
        answer.setdefault("public_key", self.public_key)
        result = self.read(answer)
        if result.order_id != order_id:
            raise CallbackRejected("order_mismatch", order_id)
        return result

    def pay_by_token(self, order: Order, card_token: str) -> GatewayResult:
        """Charge a saved card (`action: paytoken` to /api/request): the answer is read like a status answer, and
        LiqPay also calls `server_url` with the same result, signed; whichever comes second changes nothing."""
        if self.transport is None:
            raise RuntimeError("no transport")
        params = {
            "action": "paytoken",
            "version": self.version,
            "public_key": self.public_key,
            "amount": format_plain(order.amount),
            "currency": order.currency,
            "description": order.description,
            "order_id": order.order_id,
            "card_token": card_token,
            "server_url": order.server_url,
            "info": order.account_number,
        }
        if order.phone:
            params["phone"] = order.phone.lstrip("+")
        if self.sandbox:
            params["sandbox"] = "1"
        body = urlencode(self.envelope(params)).encode("ascii")
        answer = json.loads(self.transport(self.api_url, body, self.timeout).decode("utf-8"), parse_float=Decimal)
        if not isinstance(answer, dict):
            raise ValueError("LiqPay answered something that is not a JSON object")
        status = answer.get("status")
        if status == "error" or (answer.get("result") == "error" and not isinstance(status, str)):
            # Refused before any money moved (a dead token, a wrong parameter): a decline in our terms.
            code = str(answer.get("err_code") or answer.get("code") or "error")[:40]
            return GatewayResult(order_id=order.order_id, outcome=GatewayOutcome.failure, status=code, raw=answer)
        answer.setdefault("order_id", order.order_id)
        answer.setdefault("public_key", self.public_key)
        result = self.read(answer)
        if result.order_id != order.order_id:
            raise CallbackRejected("order_mismatch", order.order_id)
        return result
