"""An account's charges and payments as CSV for the consumer's spreadsheet, in the interface language.

RFC 4180 in UTF-8 with a byte-order mark (so spreadsheets read Cyrillic and `м³`). A spreadsheet set to
Ukrainian splits on `;` and reads decimal commas, one set to English splits on `,` and reads points: the
Ukrainian file is `;`-separated with decimal commas and Ukrainian units and labels, the English one
comma-separated with points. Months and dates are ISO (`2026-09`, `2026-10-30 20:00`, Kyiv time), which both read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone

from vez.cabinet import queries
from vez.labels import UNITS  # keyed as the charges store the unit: kWh, m3
from vez.models import PaymentSource, PaymentStatus, PersonalAccount
from vez.money import format_plain


@dataclass(frozen=True)
class Spreadsheet:
    delimiter: str
    decimal_mark: str


SPREADSHEETS = {"uk": Spreadsheet(";", ","), "en": Spreadsheet(",", ".")}
ENGLISH = SPREADSHEETS["en"]  # any other interface language (the testers' pseudo-locale) reads as English
CHANNELS = {PaymentSource.bank: _l("bank"), PaymentSource.post: _l("post office"), PaymentSource.online: _l("online")}
STATES = {
    PaymentStatus.created: _l("not completed"),
    PaymentStatus.pending: _l("in transit"),
    PaymentStatus.paid: _l("received"),
    PaymentStatus.declined: _l("declined by the bank"),
    PaymentStatus.cancelled: _l("cancelled"),
    PaymentStatus.expired: _l("time ran out"),
    PaymentStatus.reversed: _l("reversed"),
}
# The columns of a charge or a payment, after what the record is and whose (an account; a contract and a point).
RECORD_HEADERS = (
    _l("Month or date"),
    _l("Volume"),
    _l("Unit"),
    _l("Tariff, UAH"),
    _l("Reading at start"),
    _l("Reading at end"),
    _l("Amount, UAH"),
    _l("Channel"),
    _l("State"),
)
_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?", re.ASCII)


def _cell(value) -> str:
    """No cell starts a spreadsheet formula (CSV injection); a negative number stays a number."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(text) else text


class SheetWriter:
    """A CSV for a spreadsheet set to `language` (`uk`, `en`; anything else as English): the byte-order mark,
    its delimiter and decimal mark, and no cell that starts a formula."""

    def __init__(self, language: str) -> None:
        self.sheet = SPREADSHEETS.get(language, ENGLISH)
        self._out = io.StringIO()
        self._out.write("\ufeff")
        self._writer = csv.writer(self._out, delimiter=self.sheet.delimiter, lineterminator="\r\n")

    def number(self, value: Decimal | None) -> str:
        return "" if value is None else f"{value.normalize():f}".replace(".", self.sheet.decimal_mark)

    def money(self, kopiykas: int) -> str:
        return format_plain(kopiykas).replace(".", self.sheet.decimal_mark)

    def charge(self, c) -> tuple:
        """A charge's cells under RECORD_HEADERS (no channel or state)."""
        month, unit = f"{c.month:%Y-%m}", UNITS.get(c.unit, c.unit)
        readings = (self.number(c.reading_start), self.number(c.reading_end))
        return (month, self.number(c.volume), unit, self.number(c.tariff), *readings, self.money(c.amount), "", "")

    def payment(self, p, channel: str) -> tuple:
        """A payment's cells under RECORD_HEADERS: its time in Kyiv, as the cabinet shows it, amount, channel, state."""
        paid_at = to_user_timezone(p.paid_at)
        return (f"{paid_at:%Y-%m-%d %H:%M}", "", "", "", "", "", self.money(p.amount), channel, STATES[p.status])

    def row(self, values) -> None:
        self._writer.writerow([_cell(v) for v in values])

    def text(self) -> str:
        return self._out.getvalue()


def account_csv(account: PersonalAccount, language: str) -> str:
    """The export in `language` (`uk`, `en`; anything else as English)."""
    sheet = SheetWriter(language)
    sheet.row((_("Record"), _("Personal account"), *RECORD_HEADERS))
    for c in queries.all_charges(account):
        sheet.row((_("charge"), account.number, *sheet.charge(c)))
    for p in queries.all_payments(account):
        sheet.row((_("payment"), account.number, *sheet.payment(p, CHANNELS[p.source])))
    return sheet.text()
