"""Languages: the choice (?lang=, a cookie, the login's setting), number and date formats (money: vez.money).

One date style per kind, each the locale's own (docs/architecture.md, "Dates"): `day` a date in the medium
form (`20 лист. 2026 р.`, `Nov 20, 2026`); `moment` the same date with the short time, only where the time
matters (payments, receipts, the audit); `month` a billing period (`листопад 2026`, `November 2026`),
short in the chart. Datetimes are naive UTC and are shown in the supplier's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from babel.dates import get_datetime_format
from flask import Flask, Response, current_app, g, request
from flask_babel import format_date, format_decimal, format_time, get_locale, to_user_timezone
from flask_login import current_user
from jinja2 import pass_context

from vez.models import utcnow
from vez.money import format_money, format_plain

LANG_COOKIE = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        g.lang_chosen = chosen
        return chosen
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    user = current_user
    if user and user.is_authenticated and getattr(user, "language", None) in languages:
        return user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def number(value: Decimal | int | None) -> str:
    return "" if value is None else format_decimal(value, format="#,##0.###")


MONTH_FORMATS = {"full": "LLLL yyyy", "short": "LLL yyyy", "label": "LLL"}  # label: a chart's axis


def day(value: date | datetime | None) -> str:
    """A date in the locale's medium form: `20 лист. 2026 р.`, `Nov 20, 2026`."""
    return "" if value is None else format_date(value, "medium")


def moment(value: datetime | None) -> str:
    """A date with its time, where the time matters: `1 груд. 2026 р., 22:09`, `Dec 1, 2026, 10:09 PM`."""
    if value is None:
        return ""
    pattern = get_datetime_format("medium", locale=get_locale())
    return pattern.replace("{1}", format_date(value, "medium")).replace("{0}", format_time(value, "short"))


def month(value: date | None, style: str = "full") -> str:
    """A billing month: `листопад 2026`, `November 2026` (`short`: `лист. 2026`; `label`: `лист.`)."""
    return "" if value is None else format_date(value, MONTH_FORMATS[style])


def today() -> date:
    """Today in the supplier's time zone (due dates, certificates)."""
    return to_user_timezone(utcnow()).date()


def switch_url(lang: str) -> str:
    """The current URL with ?lang= set, for the UA/EN switch."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def _per_request(format_function):
    """A template filter Jinja may not fold at compile time: `{{ 0|money }}` depends on the request's locale."""

    @pass_context  # a filter given the context is never folded into a constant
    def template_filter(_context, value, *args):
        return format_function(value, *args)

    return template_filter


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=_per_request(format_money),
        amount_plain=format_plain,
        number=_per_request(number),
        day=_per_request(day),
        moment=_per_request(moment),
        month=_per_request(month),
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    @app.context_processor
    def locale_context() -> dict:
        return {"locale": str(get_locale()), "lang_switch_url": switch_url}

    @app.after_request
    def remember_language(response: Response) -> Response:
        chosen = g.get("lang_chosen")
        if chosen and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(
                LANG_COOKIE, chosen, max_age=365 * 24 * 3600, secure=True, httponly=True, samesite="Lax"
            )
        return response
