"""The JSON Schemas (OpenAPI 3.1, JSON Schema 2020-12) of what vez/api/representations.py returns, with examples.

vez/api/spec.py puts them into /api/v1/openapi.json; tests/api validate every answer of the suite against them,
and schemathesis validates the live answers, so a field added to a representation without its schema fails.
"""

from __future__ import annotations

MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "description": "Hryvnias, two decimals."}
MONEY_OR_NULL = {**MONEY, "type": ["string", "null"]}
THOUSANDTHS = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{3}$"}
THOUSANDTHS_OR_NULL = {**THOUSANDTHS, "type": ["string", "null"]}
MONTH = {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "A billing month, YYYY-MM."}
MONTH_OR_NULL = {**MONTH, "type": ["string", "null"]}
DAY = {"type": "string", "format": "date"}
DAY_OR_NULL = {"type": ["string", "null"], "format": "date"}
MOMENT = {"type": "string", "format": "date-time", "description": "ISO 8601 in UTC."}
MOMENT_OR_NULL = {**MOMENT, "type": ["string", "null"]}
CURRENCY = {"type": "string", "const": "UAH"}
URL = {"type": "string", "format": "uri"}
NEXT = {
    "type": ["string", "null"],
    "pattern": "^[A-Za-z0-9_-]{16}$",
    "description": "The cursor of the next page (pass it as `cursor`), null on the last page.",
}


def _object(properties: dict, example: dict, description: str = "") -> dict:
    schema = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
        "examples": [example],
    }
    if description:
        schema["description"] = description
    return schema


ACCOUNT_EXAMPLE = {
    "number": "529471247",
    "service": "electricity",
    "subdivision": {"code": "108", "name": "Любешівська філія"},
    "address": "смт Любешів, вул. Волі, 5",
    "currency": "UAH",
    "balance": "432.00",
    "amount_due": "432.00",
    "due_date": "2026-11-20",
    "last_bill": "2026-10",
    "tariff": "4.320",
    "unit": "kWh",
    "autopay": False,
    "links": {
        "self": "https://cabinet.example/api/v1/accounts/529471247",
        "months": "https://cabinet.example/api/v1/accounts/529471247/months",
        "bills": "https://cabinet.example/api/v1/accounts/529471247/bills",
        "payments": "https://cabinet.example/api/v1/accounts/529471247/payments",
    },
}
MONTH_EXAMPLE = {
    "month": "2026-09",
    "volume": "120.000",
    "unit": "kWh",
    "tariff": "4.320",
    "currency": "UAH",
    "charged": "518.40",
    "paid": "432.00",
    "closing_balance": "518.40",
    "readings": {"start": "1100.000", "end": "1220.000"},
}
BILL_EXAMPLE = {
    "month": "2026-10",
    "number": "529471247-202610",
    "issued_on": "2026-11-01",
    "due_date": "2026-11-20",
    "currency": "UAH",
    "opening_balance": "518.40",
    "charged": "432.00",
    "paid": "518.40",
    "closing_balance": "432.00",
    "amount_due": "432.00",
    "pdf": "https://cabinet.example/api/v1/accounts/529471247/bills/2026-10.pdf",
}
PAYMENT_EXAMPLE = {
    "id": 4182,
    "at": "2026-10-30T18:00:00Z",
    "currency": "UAH",
    "amount": "100.00",
    "status": "pending",
    "source": "online",
    "settled_at": None,
}

CONTRACT_EXAMPLE = {
    "id": 7,
    "number": "L-1/26-E",
    "company": {"code": "32855961", "name": "ТОВ «Волинь-Агро»"},
    "service": "electricity",
    "subdivision": {"code": "101", "name": "Луцька міська філія"},
    "currency": "UAH",
    "balance": "12840.00",
    "amount_due": "12840.00",
    "last_month": "2026-10",
    "points": [{"eic": "62Z0000000000017", "address": "м. Луцьк, вул. Лесі Українки, 1"}],
    "links": {"months": "https://cabinet.example/api/v1/contracts/7/months"},
}
CONTRACT_MONTH_EXAMPLE = {
    "month": "2026-10",
    "currency": "UAH",
    "charged": "12840.00",
    "points": [
        {
            "eic": "62Z0000000000017",
            "volume": "2140.000",
            "unit": "kWh",
            "tariff": "6.000",
            "charged": "12840.00",
            "readings": {"start": "10400.000", "end": "12540.000"},
        }
    ],
}
READINGS = {"start": THOUSANDTHS_OR_NULL, "end": THOUSANDTHS_OR_NULL}

SCHEMAS: dict[str, dict] = {
    "Account": _object(
        {
            "number": {"type": "string", "pattern": "^[0-9]{9}$", "description": "The personal account number."},
            "service": {"type": "string", "enum": ["electricity", "gas"]},
            "subdivision": _object(
                {"code": {"type": "string"}, "name": {"type": "string"}},
                ACCOUNT_EXAMPLE["subdivision"],
                "The supplier's branch that serves the account.",
            ),
            "address": {"type": "string"},
            "currency": CURRENCY,
            "balance": {**MONEY, "description": "Above zero a debt, below zero an overpayment."},
            "amount_due": {**MONEY, "description": "What to pay now: the debt, or 0.00."},
            "due_date": {**DAY_OR_NULL, "description": "The newest bill's due date while the account owes."},
            "last_bill": {**MONTH_OR_NULL, "description": "The month of the newest bill."},
            "tariff": {**THOUSANDTHS_OR_NULL, "description": "Hryvnias per unit in the newest charged month."},
            "unit": {"type": "string", "enum": ["kWh", "m3"]},
            "autopay": {"type": "boolean", "description": "Bills are paid from a saved card."},
            "links": _object({"self": URL, "months": URL, "bills": URL, "payments": URL}, ACCOUNT_EXAMPLE["links"]),
        },
        ACCOUNT_EXAMPLE,
    ),
    "AccountList": _object(
        {"accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}}},
        {"accounts": [ACCOUNT_EXAMPLE]},
    ),
    "Month": _object(
        {
            "month": MONTH,
            "volume": THOUSANDTHS,
            "unit": {"type": "string", "enum": ["kWh", "m3"]},
            "tariff": THOUSANDTHS,
            "currency": CURRENCY,
            "charged": MONEY,
            "paid": {**MONEY_OR_NULL, "description": "Received during the month (from its bill; null before it)."},
            "closing_balance": {**MONEY_OR_NULL, "description": "The balance at the month's end (from its bill)."},
            "readings": _object({"start": THOUSANDTHS_OR_NULL, "end": THOUSANDTHS_OR_NULL}, MONTH_EXAMPLE["readings"]),
        },
        MONTH_EXAMPLE,
    ),
    "MonthPage": _object(
        {"months": {"type": "array", "items": {"$ref": "#/components/schemas/Month"}}, "next": NEXT},
        {"months": [MONTH_EXAMPLE], "next": "AAAAAAAAF7UAAAAA"},
    ),
    "Bill": _object(
        {
            "month": MONTH,
            "number": {"type": "string"},
            "issued_on": DAY,
            "due_date": DAY,
            "currency": CURRENCY,
            "opening_balance": MONEY,
            "charged": MONEY,
            "paid": MONEY,
            "closing_balance": MONEY,
            "amount_due": MONEY,
            "pdf": {**URL, "description": "The bill as PDF; the same token reads it."},
        },
        BILL_EXAMPLE,
    ),
    "BillPage": _object(
        {"bills": {"type": "array", "items": {"$ref": "#/components/schemas/Bill"}}, "next": NEXT},
        {"bills": [BILL_EXAMPLE], "next": None},
    ),
    "Payment": _object(
        {
            "id": {"type": "integer"},
            "at": {**MOMENT, "description": "When it was paid (an online order: when it was started)."},
            "currency": CURRENCY,
            "amount": MONEY,
            "status": {
                "type": "string",
                "enum": ["pending", "paid", "declined", "cancelled", "expired", "reversed"],
                "description": "Only `paid` counts in the balance; `pending` is in transit.",
            },
            "source": {"type": "string", "enum": ["bank", "post", "online"]},
            "settled_at": {**MOMENT_OR_NULL, "description": "When the gateway's final answer came (online)."},
        },
        PAYMENT_EXAMPLE,
    ),
    "PaymentPage": _object(
        {"payments": {"type": "array", "items": {"$ref": "#/components/schemas/Payment"}}, "next": NEXT},
        {"payments": [PAYMENT_EXAMPLE], "next": None},
    ),
    "Contract": _object(
        {
            "id": {"type": "integer"},
            "number": {"type": "string"},
            "company": _object(
                {"code": {"type": "string", "description": "EDRPOU or RNOKPP."}, "name": {"type": "string"}},
                CONTRACT_EXAMPLE["company"],
            ),
            "service": {"type": "string", "enum": ["electricity", "gas"]},
            "subdivision": _object(
                {"code": {"type": "string"}, "name": {"type": "string"}}, CONTRACT_EXAMPLE["subdivision"]
            ),
            "currency": CURRENCY,
            "balance": {**MONEY, "description": "Above zero a debt, below zero an overpayment."},
            "amount_due": MONEY,
            "last_month": {**MONTH_OR_NULL, "description": "The newest month charged."},
            "points": {
                "type": "array",
                "items": _object(
                    {"eic": {"type": "string"}, "address": {"type": "string"}}, CONTRACT_EXAMPLE["points"][0]
                ),
            },
            "links": _object({"months": URL}, CONTRACT_EXAMPLE["links"]),
        },
        CONTRACT_EXAMPLE,
        "A contract of a company the token's login administers (a token made with that company).",
    ),
    "ContractList": _object(
        {"contracts": {"type": "array", "items": {"$ref": "#/components/schemas/Contract"}}},
        {"contracts": [CONTRACT_EXAMPLE]},
    ),
    "ContractMonth": _object(
        {
            "month": MONTH,
            "currency": CURRENCY,
            "charged": {**MONEY, "description": "Every point's charge added up (VAT included)."},
            "points": {
                "type": "array",
                "items": _object(
                    {
                        "eic": {"type": "string"},
                        "volume": THOUSANDTHS,
                        "unit": {"type": "string", "enum": ["kWh", "m3"]},
                        "tariff": THOUSANDTHS,
                        "charged": MONEY,
                        "readings": _object(READINGS, CONTRACT_MONTH_EXAMPLE["points"][0]["readings"]),
                    },
                    CONTRACT_MONTH_EXAMPLE["points"][0],
                ),
            },
        },
        CONTRACT_MONTH_EXAMPLE,
    ),
    "ContractMonthPage": _object(
        {"months": {"type": "array", "items": {"$ref": "#/components/schemas/ContractMonth"}}, "next": NEXT},
        {"months": [CONTRACT_MONTH_EXAMPLE], "next": None},
    ),
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "incident": {"type": "string", "description": "Quote it to the support (500 and 503 only)."},
        },
        "examples": [
            {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "detail": "A valid personal access token is needed: send it as Authorization: Bearer <token>.",
            }
        ],
    },
}
