"""The forms of a company's registration: the contract identified (step 1) and the representative's login
(step 2, the household step 2's fields and validators with the representative's name and position)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from vez.companies.codes import parse_company_code, parse_eic
from vez.companies.identification import LONGEST_NUMBER, normalize_contract_number
from vez.identity import identification as ident
from vez.registration.forms import AccountForm, LastPaymentForm, last_payment_fields

CODE_PROBLEMS = {
    "empty": _l("Enter the EDRPOU code of the company or the RNOKPP of the sole proprietor."),
    "symbols": _l("Only digits: 8 for an EDRPOU code, 10 for an RNOKPP."),
    "length": _l("An EDRPOU code has 8 digits, an RNOKPP of a sole proprietor 10 digits."),
    "checksum": _l("There is a mistake in this code: its check digit does not match. Check it against the contract."),
}
EIC_PROBLEMS = {
    "empty": _l("Enter the EIC code of one of the contract's metering points."),
    "length": _l("An EIC code has 16 characters, e.g. 62Z1234567890123."),
    "symbols": _l("An EIC code has only Latin capital letters, digits and “-”."),
    "checksum": _l("There is a mistake in this EIC code: its check character does not match."),
}
CONTRACT_PROBLEMS = {
    "empty": _l("Enter the contract number as written in the contract."),
    "length": _l("A contract number has at most 32 characters."),
}
_NAME = re.compile(r"\s+")


class CompanyIdentifyForm(LastPaymentForm):
    code = StringField(
        _l("EDRPOU or RNOKPP"), render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20}
    )
    contract = StringField(_l("Contract number"), render_kw={"autocomplete": "off", "maxlength": 40})
    amount, no_payments = last_payment_fields()
    eic = StringField(
        _l("EIC code of a metering point"),
        render_kw={"autocomplete": "off", "maxlength": 24, "autocapitalize": "characters", "spellcheck": "false"},
    )
    meter = StringField(_l("Meter number of that point"), render_kw={"autocomplete": "off", "maxlength": 40})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parsed_code: str | None = None
        self.parsed_eic: str | None = None

    def validate_code(self, field):
        code, _kind, problem = parse_company_code(field.data)
        if problem:
            raise ValidationError(CODE_PROBLEMS[problem])
        self.parsed_code = field.data = code

    def validate_contract(self, field):
        text = (field.data or "").strip()
        if not normalize_contract_number(text):
            raise ValidationError(CONTRACT_PROBLEMS["empty"])
        if len(text) > LONGEST_NUMBER:
            raise ValidationError(CONTRACT_PROBLEMS["length"])
        field.data = text

    def validate_eic(self, field):
        # With an amount the EIC is asked only when the last payment is recent: empty is fine then.
        if not self.no_payments.data and not (field.data or "").strip():
            return
        eic, problem = parse_eic(field.data)
        if problem:
            raise ValidationError(EIC_PROBLEMS[problem])
        self.parsed_eic = field.data = eic

    def validate_meter(self, field):
        if self.no_payments.data and not ident.normalize_meter(field.data):
            raise ValidationError(_l("Enter the number of the meter of that point."))


class CompanyAccountForm(AccountForm):
    """The household step 2 (login, phone, password, email, agreement) with the representative's name and
    position in the company."""

    full_name = StringField(_l("Full name"), render_kw={"autocomplete": "name", "maxlength": 200})
    position = StringField(_l("Position"), render_kw={"autocomplete": "organization-title", "maxlength": 120})

    FIELDS = ("login", "full_name", "position", "phone", "password", "confirm", "email", "agreement")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The page's order (the error summary lists the fields as they stand on the page).
        rank = {name: index for index, name in enumerate(self.FIELDS)}
        self._fields = dict(sorted(self._fields.items(), key=lambda item: rank.get(item[0], -1)))

    def validate_full_name(self, field):
        name = _NAME.sub(" ", field.data or "").strip()
        if not name:
            raise ValidationError(_l("Enter your surname, name and patronymic."))
        if len(name) > 200:
            raise ValidationError(_l("At most 200 characters."))
        self.normalized["full_name"] = field.data = name

    def validate_position(self, field):
        position = _NAME.sub(" ", field.data or "").strip()
        if not position:
            raise ValidationError(_l("Enter your position in the company (e.g. director, chief accountant)."))
        if len(position) > 120:
            raise ValidationError(_l("At most 120 characters."))
        self.normalized["position"] = field.data = position
