"""The OpenAPI 3.1 description of the API, made from the routes themselves (docs/api.md, "Why no library").

Every API view is registered through `operation`, which keeps its summary and its answer's schema beside the
view; `openapi(app)` walks the application's URL map, so the description lists exactly the routes that exist,
with their path parameters, and the schemas of vez/api/schemas.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app
from flask_babel import force_locale
from werkzeug.http import HTTP_STATUS_CODES

from vez.api.schemas import SCHEMAS
from vez.problems import DETAILS

PARAMETERS = {
    "number": {
        "description": "A personal account number the token may read.",
        "schema": {"type": "string", "pattern": "^[0-9]{9}$"},
        "example": "529471247",
    },
    "contract_id": {
        "description": "The id of a contract the token may read (from /contracts).",
        "schema": {"type": "integer", "minimum": 1, "maximum": 9999999999},
        "example": 7,
    },
    "month": {
        "description": "A billing month, YYYY-MM.",
        "schema": {"type": "string", "pattern": "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"},
        "example": "2026-10",
    },
}
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str
    schema: str | None  # the JSON answer's schema name; None for a PDF
    paged: bool = False
    public: bool = False  # no token needed (the description itself)


def operation(bp: Blueprint, rule: str, endpoint: str, summary: str, description: str, **meta):
    """Register a GET view (HEAD comes with it; no automatic OPTIONS: other methods are 405) and describe it."""

    def register(view):
        view.openapi = Operation(summary, description, **meta)
        bp.add_url_rule(rule, endpoint, view, methods=["GET"], provide_automatic_options=False)
        return view

    return register


def _problem(description: str, status: int, headers: dict | None = None) -> dict:
    with force_locale("en"):
        example = {"type": "about:blank", "title": HTTP_STATUS_CODES[status], "status": status}
        example["detail"] = str(DETAILS[status])
    content = {"schema": {"$ref": "#/components/schemas/Problem"}, "example": example}
    answer = {"description": description, "content": {"application/problem+json": content}}
    if headers:
        answer["headers"] = headers
    return answer


def _header(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "schema": schema or {"type": "string"}}


def _responses_of_problems() -> dict:
    return {
        "BadRequest": _problem("`limit` or `cursor` is not valid.", 400),
        "Unauthorized": _problem(
            "No token, or one that is unknown, expired, revoked or whose login is locked: all alike.",
            401,
            {"WWW-Authenticate": _header('`Bearer realm="vez"`.')},
        ),
        "NotFound": _problem(
            "No such account, contract, bill or month, or one this token may not read: all alike.", 404
        ),
        "TooManyRequests": _problem(
            "The token's request limit is used up (API_LIMIT_PER_TOKEN, 60 a minute by default; 304s count too).",
            429,
            {"Retry-After": _header("Seconds to wait.", {"type": "integer", "minimum": 1})},
        ),
    }


VALIDATORS = {
    "ETag": _header("A strong validator of the data: send it back as If-None-Match."),
    "Last-Modified": _header("When this token was first sent this answer: send it back as If-Modified-Since."),
    "Cache-Control": _header("`private, no-cache`."),
}


def _parameters(rule, op: Operation) -> list[dict]:
    found = [{"name": name, "in": "path", "required": True, **PARAMETERS[name]} for name in sorted(rule.arguments)]
    if op.paged:
        config = current_app.config
        found += [
            {
                "name": "limit",
                "in": "query",
                "description": "Items per page.",
                "schema": {"type": "integer", "minimum": 1, "maximum": config["API_PAGE_MAX"]},
                "example": 12,
            },
            {
                "name": "cursor",
                "in": "query",
                "description": "The `next` of the previous page (opaque).",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16}$"},
                "example": "AAAAAAAAF7UAAAAA",
            },
        ]
    return found


def _responses(op: Operation) -> dict:
    if op.schema is None:
        ok = {"description": "The PDF.", "content": {"application/pdf": {"schema": {"type": "string"}}}}
    else:
        schema = SCHEMAS[op.schema]
        content = {"schema": {"$ref": f"#/components/schemas/{op.schema}"}, "example": schema["examples"][0]}
        ok = {"description": "OK.", "content": {"application/json": content}}
        if not op.public:
            ok["headers"] = VALIDATORS
    answers: dict = {"200": ok}
    if op.public:
        return answers
    if op.schema is not None:
        kept = {name: VALIDATORS[name] for name in ("ETag", "Cache-Control")}
        answers["304"] = {"description": "Not modified since the ETag or date sent.", "headers": kept}
    if op.paged:
        answers["400"] = {"$ref": "#/components/responses/BadRequest"}
    answers["401"] = {"$ref": "#/components/responses/Unauthorized"}
    answers["404"] = {"$ref": "#/components/responses/NotFound"}
    answers["429"] = {"$ref": "#/components/responses/TooManyRequests"}
    return answers


def openapi(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        op = getattr(app.view_functions.get(rule.endpoint), "openapi", None)
        if not rule.endpoint.startswith("api.") or op is None:
            continue
        entry = {
            "operationId": rule.endpoint.removeprefix("api."),
            "summary": op.summary,
            "description": op.description,
            "parameters": _parameters(rule, op),
            "responses": _responses(op),
        }
        if op.public:
            entry["security"] = []
        paths[ARGUMENT.sub(r"{\1}", rule.rule)] = {"get": entry}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{app.config['SUPPLIER_NAME']}: personal API",
            "version": "1.0.0",
            "description": (
                "Read-only: your accounts, their months, bills and payments, with a personal access token made "
                "in the cabinet's profile (Tokens). Money is a string with two decimals beside `currency`; months "
                "are YYYY-MM; moments ISO 8601 in UTC. Errors are RFC 9457 problem details."
            ),
        },
        "servers": [{"url": app.config["EXTERNAL_URL"]}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "vez_ and 43 characters",
                    "description": "A personal access token: Authorization: Bearer vez_…",
                }
            },
            "schemas": SCHEMAS,
            "responses": _responses_of_problems(),
        },
    }
