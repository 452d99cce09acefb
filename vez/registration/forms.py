"""The forms of registration: identification (step 1) and the login's data (step 2)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from vez.identity import identification as ident
from vez.identity.contact import normalize_email, normalize_phone
from vez.identity.logins import normalize_login
from vez.identity.passwords import new_password_message
from vez.identity.signup import login_taken_message
from vez.models import Service

NUMBER_PROBLEMS = {
    "empty": _l("Enter the personal account number."),
    "symbols": _l('Only digits, without extra symbols ("№", "о/р" and so on).'),
    "length": _l("A personal account number has 9 digits."),
}
FIRST_DIGIT_PROBLEMS = {
    Service.electricity: _l("An electricity personal account number starts with 5, rarely with 3 or 4."),
    Service.gas: _l("A natural gas personal account number starts with 9."),
}
AMOUNT_PROBLEMS = {
    "empty": _l("Enter the amount of the last payment, or tick “No payments yet”."),
    "format": _l("Amount format: 0.00 (digits, a point or a comma, two digits of kopiykas)."),
    "zero": _l("The amount of a payment is greater than zero."),
}


def last_payment_fields():
    """Step 1's amount of the last payment and its "No payments yet" box, declared where they stand on the page
    (a field's place is its creation order)."""
    amount = StringField(
        _l("Amount of the last payment"),
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20, "placeholder": "0.00"},
    )
    return amount, BooleanField(_l("No payments yet"))


class LastPaymentForm(FlaskForm):
    """What both step 1s share (a household's account, a company's contract): the last payment's amount, or
    none with "No payments yet" and the meter's number; the subclass declares `amount, no_payments =
    last_payment_fields()` and its `meter`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parsed_amount: int | None = None

    def validate_amount(self, field):
        if self.no_payments.data:
            return
        amount, problem = ident.parse_amount(field.data)
        if problem:
            raise ValidationError(AMOUNT_PROBLEMS[problem])
        self.parsed_amount = amount

    def last_payment(self) -> tuple[int | None, str | None]:
        """The answer's (amount, meter): the amount, or with "No payments yet" the meter's number instead."""
        if self.no_payments.data:
            return None, self.meter.data
        return self.parsed_amount, None


class IdentifyForm(LastPaymentForm):
    subdivision = SelectField(_l("Supplier subdivision"), coerce=int, validate_choice=False)
    number = StringField(
        _l("Personal account"), render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 30}
    )
    amount, no_payments = last_payment_fields()
    surname = StringField(
        _l("Surname of the account holder"), render_kw={"autocomplete": "family-name", "maxlength": 60}
    )
    meter = StringField(_l("Meter number (as printed on the bill)"), render_kw={"autocomplete": "off", "maxlength": 40})

    def __init__(self, *args, subdivisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.subdivision_rows = {s.id: s for s in subdivisions}
        self.subdivision.choices = [SelectChoice(0, _l("-- choose --"))] + [
            SelectChoice(s.id, s.name_uk if self._uk else s.name_en) for s in subdivisions
        ]
        self.parsed_number: str | None = None

    @property
    def _uk(self) -> bool:
        from flask_babel import get_locale

        return str(get_locale()) != "en"

    def validate_subdivision(self, field):
        if field.data not in self.subdivision_rows:
            raise ValidationError(_l("Choose the supplier subdivision that serves you."))

    def validate_number(self, field):
        sub = self.subdivision_rows.get(self.subdivision.data)
        number, problem = ident.parse_number(field.data, sub.service if sub else None)
        if problem == "first_digit":
            raise ValidationError(FIRST_DIGIT_PROBLEMS[sub.service])
        if problem:
            raise ValidationError(NUMBER_PROBLEMS[problem])
        self.parsed_number = number
        field.data = number

    def validate_surname(self, field):
        if self.no_payments.data and not ident.normalize_surname(field.data):
            raise ValidationError(_l("Enter the surname of the account holder as on the bill."))

    def validate_meter(self, field):
        if self.no_payments.data and not ident.normalize_meter(field.data):
            raise ValidationError(_l("Enter the meter number as printed on the bill."))


class AccountForm(FlaskForm):
    login = StringField(
        _l("Login"),
        render_kw={"autocomplete": "username", "maxlength": 40, "autocapitalize": "none", "spellcheck": "false"},
    )
    phone = StringField(
        _l("Phone number"), default="+38", render_kw={"autocomplete": "tel", "inputmode": "tel", "maxlength": 25}
    )
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "new-password", "maxlength": 1024})
    confirm = PasswordField(_l("Password confirmation"), render_kw={"autocomplete": "new-password", "maxlength": 1024})
    email = StringField(
        _l("Email address"), render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": 254}
    )
    agreement = RadioField(
        _l("Confirmation"),
        choices=[
            SelectChoice("accept", _l("I accept the terms of the agreement")),
            SelectChoice("decline", _l("I do NOT accept the terms")),
        ],
        validate_choice=False,
    )

    FIELDS = ("login", "phone", "password", "confirm", "email", "agreement")

    def __init__(self, *args, account_number: str = "", replaces=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_number, self.replaces = account_number, replaces
        self.normalized: dict[str, str] = {}

    def validate_login(self, field):
        # The one login rule (vez.identity.logins): NFKC, one alphabet, unique on the confusable skeleton.
        login, problem = normalize_login(field.data)
        field.data = login
        problem = problem or login_taken_message(login, self.replaces)
        if problem:
            raise ValidationError(problem)
        self.normalized["login"] = login

    def validate_phone(self, field):
        phone, problem = normalize_phone(field.data)
        if problem:
            raise ValidationError(problem)
        self.normalized["phone"] = phone

    def validate_password(self, field):
        problem = new_password_message(
            field.data or "", login=(self.login.data or "").strip(), account_numbers=(self.account_number,)
        )
        if problem:
            raise ValidationError(problem)

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Enter the password again."))
        if field.data != self.password.data:
            raise ValidationError(_l("The passwords do not match."))

    def validate_email(self, field):
        email, problem = normalize_email(field.data)
        if problem:
            raise ValidationError(problem)
        # An address in use is not said here: step 2 accepts it and its owner gets a letter
        # (docs/security.md, "Step 2 and letters").
        self.normalized["email"] = email

    def validate_agreement(self, field):
        if field.data == "decline":
            raise ValidationError(_l("Without accepting the terms of the agreement the account cannot be created."))
        if field.data != "accept":
            raise ValidationError(_l("Choose whether you accept the terms of the agreement."))

    def check_one(self, name: str) -> list[str]:
        """Run the validators of one field (the inline check as the user leaves it)."""
        field = self[name]
        field.errors = []
        try:
            getattr(self, f"validate_{name}")(field)
        except ValidationError as error:
            field.errors = [str(error)]
        return list(field.errors)
