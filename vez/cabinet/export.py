"""An account's charges and payments as CSV (RFC 4180, UTF-8 with a BOM so spreadsheets read Cyrillic)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _

from vez.cabinet import queries
from vez.models import PersonalAccount
from vez.money import format_plain


def _cell(value) -> str:
    """No cell starts a spreadsheet formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def account_csv(account: PersonalAccount) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            _("Record"),
            _("Personal account"),
            _("Month or date"),
            _("Volume"),
            _("Unit"),
            _("Tariff, UAH"),
            _("Reading at start"),
            _("Reading at end"),
            _("Amount, UAH"),
            _("Channel"),
            _("State"),
        ]
    )
    for c in queries.all_charges(account):
        writer.writerow(
            [
                _cell(v)
                for v in (
                    _("charge"),
                    account.number,
                    f"{c.month:%Y-%m}",
                    _plain(c.volume),
                    c.unit,
                    _plain(c.tariff),
                    _plain(c.reading_start),
                    _plain(c.reading_end),
                    format_plain(c.amount),
                    "",
                    "",
                )
            ]
        )
    for p in queries.all_payments(account):
        writer.writerow(
            [
                _cell(v)
                for v in (
                    _("payment"),
                    account.number,
                    f"{p.paid_at:%Y-%m-%d %H:%M}",
                    "",
                    "",
                    "",
                    "",
                    "",
                    format_plain(p.amount),
                    p.source.value,
                    p.status.value,
                )
            ]
        )
    return out.getvalue()
