"""The API's routes: thin; every account is reached through the token's login and scope (docs/api.md)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Response, abort, current_app, g, jsonify, request

from vez import i18n
from vez.api import bp, representations
from vez.api.conditional import CACHE_CONTROL, json_answer
from vez.api.paging import BadPage, page, parse_limit
from vez.api.spec import openapi, operation
from vez.cabinet import documents, queries
from vez.companies import access
from vez.companies import queries as company_queries
from vez.identity import api_tokens
from vez.identity.limits import API_PER_TOKEN
from vez.models import ApiToken, Contract, Payment, PersonalAccount
from vez.payments import autopay
from vez.problems import for_status

PUBLIC = {"api.openapi"}
CHALLENGE = 'Bearer realm="vez"'
EPOCH = datetime(1970, 1, 1)  # stored moments are naive UTC


def _bearer() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else None


@bp.before_request
def authenticate():
    """401 alike for no token, a wrong, expired or revoked one and a locked login; then the token's limit."""
    if request.endpoint in PUBLIC:
        return None
    secret = _bearer()
    token = api_tokens.authenticate(secret, ip=request.remote_addr)
    if token is None:
        challenge = CHALLENGE if secret is None else f'{CHALLENGE}, error="invalid_token"'
        return for_status(401, headers={"WWW-Authenticate": challenge})
    if not API_PER_TOKEN.take(str(token.id)):  # every request counts, a 304 too: the limit is of requests
        return for_status(429, headers={"Retry-After": str(API_PER_TOKEN.retry_after(str(token.id)) or 1)})
    g.api_token = token
    return None


@bp.after_request
def api_headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", CACHE_CONTROL)
    response.vary.add("Authorization")
    return response


def _token() -> ApiToken:
    return g.api_token


def _cards(token: ApiToken, number: str | None = None) -> list[dict]:
    readable = set(api_tokens.readable_account_ids(token))
    cards = [
        card
        for card in queries.cards_of(token.user_id, i18n.today())
        if card.account.id in readable and number in (None, card.account.number)
    ]
    ids = [card.account.id for card in cards]
    charges = queries.newest_charges(ids) if ids else {}
    autopays = autopay.active_among(ids) if ids else set()
    return [
        representations.account(card.account, card.bill, charges.get(card.account.id), card.account.id in autopays)
        for card in cards
    ]


def _account(number: str) -> PersonalAccount:
    """The token's account with this number: another's, one outside the token's scope and none are all 404."""
    token = _token()
    account = queries.account_of(token.user_id, number)
    if account is None or account.id not in api_tokens.readable_account_ids(token):
        abort(404)
    return account


def _page(items, key, name: str, row) -> Response:
    config = current_app.config
    try:
        limit = parse_limit(request.args.get("limit"), config["API_PAGE_SIZE"], config["API_PAGE_MAX"])
        chosen, after = page(items, key, request.args.get("cursor"), limit)
    except BadPage:
        return for_status(400)
    return json_answer({name: [row(item) for item in chosen], "next": after}, _token().id)


def _month_key(item) -> tuple[int, int]:
    return item.month.year * 12 + item.month.month - 1, 0


def _payment_key(payment: Payment) -> tuple[int, int]:
    moment = payment.paid_at
    return (moment - EPOCH) // timedelta(microseconds=1), payment.id


@operation(
    bp,
    "/openapi.json",
    "openapi",
    "This description",
    "The OpenAPI 3.1 description of the API; no token needed.",
    schema=None,
    public=True,
)
def openapi_document():
    response = jsonify(openapi(current_app))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@operation(
    bp,
    "/accounts",
    "accounts",
    "The accounts this token reads",
    "Each with its balance, amount due and due date, tariff and autopay.",
    schema="AccountList",
)
def accounts():
    return json_answer({"accounts": _cards(_token())}, _token().id)


@operation(bp, "/accounts/<number>", "account", "One account", "The same fields as in the list.", schema="Account")
def account(number: str):
    _account(number)
    return json_answer(_cards(_token(), number)[0], _token().id)


@operation(
    bp,
    "/accounts/<number>/months",
    "months",
    "The account's months",
    "Per billing month, newest first: volume, unit, tariff, charged, paid, closing balance and meter readings.",
    schema="MonthPage",
    paged=True,
)
def months(number: str):
    account = _account(number)
    bills = {bill.month: bill for bill in queries.all_bills(account)}
    charges = list(reversed(queries.all_charges(account)))
    return _page(
        charges, _month_key, "months", lambda charge: representations.month_row(charge, bills.get(charge.month))
    )


@operation(
    bp,
    "/accounts/<number>/bills",
    "bills",
    "The account's bills",
    "Newest first, each with the link of its PDF (the same token reads it).",
    schema="BillPage",
    paged=True,
)
def bills(number: str):
    account = _account(number)
    rows = list(reversed(queries.all_bills(account)))
    return _page(rows, _month_key, "bills", lambda bill: representations.bill_row(account, bill))


@operation(
    bp,
    "/accounts/<number>/bills/<month:month>.pdf",
    "bill_pdf",
    "A bill as PDF",
    "The bill the cabinet prints, with the NBU payment QR code.",
    schema=None,
)
def bill_pdf(number: str, month: date):
    view = documents.bill_view(_account(number), month, i18n.today())
    if view is None:
        abort(404)
    response = Response(documents.bill_pdf(view), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="bill-{number}-{month:%Y-%m}.pdf"'
    return response


@operation(
    bp,
    "/accounts/<number>/payments",
    "payments",
    "The account's payments",
    "Newest first, with their states: only `paid` counts in the balance, `pending` is in transit.",
    schema="PaymentPage",
    paged=True,
)
def payments(number: str):
    rows = list(reversed(queries.all_payments(_account(number))))
    return _page(rows, _payment_key, "payments", representations.payment_row)


def _contract(contract_id: int) -> Contract:
    """A contract of a company this token reads (made with it, its login still administering it); else 404."""
    token = _token()
    found = access.member_contract(token.user_id, contract_id)
    if found is None or found[0].company_id not in api_tokens.readable_company_ids(token):
        abort(404)
    return found[0]


@operation(
    bp,
    "/contracts",
    "contracts",
    "The company contracts this token reads",
    "A token made by a company's administrator with that company: each contract with its balance and points.",
    schema="ContractList",
)
def contracts():
    cards = [
        card for company in api_tokens.readable_company_ids(_token()) for card in company_queries.contracts_of(company)
    ]
    rows = [representations.contract(card.contract, card.points, card.last_month) for card in cards]
    return json_answer({"contracts": rows}, _token().id)


@operation(
    bp,
    "/contracts/<id:contract_id>/months",
    "contract_months",
    "A contract's monthly charges",
    "Per billing month, newest first: the total and each metering point's volume, tariff, charge and readings.",
    schema="ContractMonthPage",
    paged=True,
)
def contract_months(contract_id: int):
    history = company_queries.history(_contract(contract_id), i18n.today())
    return _page(
        history.months,
        _month_key,
        "months",
        lambda month: representations.contract_month(month.month, month.amount, month.charges),
    )
