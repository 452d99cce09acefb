from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import ValidationError

from vez.money import MoneyError, format_money, parse_kopiykas
from vez.payments.orders import KEY, limit_problem


class PayForm(FlaskForm):
    amount = StringField(
        _l("Amount to pay, UAH"),
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20, "required": True},
    )
    key = HiddenField()
    kopiykas: int = 0

    def validate_amount(self, field) -> None:
        low, high = current_app.config["PAYMENT_MIN_AMOUNT"], current_app.config["PAYMENT_MAX_AMOUNT"]
        try:
            kopiykas = parse_kopiykas(field.data)
        except MoneyError:
            raise ValidationError(_l("Enter the amount in hryvnias, for example 250.00 or 250,00.")) from None
        problem = limit_problem(kopiykas, low, high)
        if problem == "low":
            raise ValidationError(_l("The smallest amount is %(amount)s.", amount=format_money(low)))
        if problem == "high":
            raise ValidationError(_l("The largest amount is %(amount)s.", amount=format_money(high)))
        self.kopiykas = kopiykas

    def validate_key(self, field) -> None:
        if not KEY.fullmatch(field.data or ""):
            raise ValidationError(_l("The form has expired. Check the amount and send it again."))


class BatchForm(FlaskForm):
    """ "Pay everything in one payment": the one-time key and the lines the confirmation page showed."""

    key = HiddenField()
    lines = HiddenField()

    def validate_key(self, field) -> None:
        if not KEY.fullmatch(field.data or ""):
            raise ValidationError(_l("The form has expired. Check the amount and send it again."))
