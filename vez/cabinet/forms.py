"""The cabinet's forms: the profile's changes and the certificate request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from vez.identity.contact import normalize_email, normalize_phone


def _current_password():
    return PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class PhoneForm(FlaskForm):
    phone = StringField(
        _l("Phone"), validators=[InputRequired(), Length(max=32)], render_kw={"autocomplete": "tel", "inputmode": "tel"}
    )
    current_password = _current_password()

    def validate_phone(self, field):
        phone, problem = normalize_phone(field.data)
        if problem:
            raise ValidationError(problem)
        field.data = phone


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New email address"), validators=[InputRequired(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    current_password = _current_password()

    def validate_email(self, field):
        email, problem = normalize_email(field.data)
        if problem:
            raise ValidationError(problem)
        field.data = email


class PasswordChangeForm(FlaskForm):
    current_password = _current_password()
    password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(max=1024)], render_kw={"autocomplete": "new-password"}
    )
    confirm = PasswordField(
        _l("Confirm the new password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    # Shown only to a login with live API tokens: a new password leaves them working unless asked (docs/api.md).
    revoke_tokens = BooleanField(_l("Also revoke my API access tokens"))


class PreferencesForm(FlaskForm):
    language = RadioField(
        _l("Language"),
        choices=[
            SelectChoice("uk", "Українська", render_kw={"lang": "uk"}),
            SelectChoice("en", "English", render_kw={"lang": "en"}),
        ],
        validators=[InputRequired()],
    )
    paperless = BooleanField(_l("Send my monthly bill by email instead of paper (e-bill)"))
    reminders = BooleanField(_l("Payment reminders: before the due date and when a bill is overdue"))


class ConfirmForm(FlaskForm):
    """A button only: confirming an email change or asking for a certificate."""


class Checkboxes(SelectMultipleField):
    """Several choices as checkboxes (coerced to int ids)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class TokenForm(FlaskForm):
    """A new personal access token of the read-only API: its name, lifetime, what it reads, the password."""

    name = StringField(
        _l("Token name"),
        filters=[lambda text: (text or "").strip()],
        validators=[
            DataRequired(message=_l("Name the token, e.g. after the device that will use it.")),
            Length(max=60, message=_l("At most 60 characters.")),
        ],
        render_kw={"maxlength": 60, "autocomplete": "off"},
    )
    days = RadioField(
        _l("Valid for"),
        choices=[("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("365 days"))],
        default="90",
        validators=[InputRequired()],
    )
    scope = RadioField(
        _l("Accounts it reads"),
        choices=[
            ("all", _l("Every account of this login, also ones added later")),
            ("some", _l("Only the accounts ticked below")),
        ],
        default="all",
        validators=[InputRequired()],
    )
    accounts = Checkboxes(_l("Personal accounts"), coerce=int, validate_choice=True)
    companies = Checkboxes(_l("Companies you administer"), coerce=int, validate_choice=True)
    current_password = _current_password()

    def validate_accounts(self, field):
        if self.scope.data == "some" and not field.data and not self.companies.data:
            raise ValidationError(_l("Tick at least one account, or choose every account."))
