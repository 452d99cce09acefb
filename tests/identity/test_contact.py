"""The one phone rule and email rule (vez.identity.contact; docs/registration.md, "Phone")."""

from __future__ import annotations

import pytest

from vez.identity.contact import normalize_email, normalize_phone


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("+380501234567", "+380501234567"),
        ("+38 (050) 123-45-67", "+380501234567"),
        ("+38 067 111 22 33", "+380671112233"),
        ("+38 (0332) 72-35-00", "+380332723500"),  # a Lutsk landline: a contact phone too
    ],
)
def test_a_ukrainian_number_written_with_plus_38_is_stored_in_e164(app, typed, stored):
    assert normalize_phone(typed) == (stored, None)


@pytest.mark.parametrize(
    "typed",
    ["", "+38", "0501234567", "380501234567", "+3805012345678", "+12025550123", "+380001234567", "+38050123456x"],
)
def test_anything_else_is_refused_with_a_message(app, typed):
    phone, problem = normalize_phone(typed)
    assert phone is None and problem is not None


def test_an_email_is_normalized_and_a_header_injection_refused(app):
    assert normalize_email(" Petro@UKR.NET ") == ("Petro@ukr.net", None)
    assert normalize_email("a@example.com\r\nBcc: x@example.net")[0] is None
    assert normalize_email("not-an-address")[0] is None
