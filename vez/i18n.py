"""Languages: the choice (?lang=, a cookie, the login's setting) and money and date formats per locale."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request
from flask_babel import format_currency, format_date, format_decimal, get_locale
from flask_login import current_user
from jinja2 import pass_context

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


def money(kopiykas: int | None) -> str:
    """Kopiykas as hryvnias in the current locale: `1 234,50 ₴` (uk), `1,234.50 UAH` (en)."""
    if kopiykas is None:
        return ""
    return format_currency(Decimal(kopiykas) / 100, "UAH", format="#,##0.00\xa0¤")


def amount_plain(kopiykas: int | None) -> str:
    """Kopiykas as `1234.50`: the form value and the guide's format 0.00, in any locale."""
    if kopiykas is None:
        return ""
    sign = "-" if kopiykas < 0 else ""
    whole, cents = divmod(abs(kopiykas), 100)
    return f"{sign}{whole}.{cents:02d}"


def number(value: Decimal | int | None) -> str:
    return "" if value is None else format_decimal(value, format="#,##0.###")


def day(value: date | datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


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
        money=_per_request(money), amount_plain=amount_plain, number=_per_request(number), day=_per_request(day)
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
