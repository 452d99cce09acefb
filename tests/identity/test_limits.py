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
