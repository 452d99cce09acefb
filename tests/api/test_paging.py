"""Lists that grow are pages: newest first, an opaque `next` cursor, `limit` up to API_PAGE_MAX."""

from __future__ import annotations

from datetime import datetime

import pytest

from vez.api import paging
from vez.models import PaymentSource


def test_pages_follow_the_next_cursor_to_the_end_without_gaps_or_repeats(api, ivan_secret):
    seen, path = [], "/api/v1/accounts/529471247/payments?limit=3"
    while True:
        data = api(path, ivan_secret).get_json()
        seen += [p["id"] for p in data["payments"]]
        if data["next"] is None:
            break
        path = f"/api/v1/accounts/529471247/payments?limit=3&cursor={data['next']}"
    everything = [p["id"] for p in api("/api/v1/accounts/529471247/payments", ivan_secret).get_json()["payments"]]
    assert seen == everything and len(seen) == 4


def test_a_payment_added_meanwhile_does_not_shift_the_next_page(api, ivan, pay, ivan_secret):
    first = api("/api/v1/accounts/529471247/payments?limit=2", ivan_secret).get_json()
    pay(ivan[1], 1000, datetime(2026, 11, 3, 9), source=PaymentSource.bank)
    second = api(f"/api/v1/accounts/529471247/payments?limit=2&cursor={first['next']}", ivan_secret).get_json()
    assert [p["at"] for p in second["payments"]] == ["2026-09-10T09:30:00Z", "2025-11-05T10:00:00Z"]


def test_months_and_bills_page_by_month(api, ivan_secret):
    months = api("/api/v1/accounts/529471247/months?limit=3", ivan_secret).get_json()
    assert [m["month"] for m in months["months"]] == ["2026-10", "2026-09", "2026-08"]
    rest = api(f"/api/v1/accounts/529471247/months?limit=3&cursor={months['next']}", ivan_secret).get_json()
    assert [m["month"] for m in rest["months"]] == ["2025-10"] and rest["next"] is None
    bills = api("/api/v1/accounts/529471247/bills?limit=4", ivan_secret).get_json()
    assert len(bills["bills"]) == 4 and bills["next"] is None  # exactly a page: no empty page after it


def test_the_default_page_size_is_the_configured_one(app, api, ivan_secret):
    app.config["API_PAGE_SIZE"] = 2
    data = api("/api/v1/accounts/529471247/months", ivan_secret).get_json()
    assert len(data["months"]) == 2 and data["next"]


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=",
        "cursor=",
        "cursor=nonsense!!!!!!!!!",
        "cursor=MTo",
    ],
)
def test_a_bad_limit_or_cursor_is_400_problem(api, ivan_secret, query):
    response = api(f"/api/v1/accounts/529471247/bills?{query}", ivan_secret)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 400


def test_a_cursor_is_opaque_and_checked():
    cursor = paging.encode((2026 * 12 + 8, 0))
    assert "2026" not in cursor and len(cursor) == 16 and paging.decode(cursor) == (2026 * 12 + 8, 0)
    for forged in (cursor + "A", cursor[:-1], "MjAyNi0wOQ", cursor[:-1] + "="):
        with pytest.raises(paging.BadPage):
            paging.decode(forged)


def test_any_cursor_of_the_documented_form_is_a_page(api, ivan_secret):
    """Every 16 base64url characters are some position: a page (here an empty one), never an error."""
    data = api("/api/v1/accounts/529471247/payments?cursor=AAAAAAAAAAAAAAAA", ivan_secret).get_json()
    assert data == {"payments": [], "next": None}
