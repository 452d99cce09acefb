from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, Regexp

from vez.payments.orders import KEY


class PayLinkForm(FlaskForm):
    """ "Pay" on a link's page: the CSRF token and the one-time key that makes a double press one order."""

    key = HiddenField(validators=[InputRequired(), Regexp(KEY.pattern)])
