"""Two logins with accounts, charges, bills and payments (the cabinet's `ivan` and `petro`), tokens and a client
that speaks to the API with a bearer token only."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from tests.cabinet.conftest import ivan, logged_in, pay, petro  # noqa: F401 (the same two logins the cabinet's tests use)
from vez.api.schemas import SCHEMAS
from vez.identity import api_tokens


@pytest.fixture
def make_token(db):
    def make(user, *, accounts=None, days: int = 30) -> str:
        made = api_tokens.create(user, "Home Assistant", days, account_ids=accounts, ip="192.0.2.1")
        assert isinstance(made, api_tokens.Made), made
        db.session.commit()
        return made.secret

    return make


@pytest.fixture
def api(app):
    """GET (or any method) with `Authorization: Bearer <secret>` and no cookie jar at all."""
    client = app.test_client(use_cookies=False)

    def call(path: str, secret: str | None = None, method: str = "GET", **headers):
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        with app.app_context():
            return client.open(path, method=method, headers=headers)

    return call


@pytest.fixture
def ivan_secret(ivan, make_token):  # noqa: F811 (the imported fixture, asked for by name)
    return make_token(ivan[0])


def conforms(name: str, data) -> None:
    """`data` is what the schema `name` of the OpenAPI description says (every field, nothing more)."""
    Draft202012Validator(_resolve(SCHEMAS[name]), format_checker=Draft202012Validator.FORMAT_CHECKER).validate(data)


def _resolve(node):
    """The schema with its `$ref`s to components replaced by the schemas themselves (they do not nest deeply)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _resolve(SCHEMAS[node["$ref"].rpartition("/")[2]])
        return {key: _resolve(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item) for item in node]
    return node
