"""The payment-provider interface: a new gateway (WayForPay, Portmone, monobank) is one new module here.

A provider does three things and nothing else: build the checkout the browser is sent to, verify and
read a server callback, and ask the gateway for a payment's status. It knows nothing of our database;
`vez.payments.settle` applies what it reads.
"""

from __future__ import annotations

import enum
import ssl
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app

from vez.money import MoneyError, parse_kopiykas

# (url, form-encoded body, timeout in seconds) -> the response body. Tests inject a fake one
# (`app.extensions["vez.payment_transport"]`); nothing in the suite reaches the network.
Transport = Callable[[str, bytes, float], bytes]


class GatewayOutcome(str, enum.Enum):
    """A gateway's word on an order, in our terms (settle decides what it does to the order)."""

    success = "success"
    failure = "failure"
    reversed = "reversed"
    waiting = "waiting"  # the gateway is still working on it (3-D Secure, processing, ...)
    not_found = "not_found"  # a status answer: the gateway has never seen the order


@dataclass(frozen=True)
class Order:
    """What a checkout needs to know about one of our orders."""

    order_id: str
    amount: int  # kopiykas
    currency: str
    description: str
    account_number: str
    result_url: str
    server_url: str
    language: str
    save_card: bool = False  # ask the gateway to tokenise the card (LiqPay `recurringbytoken`) for autopay
    phone: str | None = None  # the payer's phone, which LiqPay's `paytoken` example sends (autopay)


@dataclass(frozen=True)
class Checkout:
    """A form the browser posts to the gateway."""

    action: str
    fields: dict[str, str]
    local: bool = False  # our own sandbox: the form needs our CSRF token too


@dataclass(frozen=True)
class GatewayResult:
    """A callback or a status answer, read and (for callbacks) verified."""

    order_id: str
    outcome: GatewayOutcome
    status: str  # the gateway's own word
    amount: int | None = None  # kopiykas
    currency: str | None = None
    payment_id: str | None = None
    account_number: str | None = None  # when the gateway echoes it back
    sandbox: bool = False  # paid in the gateway's test mode: no real money
    card_token: str | None = None  # a tokenised card (an order with save_card), for autopay
    card_mask: str | None = None  # the card as the gateway shows it (e.g. 424242******4242)
    raw: dict = field(default_factory=dict, compare=False, repr=False)


class CallbackRejected(Exception):
    """A callback that must change nothing: bad signature, missing field, another merchant's key."""

    def __init__(self, reason: str, order_id: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.order_id = order_id


class Provider(Protocol):
    name: str

    def checkout(self, order: Order) -> Checkout: ...

    def parse_callback(self, form: Mapping[str, str]) -> GatewayResult: ...

    def query_status(self, order_id: str) -> GatewayResult: ...

    def pay_by_token(self, order: Order, card_token: str) -> GatewayResult:
        """Charge a tokenised card server to server (LiqPay `paytoken`); the answer is read like a status."""
        ...


def kopiykas_of(value) -> int:
    """A gateway's amount (`100`, `100.5`, `"100.50"`, a Decimal from the JSON) as kopiykas; never a float."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise CallbackRejected("amount")
    try:
        return parse_kopiykas(str(value), grammar="bare")
    except MoneyError:
        raise CallbackRejected("amount") from None


def urllib_transport(url: str, body: bytes, timeout: float) -> bytes:
    """POST a form over HTTPS with certificate and host name verification (the official SDK turns it off)."""
    context = ssl.create_default_context()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
        return response.read(1024 * 1024)


def transport() -> Transport:
    return current_app.extensions.get("vez.payment_transport") or urllib_transport


def get(name: str | None) -> Provider | None:
    """The provider of that name as configured, or None when it is unknown, unconfigured or refused here."""
    config = current_app.config
    if name == "sandbox":
        if config["ENV_MODE"] == "production" and not config["LOCAL_DEMO"]:
            return None  # the sandbox never takes money in production (LOCAL_DEMO: `make cluster` on loopback)
        from vez.payments.providers.sandbox import SandboxProvider

        return SandboxProvider(config["SANDBOX_PUBLIC_KEY"], config["SANDBOX_PRIVATE_KEY"])
    if name == "liqpay":
        if not (config["LIQPAY_PUBLIC_KEY"] and config["LIQPAY_PRIVATE_KEY"]):
            return None
        from vez.payments.providers.liqpay import LiqPayProvider

        return LiqPayProvider(
            config["LIQPAY_PUBLIC_KEY"],
            config["LIQPAY_PRIVATE_KEY"],
            sandbox=bool(config["LIQPAY_SANDBOX"]) and config["ENV_MODE"] != "production",
            version=int(config["LIQPAY_VERSION"]),
            checkout_url=config["LIQPAY_CHECKOUT_URL"],
            api_url=config["LIQPAY_API_URL"],
            transport=transport(),
            timeout=float(config["PAYMENT_HTTP_TIMEOUT"]),
        )
    return None


def active() -> Provider | None:
    """The provider new orders go to (PAYMENT_PROVIDER)."""
    return get(current_app.config["PAYMENT_PROVIDER"])
