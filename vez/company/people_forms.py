"""The forms of a company's people: an invitation, a member's role, accepting an invitation with a login or with
a new one (step 2 of the household registration's validators, the email being the invited one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from vez.identity.contact import normalize_email
from vez.models import CompanyRole
from vez.registration.forms import AccountForm

ROLE_WORDS = {
    CompanyRole.admin: _l("Administrator"),
    CompanyRole.accountant: _l("Accountant"),
    CompanyRole.viewer: _l("Viewer"),
}
ROLES_HINT = _l(
    "Administrator: everything, and the company's people and activity log. Accountant: documents and payments, "
    "and all a viewer sees. Viewer: read only (balance, contracts, points, charges, payments)."
)


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, ROLE_WORDS[role]) for role in CompanyRole]


def _role(form, field) -> CompanyRole:
    try:
        return CompanyRole(field.data)
    except ValueError:
        raise ValidationError(_l("Choose a role.")) from None


class InviteForm(FlaskForm):
    email = StringField(_l("Email address"), render_kw={"autocomplete": "off", "inputmode": "email", "maxlength": 254})
    role = SelectField(_l("Role"), choices=role_choices, default=CompanyRole.accountant.value, validate_choice=False)
    note = TextAreaField(_l("Note to the letter (optional)"), render_kw={"maxlength": 500, "rows": 3})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.normalized_email: str | None = None
        self.parsed_role: CompanyRole | None = None

    def validate_email(self, field):
        email, problem = normalize_email(field.data)
        if problem:
            raise ValidationError(problem)
        self.normalized_email = email

    def validate_role(self, field):
        self.parsed_role = _role(self, field)

    def validate_note(self, field):
        field.data = (field.data or "").strip()
        if len(field.data) > 500:
            raise ValidationError(_l("The note is at most 500 characters long."))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices, validate_choice=False)

    def validate_role(self, field):
        self.parsed_role = _role(self, field)


class ActionForm(FlaskForm):
    """A button that changes something (revoke, leave): its CSRF token only."""


class SwitchForm(FlaskForm):
    company_id = SelectField(_l("Company"), coerce=int, validate_choice=False)
    next = HiddenField()


def _person(form, field, problem):
    field.data = " ".join((field.data or "").split())
    if not field.data:
        raise ValidationError(problem)


class AcceptForm(FlaskForm):
    """A login accepting: how the company will see the person."""

    full_name = StringField(_l("Full name"), render_kw={"autocomplete": "name", "maxlength": 200})
    position = StringField(_l("Position"), render_kw={"autocomplete": "organization-title", "maxlength": 120})

    def validate_full_name(self, field):
        _person(self, field, _l("Enter your full name."))

    def validate_position(self, field):
        _person(self, field, _l("Enter your position in the company."))


class JoinForm(AccountForm):
    """A new login made from the invitation: step 2's login, phone, password and agreement (their rules in one
    place, vez.registration.forms), with the full name and position; the email is the invited one."""

    email = None  # the invited address, which the link proves
    full_name = AcceptForm.full_name
    position = AcceptForm.position
    validate_full_name = AcceptForm.validate_full_name
    validate_position = AcceptForm.validate_position

    FIELDS = ("login", "full_name", "position", "phone", "password", "confirm", "agreement")

    def validate_email(self, field):  # no email field here
        return None
