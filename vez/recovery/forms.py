from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from vez.identity.contact import EmailRule
from vez.identity.passwords import new_password_message


class PasswordRecoveryForm(FlaskForm):
    login = StringField(
        _l("Login"),
        validators=[InputRequired(_l("Enter your login.")), Length(max=200)],
        render_kw={"autocomplete": "username", "maxlength": 200},
    )
    email = StringField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter an email address.")), EmailRule()],
        render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": 254},
    )


class LoginRecoveryForm(FlaskForm):
    email = StringField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter an email address.")), EmailRule()],
        render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": 254},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password", "maxlength": 1024})
    confirm = PasswordField(_l("Password confirmation"), render_kw={"autocomplete": "new-password", "maxlength": 1024})

    def __init__(self, *args, login: str = "", account_numbers: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.login, self.account_numbers = login, account_numbers

    def validate_password(self, field):
        problem = new_password_message(field.data or "", login=self.login, account_numbers=self.account_numbers)
        if problem:
            raise ValidationError(problem)

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The passwords do not match."))
