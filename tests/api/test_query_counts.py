"""A poller's request costs a few statements however many accounts, months or payments there are
(docs/performance.md): the account list and a page of payments, counted."""

from __future__ import annotations

from tests.cabinet.test_query_counts import counting, grow


def _count(app, api, path: str, secret: str) -> int:
    api(path, secret)  # warm: first-request work is not what we measure
    with counting(app) as statements:
        assert api(path, secret).status_code == 200
    return len(statements)


def test_the_account_list_statements_do_not_grow_with_accounts(app, db, api, ivan, ivan_secret):
    small = _count(app, api, "/api/v1/accounts", ivan_secret)
    grow(db, ivan[0], accounts=6, months=3, start_number=540000000)
    large = _count(app, api, "/api/v1/accounts", ivan_secret)
    assert large == small <= 12
    assert len(api("/api/v1/accounts", ivan_secret).get_json()["accounts"]) == 8


def test_a_page_of_payments_does_not_grow_with_the_history(app, db, api, ivan, ivan_secret):
    small = _count(app, api, "/api/v1/accounts/529471247/payments", ivan_secret)
    grow(db, ivan[0], accounts=1, months=30, start_number=550000000)
    large = _count(app, api, "/api/v1/accounts/550000000/payments", ivan_secret)
    assert large == small <= 10
