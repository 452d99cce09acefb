"""Every route with an integer id answers 404 to an id out of range, never a 500."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from tests.admin.conftest import SECRET, totp_login
from tests.conftest import https_client
from vez.converters import ID_MAX, IdConverter
from vez.models import Role

BAD_IDS = [
    "9223372036854775808",
    "9223372036854775807",
    "2147483648",
    "0",
    "-1",
    "00000000001",
    "١٠",
    "1.5",
    "9" * 5000,
    "18446744073709551616",
]
ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def integer_id_rules(app):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]
    assert len(rules) >= 9, [r.rule for r in rules]  # payments ×3, admin ×5, devmail
    return rules


def url_with(rule, value: str) -> str:
    def fill(match):
        converter = rule._converters[match.group(2)]
        return value if isinstance(converter, IntegerConverter) else "x"

    return ARGUMENT.sub(fill, rule.rule)


@pytest.fixture
def clients(app, make_user, make_account):
    account = make_account()
    consumer = https_client(app)
    make_user("ivan", accounts=[account])
    from tests.conftest import AuthActions

    assert AuthActions(consumer).login().status_code == 303
    staff = https_client(app)
    make_user("olena", role=Role.admin, totp_secret=SECRET)
    assert totp_login(staff, "olena").status_code == 303
    return {"anonymous": https_client(app), "consumer": consumer, "admin": staff}


def test_every_integer_id_in_a_path_uses_the_bounded_converter(app):
    loose = [
        rule.rule
        for rule in integer_id_rules(app)
        if not all(isinstance(c, IdConverter) for c in rule._converters.values() if isinstance(c, IntegerConverter))
    ]
    assert loose == []


def test_out_of_range_ids_are_404_for_everyone(app, clients):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 to count, not an exception here
    wrong = []
    for rule in integer_id_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in BAD_IDS:
                url = url_with(rule, value)
                for who, client in clients.items():
                    status = client.open(url, method=method).status_code
                    if status != 404:
                        wrong.append((who, method, url[:60], status))
    assert wrong == []


def test_the_largest_id_reaches_the_view(app, clients):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert clients["consumer"].get(f"/payments/{ID_MAX}").status_code == 404  # no such payment, no crash
    assert clients["admin"].get(f"/admin/import/runs/{ID_MAX}").status_code == 404


def test_ids_still_build_and_match(app):
    with app.test_request_context():
        from flask import url_for

        assert url_for("payments.show", payment_id=7) == "/payments/7"
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/payments/7") == ("payments.show", {"payment_id": 7})
