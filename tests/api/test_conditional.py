"""A poller asking every minute costs almost nothing: ETag and Last-Modified, and 304 while nothing changed."""

from __future__ import annotations

from datetime import date, datetime

from vez.billing import generate_bills
from vez.ledger import recompute_balances
from vez.models import PaymentSource, PaymentStatus


def test_the_same_data_has_the_same_strong_etag_and_a_304(api, ivan_secret):
    first = api("/api/v1/accounts", ivan_secret)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = api("/api/v1/accounts", ivan_secret, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and first.headers["Last-Modified"]
    assert again.headers["Cache-Control"] == "private, no-cache"


def test_if_modified_since_gives_304_until_the_data_changes(api, db, ivan, pay, ivan_secret):
    first = api("/api/v1/accounts/529471247/payments", ivan_secret)
    since = first.headers["Last-Modified"]
    assert api("/api/v1/accounts/529471247/payments", ivan_secret, **{"If-Modified-Since": since}).status_code == 304
    pay(ivan[1], 1000, datetime(2026, 11, 3, 9), source=PaymentSource.bank)
    changed = api("/api/v1/accounts/529471247/payments", ivan_secret, **{"If-Modified-Since": since})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_a_new_balance_changes_the_etag(api, db, ivan, make_charge, ivan_secret):
    etag = api("/api/v1/accounts", ivan_secret).headers["ETag"]
    make_charge(ivan[1], date(2026, 11, 1), 21600)
    generate_bills(date(2026, 11, 1))
    recompute_balances()
    db.session.commit()
    response = api("/api/v1/accounts", ivan_secret, **{"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["accounts"][0]["balance"] == "648.00"


def test_data_back_to_an_earlier_state_is_not_taken_for_the_newer_one(api, db, ivan, pay, ivan_secret):
    """A -> B -> A: the client holding B's date asks; A's bytes are sent again, not a 304 (Last-Modified is the
    moment these bytes were first sent at this URL, so A's return is new)."""
    a = api("/api/v1/accounts/529471247/payments", ivan_secret)
    payment = pay(ivan[1], 1000, datetime(2026, 11, 3, 9), source=PaymentSource.online, status=PaymentStatus.pending)
    b = api("/api/v1/accounts/529471247/payments", ivan_secret)
    db.session.delete(payment)
    db.session.commit()
    back = api("/api/v1/accounts/529471247/payments", ivan_secret, **{"If-Modified-Since": b.headers["Last-Modified"]})
    assert back.status_code == 200 and back.headers["ETag"] == a.headers["ETag"]


def test_if_none_match_decides_alone(api, ivan_secret):
    """RFC 9110 13.2.2: with If-None-Match, If-Modified-Since is not looked at."""
    first = api("/api/v1/accounts", ivan_secret)
    response = api(
        "/api/v1/accounts",
        ivan_secret,
        **{"If-None-Match": '"other"', "If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert response.status_code == 200
