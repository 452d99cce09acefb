from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from vez.money import MoneyError, format_plain, parse_kopiykas

E_AMOUNT = _l("Enter the amount in hryvnias, like 1234.50 or -12,30")


class MoneyField(StringField):
    """An amount typed in hryvnias (`1 234,56`, `-12.30`: vez.money's grammar) and kept in integer kopiykas."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_plain(self.data) if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = parse_kopiykas(valuelist[0], signed=True)
        except MoneyError:
            self.data = None
            raise ValueError(str(E_AMOUNT)) from None


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=500)])


class UploadForm(FlaskForm):
    kind = SelectField(
        _l("File"),
        choices=[
            SelectChoice("accounts", _l("Personal accounts")),
            SelectChoice("charges", _l("Charges")),
            SelectChoice("payments", _l("Payments")),
            SelectChoice("companies", _l("Companies")),
            SelectChoice("contracts", _l("Contracts")),
            SelectChoice("points", _l("Metering points")),
            SelectChoice("company-charges", _l("Companies' charges")),
            SelectChoice("company-payments", _l("Companies' bank payments")),
        ],
        validators=[InputRequired()],
    )
    file = FileField(_l("CSV file (UTF-8, with a header row)"), validators=[FileRequired()])
    dry_run = BooleanField(_l("Only check, write nothing"))
    skip_bad = BooleanField(_l("Write the good rows even when some are bad"))


class DisconnectionForm(FlaskForm):
    planned_on = DateField(_l("Disconnection date"), validators=[InputRequired()])
