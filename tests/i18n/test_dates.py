"""One date style per kind (issue 12, finding 9): the locale's medium date, with the time only where it matters."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale

from vez.i18n import day, moment, month

ROOT = Path(__file__).resolve().parents[2]


def spaced(text: str) -> str:
    """Babel puts no-break and narrow no-break spaces in dates (`2026\u202fр.`): compare them as spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    "locale,expected",
    [
        ("uk", ("20 лист. 2026 р.", "1 груд. 2026 р., 22:09", "листопад 2026", "лист. 2026", "лист.")),
        ("en", ("Nov 20, 2026", "Dec 1, 2026, 10:09 PM", "November 2026", "Nov 2026", "Nov")),
    ],
)
def test_each_kind_of_date_has_one_style_per_locale(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        printed = (
            day(date(2026, 11, 20)),
            moment(datetime(2026, 12, 1, 20, 9)),  # naive UTC: 22:09 in Kyiv
            month(date(2026, 11, 1)),
            month(date(2026, 11, 1), "short"),
            month(date(2026, 11, 1), "label"),
        )
    assert tuple(map(spaced, printed)) == expected


def test_a_date_of_a_timestamp_is_the_day_in_kyiv(app):
    with app.test_request_context(), force_locale("uk"):
        assert spaced(day(datetime(2026, 11, 30, 23, 30))) == "1 груд. 2026 р."  # 01:30 on 1 December in Kyiv
        assert day(None) == moment(None) == month(None) == ""


# Other shapes of dates are forbidden outside vez/i18n.py: a pattern passed to `day`, strftime for display,
# Flask-Babel's own filters. The admin panel (staff only, Flask-Admin's formatters) and the development
# outbox are left to their own parts; URL parameters (`strftime('%Y-%m')`) are not display.
OTHER_STYLES = re.compile(
    r"\|day\(|\|datetimeformat|\|dateformat|\|timeformat|format_datetime\(|format_date\(|strftime\((?!['\"]%Y-%m['\"]\))"
)
LEFT_ALONE = {"vez/templates/admin", "vez/templates/devmail", "vez/admin"}
ALLOWED = {"vez/i18n.py", "vez/billing.py"}  # billing: the payment purpose is Ukrainian whatever the language


def test_every_page_letter_and_pdf_prints_dates_through_the_helpers():
    files = [*ROOT.glob("vez/templates/**/*.html"), *ROOT.glob("vez/templates/**/*.txt"), *ROOT.glob("vez/**/*.py")]
    offenders = []
    for path in files:
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED or any(name.startswith(folder + "/") for folder in LEFT_ALONE):
            continue
        offenders += [f"{name}: {hit.group(0)}" for hit in OTHER_STYLES.finditer(path.read_text())]
    assert offenders == []


@pytest.mark.parametrize(
    "utc,expected",
    [
        (datetime(2026, 3, 28, 21, 59, 59), date(2026, 3, 28)),  # 23:59:59 in Kyiv, winter time
        (datetime(2026, 3, 28, 22, 0), date(2026, 3, 29)),  # midnight: summer time starts at 01:00 UTC that night
        (datetime(2026, 3, 29, 20, 59, 59), date(2026, 3, 29)),  # 23:59:59 summer time
        (datetime(2026, 3, 29, 21, 0), date(2026, 3, 30)),
        (datetime(2026, 10, 24, 21, 0), date(2026, 10, 25)),  # midnight, summer time
        (datetime(2026, 10, 25, 21, 59, 59), date(2026, 10, 25)),  # winter time again
        (datetime(2026, 10, 25, 22, 0), date(2026, 10, 26)),
    ],
)
def test_today_is_the_date_in_kyiv_on_either_side_of_midnight_and_of_the_clock_change(app, monkeypatch, utc, expected):
    from vez import i18n

    monkeypatch.setattr(i18n, "utcnow", lambda: utc)
    with app.test_request_context():
        assert i18n.today() == expected
