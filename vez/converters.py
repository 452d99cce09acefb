"""URL converters: `<id:name>` for every integer id in a path (docs/security.md, ids in URLs).

Werkzeug's `<int:>` takes any run of digits (Unicode ones too: `١٠` is 10) of any length, so
/payments/9223372036854775808 reached the database and overflowed SQLite's 64-bit INTEGER: a 500 (and
PostgreSQL refuses anything over 2**31 − 1 for the tables' `integer` ids). An id here is ASCII digits without
a leading zero, 1 … 2**31 − 1, what every id column holds; anything else is a 404 before the view runs.
Should a table move to BIGINT ids, ID_MAX follows it.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

ID_MIN, ID_MAX = 1, 2**31 - 1  # the id columns are sa.Integer: PostgreSQL integer


class IdConverter(IntegerConverter):
    # At most 10 ASCII digits, so int() never sees thousands of them; the bounds do the rest.
    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, map) -> None:  # noqa: A002 (Werkzeug's name)
        super().__init__(map, min=ID_MIN, max=ID_MAX)


def init_app(app: Flask) -> None:
    """Before any blueprint: a rule's converters are looked up when the rule is added."""
    app.url_map.converters["id"] = IdConverter
