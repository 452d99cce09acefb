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
