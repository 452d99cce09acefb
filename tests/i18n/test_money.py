"""vez.money: the one reader of amounts (text → kopiykas, never a float) and the one writer (kopiykas → text)."""

from decimal import Decimal

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vez.money import MoneyError, format_money, format_plain, parse_kopiykas

NBSP = "\u00a0"
ONE_APP = [HealthCheck.function_scoped_fixture]  # the app only lends its locale: one for every example is right


@pytest.mark.parametrize(
    "text,grammar,signed,kopiykas",
    [
        # as a person types: a comma or a dot, one or two decimals, thousands separators, a currency sign
        ("500", "typed", False, 50_000),
        ("500.0", "typed", False, 50_000),
        ("500,00", "typed", False, 50_000),
        (" 500.00 ", "typed", False, 50_000),
        ("4.35", "typed", False, 435),
        ("1.15", "typed", False, 115),
        ("1 234,56", "typed", False, 123_456),
        (f"1{NBSP}234.56", "typed", False, 123_456),
        ("1\u202f234,5", "typed", False, 123_450),
        ("1\u2009234", "typed", False, 123_400),
        ("1'234.50", "typed", False, 123_450),
        ("250,50 грн", "typed", False, 25_050),
        ("250₴", "typed", False, 25_000),
        (f"1{NBSP}234,50{NBSP}₴", "typed", False, 123_450),
        ("100 UAH", "typed", False, 10_000),
        ("0", "typed", False, 0),
        ("0,05", "typed", False, 5),
        ("999999999999.99", "typed", False, 99_999_999_999_999),
        # bare: the same without grouping or a sign (identification, a gateway's amount)
        ("500", "bare", False, 50_000),
        ("100.5", "bare", False, 10_050),
        ("500,00", "bare", False, 50_000),
        # plain: as format_plain prints and the billing system's files carry it
        ("1234.50", "plain", False, 123_450),
        ("0.05", "plain", False, 5),
        ("-12.30", "plain", True, -1_230),
        ("-0.00", "plain", True, 0),
        ("-5", "typed", True, -500),
        # as the cabinet and the bill print it, and as it is pasted from them (issue 12, finding 3)
        ("1 321,92", "typed", False, 132_192),
        (f"1{NBSP}321,92", "typed", False, 132_192),
        ("1\u202f321,92 грн", "typed", False, 132_192),
        ("1,321.92 UAH", "typed", False, 132_192),
        ("1,000.00", "typed", False, 100_000),
        ("12,345,678.9", "typed", False, 1_234_567_890),
        ("1 234 567", "typed", False, 123_456_700),
        ("₴250", "typed", False, 25_000),
        ("UAH 250.50", "typed", False, 25_050),
        ("250 грн.", "typed", False, 25_000),
        ("250 ГРН", "typed", False, 25_000),
        (f"-1{NBSP}234,50{NBSP}₴", "typed", True, -123_450),
    ],
)
def test_amounts_are_read_as_kopiykas(text, grammar, signed, kopiykas):
    assert parse_kopiykas(text, grammar=grammar, signed=signed) == kopiykas


@pytest.mark.parametrize(
    "text,grammar,reason",
    [
        (None, "typed", "empty"),
        ("", "typed", "empty"),
        ("   ", "bare", "empty"),
        ("", "plain", "empty"),
        # signs, exponents, words, other scripts' digits and full-width digits
        ("-5", "typed", "format"),
        ("+500", "typed", "format"),
        ("-12.30", "plain", "format"),
        ("5e2", "typed", "format"),
        ("1E+2", "bare", "format"),
        ("NaN", "typed", "format"),
        ("Infinity", "bare", "format"),
        ("0x10", "typed", "format"),
        ("１００", "typed", "format"),
        ("٥٠٠", "bare", "format"),
        ("५००", "typed", "format"),
        ("abc", "typed", "format"),
        # more than two decimals, two separators, a separator with nothing on one side
        ("1.234", "typed", "format"),
        ("500.001", "bare", "format"),
        ("1,2,3", "typed", "format"),
        ("1.000,00", "typed", "format"),
        # groups must be of three, after one to three digits, all with the same separator
        ("1 32 1,92", "typed", "format"),
        ("1 3211,92", "typed", "format"),
        ("1234 567", "typed", "format"),
        (f"1 234{NBSP}567", "typed", "format"),
        ("1 000,000.00", "typed", "format"),
        ("1  000", "typed", "format"),
        ("1 000 ", "plain", "format"),
        # a comma groups only before a decimal point: `1,234` alone could mean 1.234
        ("1,234", "typed", "format"),
        ("1,234,50", "typed", "format"),
        # one currency sign, outside the sign of the amount; nothing but a currency is not an amount
        ("₴250₴", "typed", "format"),
        ("₴-5", "typed", "format"),
        ("грн", "typed", "format"),
        ("250 $", "typed", "format"),
        ("1 000 000 000 000", "typed", "format"),
        ("500.", "bare", "format"),
        (".50", "bare", "format"),
        # more than twelve digits of hryvnias
        ("1" * 13, "typed", "format"),
        # bare takes no grouping or currency sign; plain only a dot and exactly two decimals
        ("1 000", "bare", "format"),
        ("500 грн", "bare", "format"),
        ("432", "plain", "format"),
        ("432,00", "plain", "format"),
        ("432.5", "plain", "format"),
        (" 1 234.50", "plain", "format"),
    ],
)
def test_odd_amounts_are_refused(text, grammar, reason):
    with pytest.raises(MoneyError) as error:
        parse_kopiykas(text, grammar=grammar)
    assert error.value.reason == reason


@given(st.text(max_size=30))
def test_whatever_is_typed_is_an_exact_int_or_refused(text):
    try:
        kopiykas = parse_kopiykas(text, grammar="bare")
    except MoneyError:
        return
    assert type(kopiykas) is int
    assert Decimal(text.strip().replace(",", ".")) * 100 == kopiykas


@settings(max_examples=300, suppress_health_check=ONE_APP)
@given(st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1), st.sampled_from(["uk", "en"]))
def test_what_format_money_prints_reads_back(app, kopiykas, locale):
    """Whatever the cabinet prints, in either language, step 1, add-account and pay read as the same kopiykas."""
    with app.test_request_context(), force_locale(locale):
        printed = format_money(kopiykas)
    assert parse_kopiykas(printed, signed=True) == kopiykas
    if kopiykas >= 0:
        assert parse_kopiykas(printed) == kopiykas


@settings(suppress_health_check=ONE_APP)
@given(st.integers(min_value=0, max_value=10**14 - 1), st.sampled_from([" ", NBSP, "\u202f"]), st.booleans())
def test_any_space_may_group_the_thousands(app, kopiykas, space, with_sign):
    with app.test_request_context(), force_locale("uk"):
        printed = format_money(kopiykas)
    retyped = printed.replace(NBSP, space) if with_sign else printed.removesuffix(f"{NBSP}₴").replace(NBSP, space)
    assert parse_kopiykas(retyped) == kopiykas


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_what_we_print_plainly_reads_back(kopiykas):
    assert parse_kopiykas(format_plain(kopiykas), grammar="plain", signed=True) == kopiykas


@pytest.mark.parametrize(
    "kopiykas,plain,short",
    [
        (123450, "1234.50", "1234.50"),
        (-1230, "-12.30", "-12.30"),
        (5, "0.05", "0.05"),
        (0, "0.00", "0"),
        (300, "3.00", "3"),
        (57645, "576.45", "576.45"),
        (None, "", ""),
    ],
)
def test_plain_amounts_use_the_guides_format(kopiykas, plain, short):
    assert format_plain(kopiykas) == plain
    assert format_plain(kopiykas, drop_zero_cents=True) == short


@pytest.mark.parametrize(
    "locale,kopiykas,text",
    [
        ("uk", 123450, f"1{NBSP}234,50{NBSP}₴"),
        ("uk", -1230, f"-12,30{NBSP}₴"),
        ("uk", 0, f"0,00{NBSP}₴"),
        ("en", 123450, f"1,234.50{NBSP}UAH"),
        ("en", 5, f"0.05{NBSP}UAH"),
        ("uk", None, ""),
    ],
)
def test_money_is_formatted_per_locale(app, locale, kopiykas, text):
    with app.test_request_context(), force_locale(locale):
        assert format_money(kopiykas) == text
