"""Amounts are integer kopiykas end to end: the pay form reads them with vez.money, then checks the limits."""

import pytest

from vez.money import MoneyError, parse_kopiykas
from vez.payments.orders import limit_problem, proposed_amount

LOW, HIGH = 100, 10_000_000


def pay_form_reading(text):
    """What the pay form makes of a text: kopiykas, or the reason it is refused."""
    try:
        kopiykas = parse_kopiykas(text)
    except MoneyError:
        return "format"
    return limit_problem(kopiykas, LOW, HIGH) or kopiykas


@pytest.mark.parametrize(
    "text,kopiykas",
    [
        ("1", 100),
        ("1.00", 100),
        ("1,00", 100),
        ("100", 10_000),
        ("100,5", 10_050),
        ("2.9", 290),
        ("1 234,56", 123_456),
        ("1\u00a0234.56", 123_456),
        ("100000", 10_000_000),
        ("100 000,00", 10_000_000),
        (" 250.50 ", 25_050),
        ("250,50 грн", 25_050),
        ("1\u202f321,92\u00a0₴", 132_192),
        ("1,321.92\u00a0UAH", 132_192),
        ("1.1", 110),
        ("4.35", 435),
        ("12345", 1_234_500),
    ],
)
def test_valid_amounts(text, kopiykas):
    assert pay_form_reading(text) == kopiykas


@pytest.mark.parametrize(
    "text,reason",
    [
        ("", "format"),
        ("abc", "format"),
        ("1.234", "format"),
        ("1,2,3", "format"),
        ("1 32 1,92", "format"),
        ("-5", "format"),
        ("1e3", "format"),
        ("NaN", "format"),
        ("Infinity", "format"),
        ("0x10", "format"),
        ("１００", "format"),
        ("0.99", "low"),
        ("0", "low"),
        ("100000.01", "high"),
        ("999999999", "high"),
        (None, "format"),
    ],
)
def test_invalid_amounts(text, reason):
    assert pay_form_reading(text) == reason


def test_the_float_trap_is_avoided():
    assert pay_form_reading("4.35") == 435  # int(float("4.35") * 100) would give 434
    assert pay_form_reading("1.15") == 115


@pytest.mark.parametrize(
    "balance,proposed",
    [
        (50_000, 50_000),
        (0, None),
        (-1_500, None),
        (50, 100),
        (20_000_000, 10_000_000),
    ],
)
def test_the_debt_is_proposed_within_the_limits(balance, proposed):
    assert proposed_amount(balance, LOW, HIGH) == proposed
