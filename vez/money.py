"""Money as text: hryvnias as a person types or as we print them, read into integer kopiykas, and back.

Amounts are integer kopiykas everywhere else (docs/payments.md); this module is the only place that
turns them into text or text into them. Reading is a strict grammar of ASCII digits and string
arithmetic, never a float: no sign unless asked for, no exponent, no `NaN`, no other script's digits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from flask_babel import format_currency

Grammar = Literal["typed", "bare", "plain"]

_WHOLE = r"[0-9]{1,12}"  # up to 999 999 999 999 hryvnias: far beyond any bill, within a BIGINT of kopiykas
# `typed` and `bare` read the same grammar once `typed` has dropped the grouping and the currency sign.
_DECIMALS = re.compile(rf"(-?)({_WHOLE})(?:[.,]([0-9]{{1,2}}))?", re.ASCII)  # `500`, `500,0`, `100.50`
_PLAIN = re.compile(rf"(-?)({_WHOLE})\.([0-9]{{2}})", re.ASCII)  # as format_plain prints: `1234.50`
GROUPING = dict.fromkeys(map(ord, " \u00a0\u202f\u2009'"), None)  # thousands separators people type or paste
CURRENCY_SIGNS = ("₴", "грн", "UAH")
MONEY_FORMAT = "#,##0.00\xa0¤"  # `1 234,50 ₴` (uk), `1,234.50 UAH` (en): two decimals, a no-break space


class MoneyError(ValueError):
    """Why a text is not an amount: `empty` (nothing typed) or `format`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse_kopiykas(text: str | None, *, grammar: Grammar = "typed", signed: bool = False) -> int:
    """Hryvnias as text to kopiykas (`1 234,5` → 123450), by string arithmetic only; raises MoneyError.

    `typed` also takes thousands separators and a trailing `₴`/`грн`/`UAH`; `bare` takes digits with at
    most two decimals; `plain` only `1234.50`. A leading minus only when `signed`.
    """
    cleaned = (text or "").strip()
    if not cleaned:
        raise MoneyError("empty")
    if grammar == "typed":
        cleaned = cleaned.translate(GROUPING)
        for sign in CURRENCY_SIGNS:
            cleaned = cleaned.removesuffix(sign)
        cleaned = cleaned.strip()
    match = (_PLAIN if grammar == "plain" else _DECIMALS).fullmatch(cleaned)
    if match is None or (match.group(1) and not signed):
        raise MoneyError("format")
    minus, whole, cents = match.groups()
    kopiykas = int(whole) * 100 + int((cents or "").ljust(2, "0"))
    return -kopiykas if minus else kopiykas


def format_money(kopiykas: int | None) -> str:
    """Kopiykas as hryvnias in the current locale: `1 234,50 ₴` (uk), `1,234.50 UAH` (en); `` for None."""
    if kopiykas is None:
        return ""
    return format_currency(Decimal(kopiykas) / 100, "UAH", format=MONEY_FORMAT)


def format_plain(kopiykas: int | None, *, drop_zero_cents: bool = False) -> str:
    """Kopiykas as `1234.50` in any locale (form values, files, gateways); `1234` for whole hryvnias if asked."""
    if kopiykas is None:
        return ""
    sign = "-" if kopiykas < 0 else ""
    whole, cents = divmod(abs(kopiykas), 100)
    if drop_zero_cents and cents == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{cents:02d}"
