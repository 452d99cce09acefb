"""The limits' one interface (vez.identity.limits): `take` decides and counts, `refund` gives one back."""

from __future__ import annotations

from vez.identity.limits import IdentificationAttempt, Limit, account_failures, recent_failures, take_all


def test_take_counts_until_the_limit_and_then_refuses_without_counting(app):
    app.config["TEST_LIMIT"] = "3 per hour"
    limit = Limit("test", "TEST_LIMIT")
    assert [limit.take("ivan") for _ in range(4)] == [True, True, True, False]
    limit.refund("ivan")
    assert limit.take("ivan") is True and limit.take("ivan") is False


def test_a_refund_after_success_means_only_failures_count(app):
    app.config["TEST_LIMIT"] = "2 per hour"
    limit = Limit("test", "TEST_LIMIT")
    for _ in range(10):  # ten successes
        assert limit.take("ivan")
        limit.refund("ivan")
    assert limit.take("ivan") and limit.take("ivan") and not limit.take("ivan")


def test_keys_and_names_are_separate(app):
    app.config["TEST_LIMIT"] = "1 per hour"
    assert Limit("a", "TEST_LIMIT").take("x") and Limit("a", "TEST_LIMIT").take("y")
    assert Limit("b", "TEST_LIMIT").take("x") and not Limit("a", "TEST_LIMIT").take("x")


def test_reset_empties_the_window(app):
    app.config["TEST_LIMIT"] = "1 per hour"
    limit = Limit("test", "TEST_LIMIT")
    assert limit.take("ivan") and not limit.take("ivan")
    limit.reset("ivan")
    assert limit.take("ivan")


def test_take_all_gives_back_what_it_took_when_one_refuses(app):
    app.config["ONE"], app.config["TWO"] = "5 per hour", "1 per hour"
    per_login, per_address = Limit("login-x", "ONE"), Limit("address-x", "TWO")
    assert per_address.take("10.0.0.1")
    for _ in range(3):
        assert not take_all((per_login, "ivan"), (per_address, "10.0.0.1"))
    # the refused requests left nothing on the login's counter
    assert [per_login.take("ivan") for _ in range(6)] == [True] * 5 + [False]


def test_an_identification_attempt_counts_only_as_a_failure(app, db, make_account):
    account = make_account()
    before = recent_failures()
    attempt = IdentificationAttempt.take("10.9.0.1")
    assert attempt is not None and attempt.take_account(account.id)
    attempt.refund()
    assert recent_failures() == before and account_failures(account.id) == 0
    attempt = IdentificationAttempt.take("10.9.0.1")
    attempt.take_account(account.id)
    attempt.fail("mismatch")
    db.session.commit()
    assert recent_failures() == before + 1 and account_failures(account.id) == 1


def test_an_address_over_its_limit_takes_nothing(app, db):
    app.config["IDENTIFY_LIMIT_PER_ADDRESS"] = "2 per hour"
    for _ in range(2):
        IdentificationAttempt.take("10.9.0.2").fail("not_found")
    assert IdentificationAttempt.take("10.9.0.2") is None
    assert recent_failures() == 2
    assert IdentificationAttempt.take("10.9.0.3") is not None


def test_17_an_ipv6_address_is_keyed_on_its_64_and_ipv4_stays_whole():
    """Review finding 17: one /64 is one subscriber; IPv4 and IPv4-mapped IPv6 are the IPv4 address."""
    from vez.identity.limits import address_key

    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff:1:2:3") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("2001:DB8:1:2::1") == "2001:db8:1:2::/64"
    assert address_key("10.0.0.1") == "10.0.0.1" != address_key("10.0.0.2")
    assert address_key("::ffff:10.0.0.1") == "10.0.0.1"
    assert address_key("") == "" and address_key(None) == "" and address_key("unix-socket") == "unix-socket"


def test_17_a_per_address_limit_counts_a_whole_64(app):
    from vez.identity.limits import LOGIN_PER_ADDRESS

    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per hour"
    assert [LOGIN_PER_ADDRESS.take(f"2001:db8:7:7::{i:x}") for i in range(4)] == [True, True, True, False]
    assert LOGIN_PER_ADDRESS.take("2001:db8:7:8::1")
    assert [LOGIN_PER_ADDRESS.take(ip) for ip in ("::ffff:10.1.1.1", "10.1.1.1", "10.1.1.1", "10.1.1.1")] == [
        True,
        True,
        True,
        False,
    ]


def test_a_take_is_committed_at_once_and_a_rollback_of_the_request_keeps_it(app, db):
    """docs/security.md, "Race-free limits": the count is seen by every other connection at once."""
    from sqlalchemy import create_engine, text

    app.config["TEST_LIMIT"] = "2 per hour"
    limit = Limit("test", "TEST_LIMIT")
    assert limit.take("ivan")
    db.session.rollback()
    other = create_engine(db.engine.url)
    with other.connect() as conn:
        hits = conn.scalar(text("SELECT hits FROM limit_counters WHERE name = 'test' AND key = 'ivan'"))
    other.dispose()
    assert len(hits.split()) == 1


def test_a_take_after_the_request_wrote_joins_its_transaction_on_sqlite(app, db, make_user):
    """SQLite has one writer: a take after the session wrote must not wait for the session (a self-deadlock)."""
    app.config["TEST_LIMIT"] = "1 per hour"
    user = make_user("ivan")
    user.phone = "+380501111111"
    db.session.flush()  # the session holds SQLite's write lock now
    limit = Limit("test", "TEST_LIMIT")
    assert limit.take("ivan") and not limit.take("ivan")
    db.session.commit()
    assert limit.count("ivan") == 1
