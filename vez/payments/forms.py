from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import ValidationError

from vez import i18n, money
from vez.money import MoneyError, format_money, parse_kopiykas
from vez.payments import orders
from vez.payments.orders import KEY, limit_problem
from vez.rendercache import Fresh


def payable_amount(text: str | None) -> int:
    """A typed amount in kopiykas within what can be paid online, or the ValidationError to show."""
    low, high = current_app.config["PAYMENT_MIN_AMOUNT"], current_app.config["PAYMENT_MAX_AMOUNT"]
    try:
        kopiykas = parse_kopiykas(text)
    except MoneyError:
        raise ValidationError(_l("Enter the amount in hryvnias, for example 250.00 or 250,00.")) from None
    problem = limit_problem(kopiykas, low, high)
    if problem == "low":
        raise ValidationError(_l("The smallest amount is %(amount)s.", amount=format_money(low)))
    if problem == "high":
        raise ValidationError(_l("The largest amount is %(amount)s.", amount=format_money(high)))
    return kopiykas


def amount_again(text: str | None) -> int | None:
    """The amount "Try again" proposes (`?amount=100.00`, the order that did not go through), when payable: the
    household pay form's and a company contract's (vez/company/paying.py)."""
    if not text:
        return None
    try:
        kopiykas = money.parse_kopiykas(text, grammar="bare")
    except money.MoneyError:
        return None
    config = current_app.config
    problem = orders.limit_problem(kopiykas, config["PAYMENT_MIN_AMOUNT"], config["PAYMENT_MAX_AMOUNT"])
    return None if problem else kopiykas


class PayForm(FlaskForm):
    amount = StringField(
        _l("Amount to pay, UAH"),
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20, "required": True},
    )
    key = HiddenField()
    kopiykas: int = 0

    def validate_amount(self, field) -> None:
        self.kopiykas = payable_amount(field.data)

    def validate_key(self, field) -> None:
        if not KEY.fullmatch(field.data or ""):
            raise ValidationError(_l("The form has expired. Check the amount and send it again."))


class AutopayForm(FlaskForm):
    """Switching autopay on: the cap on one charge and the consent; the key makes the card-saving order once."""

    max_amount = StringField(
        _l("The most one charge may take, UAH"),
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20, "required": True},
    )
    consent = BooleanField(_l("I agree to autopay on these terms"))
    key = HiddenField()
    kopiykas: int = 0

    def validate_max_amount(self, field) -> None:
        self.kopiykas = payable_amount(field.data)

    def validate_consent(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Tick the consent to switch autopay on."))

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


class AutopayOffForm(FlaskForm):
    """A button only: switching autopay off."""


def new_form(account) -> AutopayForm:
    """The switch-on form as first shown: the cap proposed at today's debt (the consumer raises it), a new key."""
    config = current_app.config
    form = AutopayForm(formdata=None)
    proposed = orders.proposed_amount(account.balance, config["PAYMENT_MIN_AMOUNT"], config["PAYMENT_MAX_AMOUNT"])
    form.max_amount.data = money.format_plain(proposed) if proposed else ""
    form.key.data = Fresh.new(orders.new_key)  # new for each page shown (vez.rendercache)
    return form


def autopay_context(account, form: AutopayForm | None = None) -> dict:
    """What cabinet/_autopay.html needs; the account page and this part's page both render it."""
    from vez.payments.autopay import panel

    return {
        "autopay": panel(account, i18n.today()),
        "autopay_form": form or new_form(account),
        "autopay_off_form": AutopayOffForm(formdata=None),
        "autopay_day": current_app.config["AUTOPAY_DAY"],
    }
