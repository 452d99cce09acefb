"""The words a person reads for the codes the database stores: services, payment sources and states, roles,
branch kinds, letter states and kinds, units and audit events. One table per kind, in both catalogs.

A code this module does not know is shown as it is stored (a new event is then visible, not hidden).
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from vez.models import BranchKind, ImportStatus, LetterStatus, PaymentSource, PaymentStatus, Role, Service

ENUMS: dict[type[enum.Enum], dict[enum.Enum, object]] = {
    Service: {Service.electricity: _l("Electricity"), Service.gas: _l("Natural gas")},
    BranchKind: {
        BranchKind.city: _l("City branch"),
        BranchKind.district: _l("District branch"),
        BranchKind.gas: _l("Gas"),
    },
    PaymentSource: {
        PaymentSource.bank: _l("Bank"),
        PaymentSource.post: _l("Post office"),
        PaymentSource.online: _l("Online"),
    },
    PaymentStatus: {
        PaymentStatus.created: _l("Not completed"),
        PaymentStatus.pending: _l("In transit"),
        PaymentStatus.paid: _l("Received"),
        PaymentStatus.declined: _l("Declined"),
        PaymentStatus.cancelled: _l("Cancelled"),
        PaymentStatus.expired: _l("Expired"),
        PaymentStatus.reversed: _l("Reversed"),
    },
    Role: {Role.consumer: _l("Consumer"), Role.operator: _l("Operator"), Role.admin: _l("Administrator")},
    LetterStatus: {
        LetterStatus.pending: _l("Waiting"),
        LetterStatus.sent: _l("Sent"),
        LetterStatus.failed: _l("Not delivered"),
    },
    ImportStatus: {
        ImportStatus.queued: _l("Queued"),
        ImportStatus.checking: _l("Checking"),
        ImportStatus.writing: _l("Writing"),
        ImportStatus.done: _l("Done"),
        ImportStatus.rejected: _l("Rejected"),
        ImportStatus.failed: _l("Failed"),
    },
}

UNITS = {"kWh": _l("kWh"), "m3": _l("m³")}

YES_NO = {True: _l("Yes"), False: _l("No")}

LANGUAGES = {"uk": "Українська", "en": "English"}  # each language by its own name, as language menus show them

# What an audit event is about: the table of its target.
OBJECTS = {
    "bills": _l("Bill"),
    "certificates": _l("Certificate"),
    "charges": _l("Charge"),
    "company_invitations": _l("Company invitation"),
    "company_members": _l("Company member"),
    "disconnections": _l("Disconnection"),
    "import_runs": _l("Import"),
    "letters": _l("Letter"),
    "payments": _l("Payment"),
    "personal_accounts": _l("Personal account"),
    "subdivisions": _l("Subdivision"),
    "users": _l("Login"),
}

IMPORT_KINDS = {
    "accounts": _l("Accounts"),
    "charges": _l("Charges"),
    "payments": _l("Payments"),
    "companies": _l("Companies"),
    "contracts": _l("Contracts"),
    "points": _l("Metering points"),
    "company-charges": _l("Companies' charges"),
    "company-payments": _l("Companies' bank payments"),
}

LETTER_KINDS = {
    "activation": _l("Activation"),
    "activation_again": _l("Activation, sent again"),
    "activation_by_staff": _l("Activation, sent by staff"),
    "welcome": _l("Registration completed"),
    "reset": _l("Password recovery"),
    "login_reminder": _l("Login reminder"),
    "password_changed": _l("Password changed"),
    "email-change": _l("Email change"),
    "account-changed": _l("Login data changed"),
    "registration_attempt": _l("Registration with a used address"),
    "ebill": _l("Electronic bill"),
    "payment_receipt": _l("Payment receipt"),
    "reminder_due_soon": _l("Reminder: the bill is due soon"),
    "reminder_overdue": _l("Reminder: the bill is overdue"),
    "disconnection_warning": _l("Disconnection warning"),
    "autopay_on": _l("Autopay switched on"),
    "autopay_declined": _l("Autopay declined"),
    "company_invitation": _l("Invitation to a company"),
}

EVENTS = {
    "activation.done": _l("Login activated"),
    "api.token_created": _l("API access token made"),
    "api.token_revoked": _l("API access token revoked"),
    "api.tokens_revoked": _l("All API access tokens revoked"),
    "activation.used": _l("Activation link used again"),
    "activation.expired": _l("Expired activation link"),
    "activation.replaced": _l("Replaced activation link"),
    "activation.damaged": _l("Damaged activation link"),
    "admin.charges_edited": _l("Charge edited"),
    "admin.disconnection_cancelled": _l("Disconnection cancelled"),
    "admin.disconnection_scheduled": _l("Disconnection scheduled"),
    "admin.job_retried": _l("Failed job retried"),
    "admin.letter_activation": _l("Activation letter sent by staff"),
    "admin.letter_recovery": _l("Recovery letter sent by staff"),
    "admin.letter_resent": _l("Letter queued again"),
    "admin.payment_reversed": _l("Payment reversed by staff"),
    "admin.personal_accounts_edited": _l("Account edited"),
    "admin.subdivisions_created": _l("Subdivision created"),
    "admin.subdivisions_edited": _l("Subdivision edited"),
    "admin.user_activated": _l("Login activated by staff"),
    "admin.user_locked": _l("Login locked"),
    "admin.user_second_factor_reset": _l("Second factor reset"),
    "admin.user_sessions_ended": _l("Sessions ended"),
    "admin.user_unlocked": _l("Login unlocked"),
    "admin.users_edited": _l("Login edited"),
    "autopay.card_saved": _l("Autopay: card saved"),
    "autopay.declined": _l("Autopay charge declined"),
    "autopay.skipped": _l("Autopay: nothing to charge"),
    "autopay.switched_off": _l("Autopay switched off"),
    "autopay.switched_on": _l("Autopay switched on"),
    "cabinet.account_added": _l("Account added to a login"),
    "company.invitation_accepted": _l("Invitation accepted"),
    "company.invitation_limited": _l("Invitation refused: too many today"),
    "company.invitation_revoked": _l("Invitation revoked"),
    "company.invited": _l("Person invited"),
    "company.login_created": _l("Login created from an invitation"),
    "company.payment_created": _l("Online payment started"),
    "company.member_left": _l("Member left the company"),
    "company.member_revoked": _l("Member's access revoked"),
    "company.role_changed": _l("Member's role changed"),
    "cabinet.certificate": _l("Certificate issued"),
    "identify.locked": _l("Identification locked"),
    "identify.malformed": _l("Identification: malformed request"),
    "identify.mismatch": _l("Identification: wrong amount"),
    "identify.not_found": _l("Identification: account not found"),
    "identify.ok": _l("Identification passed"),
    "identify.own": _l("Identification: account already held"),
    "identify.registered": _l("Identification: account already registered"),
    "identify.surname_needed": _l("Identification: surname needed"),
    "identify.throttled": _l("Identification: too many attempts"),
    "identify.unlocked": _l("Identification unlocked"),
    "import.accounts": _l("Accounts imported"),
    "import.accounts_rejected": _l("Accounts import rejected"),
    "import.charges": _l("Charges imported"),
    "import.charges_rejected": _l("Charges import rejected"),
    "import.payments": _l("Payments imported"),
    "import.payments_rejected": _l("Payments import rejected"),
    "import.companies": _l("Companies imported"),
    "import.companies_rejected": _l("Companies import rejected"),
    "import.contracts": _l("Contracts imported"),
    "import.contracts_rejected": _l("Contracts import rejected"),
    "import.points": _l("Metering points imported"),
    "import.points_rejected": _l("Metering points import rejected"),
    "import.company-charges": _l("Companies' charges imported"),
    "import.company-charges_rejected": _l("Companies' charges import rejected"),
    "import.company-payments": _l("Companies' bank payments imported"),
    "import.company-payments_rejected": _l("Companies' bank payments import rejected"),
    "login.failed": _l("Login failed"),
    "login.ok": _l("Logged in"),
    "login.password_ok": _l("Password accepted"),
    "login.remembered": _l("Logged in by a remembered device"),
    "login.second_factor_enrolled": _l("Second factor set up"),
    "login.second_factor_failed": _l("Wrong second-factor code"),
    "login.second_factor_ok": _l("Second factor passed"),
    "login.throttled": _l("Login: too many attempts"),
    "logout": _l("Logged out"),
    "payment.batch_created": _l("Payment for several accounts started"),
    "payment.batch_paid": _l("Payment for several accounts received"),
    "payment.callback_ignored": _l("Gateway callback ignored"),
    "payment.callback_rejected": _l("Gateway callback rejected"),
    "payment.callback_repeated": _l("Gateway callback repeated"),
    "payment.cancelled": _l("Online payment cancelled"),
    "payment.created": _l("Online payment started"),
    "payment.declined": _l("Online payment declined"),
    "payment.expired": _l("Online payment expired"),
    "payment.failed": _l("Online payment failed"),  # the name of payment.declined before issue 13
    "payment.received": _l("Payment received"),
    "payment.reversed": _l("Payment reversed by the gateway"),
    "profile.email_change_refused": _l("Email change refused"),
    "profile.email_change_requested": _l("Email change requested"),
    "profile.email_changed": _l("Email changed"),
    "profile.paperless": _l("Paperless bills changed"),
    "profile.password_changed": _l("Password changed"),
    "profile.password_wrong": _l("Wrong current password"),
    "profile.phone_changed": _l("Phone changed"),
    "profile.reminders": _l("Payment reminders changed"),
    "recovery.login_sent": _l("Login reminder sent"),
    "recovery.login_unmatched": _l("Login reminder: no match"),
    "recovery.password_changed": _l("Password reset"),
    "recovery.password_sent": _l("Password recovery link sent"),
    "recovery.password_unmatched": _l("Password recovery: no match"),
    "recovery.reset_expired": _l("Expired recovery link"),
    "recovery.reset_used": _l("Recovery link used again"),
    "recovery.reset_damaged": _l("Damaged recovery link"),
    "registration.created": _l("Registration started"),
    "registration.email_in_use": _l("Registration with a used address"),
    "registration.replaced": _l("Registration replaced"),
    "registration.resend_refused": _l("Letter resend refused"),
    "registration.resent": _l("Activation letter resent"),
}


def label(value: object) -> str:
    """An enum member's word in the current language; anything else as text (None as nothing)."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        found = ENUMS.get(type(value), {}).get(value)
        return str(found) if found is not None else str(value.value)
    return str(value)


def choices(enum_type: type[enum.Enum]) -> list[tuple[str, object]]:
    """(stored name, word) of every member, for a form's select or a filter's options; the words stay lazy,
    so a list made once (Flask-Admin builds its forms and filters at start) speaks each request's language."""
    words = ENUMS.get(enum_type, {})
    return [(member.name, words.get(member, member.value)) for member in enum_type]


def _from(table: dict[str, object], code: str | None) -> str:
    if code is None:
        return ""
    found = table.get(code)
    return str(found) if found is not None else code


def yes_no(value: bool) -> str:
    return str(YES_NO[bool(value)])


def language(code: str | None) -> str:
    return _from(LANGUAGES, code)


def target(table: str | None) -> str:
    return _from(OBJECTS, table)


def unit(code: str | None) -> str:
    return _from(UNITS, code)


def letter_kind(code: str | None) -> str:
    return _from(LETTER_KINDS, code)


def import_kind(code: str | None) -> str:
    return _from(IMPORT_KINDS, code)


def event(code: str | None) -> str:
    return _from(EVENTS, code)
