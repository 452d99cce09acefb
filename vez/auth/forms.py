from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    login = StringField(
        _l("Login"),
        validators=[InputRequired(_l("Enter your login.")), Length(max=200)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the authenticator app"),
        validators=[InputRequired(_l("Enter the code from the authenticator app.")), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 10},
    )
