from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[InputRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), validators=[InputRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the authenticator app"),
        validators=[InputRequired()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 10},
    )
