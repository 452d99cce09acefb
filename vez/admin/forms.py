from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=500)])


class UploadForm(FlaskForm):
    kind = SelectField(
        _l("File"),
        choices=[
            SelectChoice("accounts", _l("Personal accounts")),
            SelectChoice("charges", _l("Charges")),
            SelectChoice("payments", _l("Payments")),
        ],
        validators=[InputRequired()],
    )
    file = FileField(_l("CSV file (UTF-8, with a header row)"), validators=[FileRequired()])
    dry_run = BooleanField(_l("Only check, write nothing"))
    skip_bad = BooleanField(_l("Write the good rows even when some are bad"))
