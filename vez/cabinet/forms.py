"""The cabinet's forms: the profile's changes and the certificate request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

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
