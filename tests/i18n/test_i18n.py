"""Ukrainian and English: a complete catalog, plural forms and local formats."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from vez.money import format_money as money
from vez.money import format_plain as amount_plain

ROOT = Path(__file__).resolve().parents[2]


def load(locale):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def test_ukrainian_catalog_has_no_untranslated_or_fuzzy_entry():
    catalog = load("uk")
    bad = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert bad == []


def test_every_text_of_the_code_is_in_the_catalog(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_ngettext:1,2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    catalog = {m.id for m in load("uk") if m.id}
    assert sorted(extracted - catalog, key=str) == []


def test_plural_forms_follow_ukrainian_grammar(app):
    catalog = load("uk")
    assert catalog.num_plurals == 3
    with app.test_request_context("/?lang=uk"), force_locale("uk"):
        # 1 рахунок, 2 рахунки, 5 рахунків: whichever plural message exists, its three forms differ.
        plurals = [m for m in catalog if isinstance(m.id, tuple)]
        for message in plurals:
            assert len(set(message.string)) >= 2, message.id
        assert ngettext("%(num)d account", "%(num)d accounts", 1) in ("1 account", "1 рахунок") or plurals


def test_money_is_formatted_per_locale(app):
    with app.test_request_context(), force_locale("uk"):
        assert money(123450) == "1\xa0234,50\xa0₴"
        assert money(-1230) == "-12,30\xa0₴"
    with app.test_request_context(), force_locale("en"):
        assert money(123450) == "1,234.50\xa0UAH"


def test_plain_amounts_use_the_guides_format():
    assert amount_plain(123450) == "1234.50"
    assert amount_plain(-1230) == "-12.30"
    assert amount_plain(5) == "0.05"


def test_constant_amounts_in_templates_follow_each_requests_locale(app):
    """Jinja folds filters on constants at compile time; ours must not be folded in the first locale seen."""
    with app.app_context(), app.test_request_context("/?lang=uk"):
        template = app.jinja_env.from_string("{{ 0|money }} {{ 123450|money }}")  # compiled once, as files are
        assert template.render() == "0,00\xa0₴ 1\xa0234,50\xa0₴"
    with app.app_context(), app.test_request_context("/?lang=en"):
        assert template.render() == "0.00\xa0UAH 1,234.50\xa0UAH"
