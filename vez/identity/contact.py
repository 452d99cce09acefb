"""The one phone rule and the one email rule of a login, for registration, the profile and the admin panel.

Phone (docs/registration.md, "Phone"): the guide's step 2 asks for "+38…", so the number is `+38` and
10 digits once spaces, dashes and brackets are removed, and `phonenumbers` must call it a valid Ukrainian
number, mobile or fixed line. Stored in one form, E.164 (`+380XXXXXXXXX`).
"""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

PHONE_JUNK = re.compile(r"[\s\-()]")
PHONE_SHAPE = re.compile(r"\+38[0-9]{10}", re.ASCII)
PHONE_EXAMPLE = "+38 050 123 45 67"


def normalize_phone(raw: str | None) -> tuple[str | None, str | None]:
    """(E.164, None) or (None, the message)."""
    text = PHONE_JUNK.sub("", (raw or "")[:40])
    if not text or text == "+38":
        return None, _l("Enter a contact phone number.")
    if not PHONE_SHAPE.fullmatch(text):
        return None, _l("The number must start with +38 followed by 10 digits, e.g. +38 050 123 45 67.")
    try:
        parsed = phonenumbers.parse(text, "UA")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number_for_region(parsed, "UA"):
        return None, _l("This is not a valid Ukrainian phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None


def normalize_email(raw: str | None) -> tuple[str | None, str | None]:
    """(the normalized address, None) or (None, the message); no DNS lookup."""
    text = (raw or "").strip()
    if not text:
        return None, _l("Enter an email address.")
    if len(text) > 254 or any(c in text for c in "\r\n\0"):
        return None, _l("This is not a valid email address.")
    try:
        return validate_email(text, check_deliverability=False).normalized, None
    except EmailNotValidError:
        return None, _l("This is not a valid email address.")


class EmailRule:
    """A WTForms validator of the email rule's format only: the address stays as typed (recovery looks it up the
    way registration stored it), and nothing about whether it is registered is said."""

    def __call__(self, form, field) -> None:
        from wtforms.validators import StopValidation

        _email, problem = normalize_email(field.data)
        if problem:
            raise StopValidation(str(problem))


class PhoneRule:
    """A WTForms validator of the same rule (the admin panel's login form); stores the normalized form."""

    def __call__(self, form, field) -> None:
        from wtforms.validators import ValidationError

        phone, problem = normalize_phone(field.data)
        if problem:
            raise ValidationError(str(problem))
        field.data = phone
