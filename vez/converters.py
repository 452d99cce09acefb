"""URL converters: `<id:name>` for every integer id in a path (docs/security.md, ids in URLs), and
`<month:name>` for a billing month (one URL per bill or document: `2026-10`, never `2026-1` or `2026-13`).

Werkzeug's `<int:>` takes any run of digits (Unicode ones too: `١٠` is 10) of any length, so
/payments/9223372036854775808 reached the database and overflowed SQLite's 64-bit INTEGER: a 500 (and
PostgreSQL refuses anything over 2**31 − 1 for the tables' `integer` ids). An id here is ASCII digits without
a leading zero, 1 … 2**31 − 1, what every id column holds; anything else is a 404 before the view runs.
Should a table move to BIGINT ids, ID_MAX follows it.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from werkzeug.routing import BaseConverter, IntegerConverter

ID_MIN, ID_MAX = 1, 2**31 - 1  # the id columns are sa.Integer: PostgreSQL integer


class IdConverter(IntegerConverter):
    # At most 10 ASCII digits, so int() never sees thousands of them; the bounds do the rest.
    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, map) -> None:  # noqa: A002 (Werkzeug's name)
        super().__init__(map, min=ID_MIN, max=ID_MAX)


class MonthConverter(BaseConverter):
    """`YYYY-MM` exactly → the month's first day; anything else is a 404 before the view runs."""

    regex = r"[1-9][0-9]{3}-(?:0[1-9]|1[0-2])"

    def to_python(self, value: str) -> date:
        return date(int(value[:4]), int(value[5:7]), 1)

    def to_url(self, value: date | str) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


def init_app(app: Flask) -> None:
    """Before any blueprint: a rule's converters are looked up when the rule is added."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["month"] = MonthConverter
