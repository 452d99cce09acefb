"""Money as text: hryvnias as a person types or as we print them, read into integer kopiykas, and back.

Amounts are integer kopiykas everywhere else (docs/payments.md); this module is the only place that
turns them into text or text into them. Reading is a strict grammar of ASCII digits and string
arithmetic, never a float: no sign unless asked for, no exponent, no `NaN`, no other script's digits, and
whatever format_money prints in either language reads back to the same kopiykas.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from babel.numbers import format_currency
from flask_babel import get_locale

Grammar = Literal["typed", "bare", "plain"]

_WHOLE = r"[0-9]{1,12}"  # up to 999 999 999 999 hryvnias: far beyond any bill, within a BIGINT of kopiykas
_DECIMALS = re.compile(rf"(-?)({_WHOLE})(?:[.,]([0-9]{{1,2}}))?", re.ASCII)  # `bare`: `500`, `500,0`, `100.50`
_PLAIN = re.compile(rf"(-?)({_WHOLE})\.([0-9]{{2}})", re.ASCII)  # as format_plain prints: `1234.50`
# `typed`: the whole hryvnias either ungrouped or in groups of three after one to three digits, every group
# after the same separator (a space, a no-break or narrow no-break space, a thin space, an apostrophe, or a
# comma as English prints), then a decimal comma or point with one or two digits of kopiykas.
GROUP_SEPARATORS = " \u00a0\u202f\u2009',"
_TYPED = re.compile(
    rf"(-?)(?:([0-9]{{1,3}}(?P<sep>[{GROUP_SEPARATORS}])[0-9]{{3}}(?:(?P=sep)[0-9]{{3}})*)|({_WHOLE}))"
    r"(?:([.,])([0-9]{1,2}))?",
    re.ASCII,
)
# Before or after the amount, with or without a space: `250 грн`, `250 грн.`, `₴250`, `UAH 250`.
_CURRENCY = re.compile(r"^(?:₴|грн\.?|uah)[\s\u202f]*|[\s\u202f]*(?:₴|грн\.?|uah)$", re.IGNORECASE)
MONEY_FORMAT = "#,##0.00\xa0¤"  # `1 234,50 ₴` (uk), `1,234.50 UAH` (en): two decimals, a no-break space


class MoneyError(ValueError):
    """Why a text is not an amount: `empty` (nothing typed) or `format`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_kopiykas(text: str | None, *, grammar: Grammar = "typed", signed: bool = False) -> int:
    """Hryvnias as text to kopiykas (`1 234,5` → 123450), by string arithmetic only; raises MoneyError.

    `typed` reads every form format_money prints and people type: thousands grouped by a space, a no-break
    or narrow no-break space (`1 321,92`, `1,321.92`), a comma or a point for the decimals, a `₴`, `грн` or
    `UAH` before or after. A comma groups only in front of a decimal point: `1,234` alone is ambiguous and
    refused, as are misplaced groups (`1 32 1,92`). `bare` takes digits with at most two decimals;
    `plain` only `1234.50`. A leading minus only when `signed`.
    """
    cleaned = (text or "").strip()
    if not cleaned:
        raise MoneyError("empty")
    if grammar == "typed":
        return _typed(cleaned, signed)
    match = (_PLAIN if grammar == "plain" else _DECIMALS).fullmatch(cleaned)
    if match is None or (match.group(1) and not signed):
        raise MoneyError("format")
    minus, whole, cents = match.groups()
    return _kopiykas(minus, whole, cents)


def _typed(cleaned: str, signed: bool) -> int:
    minus = cleaned[:1] == "-" and signed
    bare = _CURRENCY.sub("", cleaned[1:] if minus else cleaned, count=1)
    match = _TYPED.fullmatch(bare)
    if match is None or match.group(1):  # a minus inside the currency sign (`₴-5`) or one not allowed
        raise MoneyError("format")
    _minus, grouped, separator, ungrouped, mark, cents = match.groups()
    whole = grouped.replace(separator, "") if grouped else ungrouped
    if len(whole) > 12 or (separator is not None and separator == mark) or (separator == "," and mark != "."):
        raise MoneyError("format")
    return _kopiykas("-" if minus else "", whole, cents)


def _kopiykas(minus: str, whole: str, cents: str | None) -> int:
    kopiykas = int(whole) * 100 + int((cents or "").ljust(2, "0"))
    return -kopiykas if minus else kopiykas


def format_money(kopiykas: int | None) -> str:
    """Kopiykas as hryvnias in the current locale: `1 234,50 ₴` (uk), `1,234.50 UAH` (en); `` for None."""
    if kopiykas is None:
        return ""
    return _money(kopiykas, get_locale())


@lru_cache(maxsize=8192)
def _money(kopiykas: int, locale) -> str:
    """Babel parses the pattern and looks up the locale's symbols on every call: a page of amounts repeats them,
    so each amount is formatted once per locale and process (docs/performance.md)."""
    return format_currency(Decimal(kopiykas) / 100, "UAH", format=MONEY_FORMAT, locale=locale)


def format_plain(kopiykas: int | None, *, drop_zero_cents: bool = False) -> str:
    """Kopiykas as `1234.50` in any locale (form values, files, gateways); `1234` for whole hryvnias if asked."""
    if kopiykas is None:
        return ""
    sign = "-" if kopiykas < 0 else ""
    whole, cents = divmod(abs(kopiykas), 100)
    if drop_zero_cents and cents == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{cents:02d}"
