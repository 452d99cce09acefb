"""Languages: the choice (?lang=, a cookie, the login's setting), number and date formats (money: vez.money).

One date style per kind, each the locale's own (docs/architecture.md, "Dates, amounts and numbers"): `day`
a date in the medium form (`20 лист. 2026 р.`, `Nov 20, 2026`); `moment` the same date with the short time,
only where the time matters (payments, receipts); `month` a billing period (`листопад 2026`,
`November 2026`), short in the chart. Datetimes are naive UTC and are shown in the supplier's time zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from babel.dates import get_datetime_format, get_timezone
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import Domain, format_date, format_decimal, format_time, get_locale
from flask_login import current_user
from jinja2 import pass_context

from vez import pseudo
from vez.models import utcnow
from vez.money import format_money, format_plain
from vez.problems import is_api_request

LANG_COOKIE = "lang"


def chosen_language() -> str:
    """`uk`, `en` or `pseudo`: ?lang= (remembered in a cookie), else the cookie, the login's setting, the default.

    The testers' pseudo-locale is chosen only by typing ?lang=pseudo; no switch offers it and no login keeps it.
    """
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages or chosen == pseudo.CODE:
        g.lang_chosen = chosen
        return chosen
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages or cookie == pseudo.CODE:
        return cookie
    user = current_user
    if user and user.is_authenticated and getattr(user, "language", None) in languages:
        return user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str | Locale:
    language = chosen_language()
    if language == pseudo.CODE:
        # English numbers and dates; a Locale object of its own, so the catalogs can tell this request's locale
        # from an `en` a letter forces (force_locale) for its recipient.
        g.pseudo_locale = Locale("en")
        return g.pseudo_locale
    return language


def is_pseudo() -> bool:
    """This request is in the pseudo-locale (and no letter has forced another locale for the moment)."""
    if not has_request_context():
        return False
    locale = get_locale()  # first: choosing the locale is what marks a pseudo-locale request
    return locale is not None and locale is g.get("pseudo_locale")


class Catalogs(Domain):
    """Flask-Babel's message catalogs, and the pseudo catalog for the pseudo-locale's requests."""

    def get_translations(self):
        if is_pseudo():
            return _pseudo_translations(tuple(self.translation_directories))
        return super().get_translations()


@lru_cache(maxsize=4)
def _pseudo_translations(directories: tuple[str, ...]) -> pseudo.Translations:
    """Built once per process from the English catalog (vez.pseudo: why not at build time)."""
    return pseudo.translations(Path(directories[0]))


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def number(value: Decimal | int | None) -> str:
    return "" if value is None else format_decimal(value, format="#,##0.###")


MONTH_FORMATS = {"full": "LLLL yyyy", "short": "LLL yyyy", "label": "LLL"}  # label: a chart's axis


def day(value: date | datetime | None) -> str:
    """A date in the locale's medium form: `20 лист. 2026 р.`, `Nov 20, 2026`."""
    return "" if value is None else _formatted(value, "medium", get_locale(), select_timezone())


def moment(value: datetime | None) -> str:
    """A date with its time, where the time matters: `1 груд. 2026 р., 22:09`, `Dec 1, 2026, 10:09 PM`."""
    return "" if value is None else _formatted(value, "moment", get_locale(), select_timezone())


def month(value: date | None, style: str = "full") -> str:
    """A billing month: `листопад 2026`, `November 2026` (`short`: `лист. 2026`; `label`: `лист.`)."""
    return "" if value is None else _formatted(value, MONTH_FORMATS[style], get_locale(), select_timezone())


@lru_cache(maxsize=8192)
def _formatted(value: date | datetime, style: str, locale: Locale, timezone: str) -> str:
    """One date in one style, locale and time zone, formatted once per process: Babel parses the pattern on
    every call, and a page repeats its months and days (docs/performance.md). The key carries the locale and
    the zone, so a letter forced into another language (force_locale) gets its own."""
    if style == "moment":
        pattern = get_datetime_format("medium", locale=locale)
        return pattern.replace("{1}", format_date(value, "medium")).replace("{0}", format_time(value, "short"))
    return format_date(value, style)


def rule_day(value: date | None) -> str:
    """A date a rule is tied to, as people quote it: `01.01.2019` (the guide's form), `January 1, 2019`."""
    from flask_babel import pgettext

    return "" if value is None else format_date(value, pgettext("date of a rule", "MMMM d, yyyy"))


def today() -> date:
    """Today in the supplier's time zone (due dates, certificates)."""
    return _local_date(utcnow().replace(second=0, microsecond=0), select_timezone())


@lru_cache(maxsize=4)
def _local_date(minute: datetime, zone: str) -> date:
    """The date in `zone` during this UTC minute (every zone's offset is whole minutes, so a local midnight falls
    on one), worked out once a minute rather than on every request: the time zone's conversion was a quarter of
    the render cache's key (docs/performance.md)."""
    return minute.replace(tzinfo=UTC).astimezone(get_timezone(zone)).date()


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
        rule_day=_per_request(rule_day),
        moment=_per_request(moment),
        month=_per_request(month),
    )
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.policies["ext.i18n.trimmed"] = True

    # Flask-Babel's default domain, for every request from its first hook on (a CSRF refusal's page too).
    app.extensions["babel"].instance.domain_instance = Catalogs()

    @app.context_processor
    def locale_context() -> dict:
        locale = str(get_locale())
        return {
            "locale": locale,
            "html_lang": pseudo.LANGUAGE_TAG if is_pseudo() else locale,
            "lang_switch_url": switch_url,
        }

    @app.after_request
    def remember_language(response: Response) -> Response:
        chosen = g.get("lang_chosen")
        # The API sets no cookie at all (docs/api.md): ?lang= there chooses the language of that answer only.
        if chosen and request.cookies.get(LANG_COOKIE) != chosen and not is_api_request():
            response.set_cookie(
                LANG_COOKIE, chosen, max_age=365 * 24 * 3600, secure=True, httponly=True, samesite="Lax"
            )
        return response
