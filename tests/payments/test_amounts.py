"""Amounts are integer kopiykas end to end: parsed from text by string arithmetic, never through a float."""

import pytest

from vez.payments.orders import AmountError, parse_amount, proposed_amount

LOW, HIGH = 100, 10_000_000


@pytest.mark.parametrize("text,kopiykas", [
    ("1", 100), ("1.00", 100), ("1,00", 100), ("100", 10_000), ("100,5", 10_050), ("2.9", 290),
    ("1 234,56", 123_456), ("1\u00a0234.56", 123_456), ("100000", 10_000_000), ("100 000,00", 10_000_000),
    (" 250.50 ", 25_050), ("250,50 грн", 25_050), ("1.1", 110), ("4.35", 435),
    ("12345", 1_234_500),
])
def test_valid_amounts(text, kopiykas):
    assert parse_amount(text, LOW, HIGH) == kopiykas


@pytest.mark.parametrize("text,reason", [
    ("", "format"), ("abc", "format"), ("1.234", "format"), ("1,2,3", "format"), ("-5", "format"),
    ("1e3", "format"), ("NaN", "format"), ("Infinity", "format"), ("0x10", "format"), ("１００", "format"),
    ("0.99", "low"), ("0", "low"), ("100000.01", "high"), ("999999999", "high"), (None, "format"),
])
def test_invalid_amounts(text, reason):
    with pytest.raises(AmountError) as error:
        parse_amount(text, LOW, HIGH)
    assert error.value.reason == reason


def test_the_float_trap_is_avoided():
    assert parse_amount("4.35", LOW, HIGH) == 435  # int(float("4.35") * 100) would give 434
    assert parse_amount("1.15", LOW, HIGH) == 115


@pytest.mark.parametrize("balance,proposed", [
    (50_000, 50_000), (0, None), (-1_500, None), (50, 100), (20_000_000, 10_000_000),
])
def test_the_debt_is_proposed_within_the_limits(balance, proposed):
    assert proposed_amount(balance, LOW, HIGH) == proposed
